-- marts.doorstroom: the chain per month of datum_uitspraak (docs/contract.md section 4): JB measures, how
-- many were linked to an RvdK investigation and, through it, to a Veilig Thuis report, and
-- the median chain lead time (VT datum_ontvangst -> GI datum_jeugdbeschermer), from
-- modellen.ketenschakels. Only months on the GI's spine. TOTAAL = all regions.
CREATE OR REPLACE TABLE marts.doorstroom AS
WITH per_maand AS (
    SELECT
        m.periode,
        coalesce(r.jeugdregio_code, 'ONBEKEND') AS jeugdregio_code,
        k.onderzoek_id,
        k.melding_id,
        k.keten_dagen
    FROM modellen.ketenschakels AS k
    JOIN modellen.maanden AS m
        ON m.bron = 'gi_maatregelen'
        AND m.organisatie_code = k.organisatie_code
        AND m.periode = date_trunc('month', k.datum_uitspraak)::DATE
    LEFT JOIN modellen.regio_per_maand AS r
        ON r.gemeente_code = k.gemeente_code
        AND r.periode = m.periode
)
SELECT
    periode,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    count(*) AS jb_maatregelen,
    count(onderzoek_id) AS met_rvdk_onderzoek,
    count(melding_id) AS met_vt_melding,
    quantile_cont(keten_dagen, 0.5) AS mediaan_keten_dagen,
    count(keten_dagen) AS aantal_met_keten_dagen
FROM per_maand
GROUP BY periode, GROUPING SETS ((jeugdregio_code), ())
ORDER BY periode, jeugdregio_code;
