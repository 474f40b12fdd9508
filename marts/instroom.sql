-- marts.instroom: inflow per month (docs/contract.md section 4): GI measures by month of datum_uitspraak,
-- VT advice requests and reports by month of datum_ontvangst, RvdK investigations by month
-- of datum_verzoek; categorie = maatregel_type (GI) or soort (VT, RvdK). Only months on the
-- organisation's spine. Roll-ups (TOTAAL) over organisations, regions, municipalities within
-- a region, and categories, in one GROUPING SETS pass over the counts at the finest grain.
CREATE OR REPLACE TABLE marts.instroom AS
WITH gebeurtenissen AS (
    SELECT 'gi_maatregelen' AS bron, organisatie_code, gemeente_code, maatregel_type AS categorie,
        datum_uitspraak AS datum
    FROM staging.gi_maatregelen
    UNION ALL
    SELECT 'vt_meldingen', organisatie_code, gemeente_code, soort, datum_ontvangst
    FROM staging.vt_meldingen
    UNION ALL
    SELECT 'rvdk_onderzoeken', organisatie_code, gemeente_code, soort, datum_verzoek
    FROM staging.rvdk_onderzoeken
),
per_maand AS (
    SELECT
        m.periode,
        e.bron,
        e.organisatie_code,
        coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
        e.gemeente_code,
        coalesce(e.categorie, 'ONBEKEND') AS categorie,
        count(*) AS aantal
    FROM gebeurtenissen AS e
    JOIN modellen.maanden AS m
        ON m.bron = e.bron
        AND m.organisatie_code = e.organisatie_code
        AND m.periode = date_trunc('month', e.datum)::DATE
    LEFT JOIN modellen.regio_per_maand AS r
        ON r.gemeente_code = e.gemeente_code
        AND r.periode = m.periode
    GROUP BY ALL
)
SELECT
    periode,
    bron,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    CASE WHEN grouping(gemeente_code) = 1 THEN 'TOTAAL' ELSE gemeente_code END AS gemeente_code,
    CASE WHEN grouping(categorie) = 1 THEN 'TOTAAL' ELSE categorie END AS categorie,
    sum(aantal)::BIGINT AS aantal
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
