-- marts.doorlooptijden: lead times per step of the chain (docs/contract.md section 4), in calendar days
-- (end - start), counted in the month of the step's end date on the spine of the
-- organisation owning the end date. Mean, median and p90 (quantile_cont); TOTAAL rows for
-- all organisations, all regions and both are computed from the steps themselves.
CREATE OR REPLACE TABLE marts.doorlooptijden AS
WITH stappen AS (
    SELECT 'VT_ONTVANGST_VERZOEK_RVDK' AS stap, 'vt_meldingen' AS bron, organisatie_code, gemeente_code,
        datum_ontvangst AS begin, datum_verzoek_rvdk AS einde
    FROM staging.vt_meldingen
    UNION ALL
    SELECT 'RVDK_VERZOEK_REKEST', 'rvdk_onderzoeken', organisatie_code, gemeente_code, datum_verzoek, datum_rekest
    FROM staging.rvdk_onderzoeken
    UNION ALL
    SELECT 'RVDK_VERZOEK_AFGEROND', 'rvdk_onderzoeken', organisatie_code, gemeente_code, datum_verzoek, datum_afgerond
    FROM staging.rvdk_onderzoeken
    UNION ALL
    SELECT 'GI_KENNISSTELLING_JEUGDBESCHERMER', 'gi_maatregelen', organisatie_code, gemeente_code,
        datum_in_kennisstelling, datum_jeugdbeschermer
    FROM staging.gi_maatregelen
    UNION ALL
    SELECT 'GI_UITSPRAAK_PLAN', 'gi_maatregelen', organisatie_code, gemeente_code,
        datum_uitspraak, datum_plan_van_aanpak
    FROM staging.gi_maatregelen
    UNION ALL
    SELECT 'GI_UITSPRAAK_HULP', 'gi_maatregelen', organisatie_code, gemeente_code,
        datum_uitspraak, datum_passende_hulp
    FROM staging.gi_maatregelen
    UNION ALL
    SELECT 'KETEN_MELDING_JEUGDBESCHERMER', 'gi_maatregelen', organisatie_code, gemeente_code,
        datum_ontvangst, datum_jeugdbeschermer
    FROM modellen.ketenschakels
),
per_maand AS (
    SELECT
        m.periode,
        s.organisatie_code,
        coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
        s.stap,
        s.einde - s.begin AS dagen
    FROM stappen AS s
    JOIN modellen.maanden AS m
        ON m.bron = s.bron
        AND m.organisatie_code = s.organisatie_code
        AND m.periode = date_trunc('month', s.einde)::DATE
    LEFT JOIN modellen.regio_per_maand AS r
        ON r.gemeente_code = s.gemeente_code
        AND r.periode = m.periode
    WHERE s.begin IS NOT NULL AND s.einde IS NOT NULL
)
SELECT
    periode,
    CASE WHEN grouping(organisatie_code) = 1 THEN 'TOTAAL' ELSE organisatie_code END AS organisatie_code,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    stap,
    count(*) AS aantal,
    avg(dagen) AS gemiddelde_dagen,
    quantile_cont(dagen, 0.5) AS mediaan_dagen,
    quantile_cont(dagen, 0.9) AS p90_dagen
FROM per_maand
GROUP BY
    periode,
    stap,
    GROUPING SETS ((organisatie_code, jeugdregio_code), (organisatie_code), (jeugdregio_code), ())
ORDER BY periode, organisatie_code, jeugdregio_code, stap;
