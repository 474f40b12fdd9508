-- marts.uitstroom: outflow per month (docs/contract.md section 4): GI measures by month of datum_einde per
-- reden_einde, VT cases by month of datum_afgerond per vervolg, RvdK investigations by month
-- of datum_afgerond per uitkomst, with the mean and median duration in calendar days (end -
-- start: datum_uitspraak, datum_ontvangst, datum_verzoek). Only months on the
-- organisation's spine; TOTAAL roll-ups as in instroom.
CREATE OR REPLACE TABLE marts.uitstroom AS
WITH beeindigd AS (
    SELECT 'gi_maatregelen' AS bron, organisatie_code, gemeente_code, reden_einde AS categorie,
        datum_uitspraak AS begin, datum_einde AS einde
    FROM staging.gi_maatregelen
    WHERE datum_einde IS NOT NULL
    UNION ALL
    SELECT 'vt_meldingen', organisatie_code, gemeente_code, vervolg, datum_ontvangst, datum_afgerond
    FROM staging.vt_meldingen
    WHERE datum_afgerond IS NOT NULL
    UNION ALL
    SELECT 'rvdk_onderzoeken', organisatie_code, gemeente_code, uitkomst, datum_verzoek, datum_afgerond
    FROM staging.rvdk_onderzoeken
    WHERE datum_afgerond IS NOT NULL
),
per_maand AS (
    SELECT
        m.periode,
        e.bron,
        e.organisatie_code,
        coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
        e.gemeente_code,
        coalesce(e.categorie, 'ONBEKEND') AS categorie,
        e.einde - e.begin AS duur_dagen
    FROM beeindigd AS e
    JOIN modellen.maanden AS m
        ON m.bron = e.bron
        AND m.organisatie_code = e.organisatie_code
        AND m.periode = date_trunc('month', e.einde)::DATE
    LEFT JOIN modellen.regio_per_maand AS r
        ON r.gemeente_code = e.gemeente_code
        AND r.periode = m.periode
)
SELECT
    periode,
    bron,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    CASE WHEN grouping(gemeente_code) = 1 THEN 'TOTAAL' ELSE gemeente_code END AS gemeente_code,
    CASE WHEN grouping(categorie) = 1 THEN 'TOTAAL' ELSE categorie END AS categorie,
    count(*) AS aantal,
    avg(duur_dagen) AS gemiddelde_duur_dagen,
    quantile_cont(duur_dagen, 0.5) AS mediaan_duur_dagen
FROM per_maand
GROUP BY
    periode,
    bron,
    GROUPING SETS (
        (organisatie_code, jeugdregio_code, gemeente_code),
        (organisatie_code, jeugdregio_code),
        (organisatie_code),
        (jeugdregio_code, gemeente_code),
        (jeugdregio_code),
        ()
    ),
    ROLLUP (categorie)
ORDER BY periode, bron, organisatie_code, jeugdregio_code, gemeente_code, categorie;
