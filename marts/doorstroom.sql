-- marts.doorstroom: the chain per period of the first datum_uitspraak (docs/contract.md
-- section 4.3): JB trajectories, how many were linked to an RvdK investigation and, through
-- it, to a Veilig Thuis report, and the median chain lead time (VT datum_ontvangst -> the
-- trajectory's datum_jeugdbeschermer), from modellen.ketenschakels. The region is the
-- trajectory's: its first measure's municipality in that month. The median needs the cases,
-- so every trajectory is joined to each period complete for its first measure's GI
-- (modellen.perioden). TOTAAL = all regions.
CREATE OR REPLACE TABLE marts.doorstroom AS
WITH trajecten AS (
    SELECT
        p.periode_type,
        p.periode,
        g.jeugdregio_code,
        k.onderzoek_id,
        k.melding_id,
        k.keten_dagen
    FROM modellen.ketenschakels AS k
    JOIN modellen.gemeente_per_maand AS g
        ON g.bron = 'gi_maatregelen'
        AND g.organisatie_code = k.organisatie_code
        AND g.record_sleutel = k.maatregel_id
        AND g.periode = date_trunc('month', k.datum_uitspraak)::DATE
    JOIN modellen.perioden AS p
        ON p.bron = 'gi_maatregelen'
        AND p.organisatie_code = k.organisatie_code
        AND p.maand = g.periode
)
SELECT
    periode_type,
    periode,
    CASE WHEN grouping(jeugdregio_code) = 1 THEN 'TOTAAL' ELSE jeugdregio_code END AS jeugdregio_code,
    count(*) AS jb_trajecten,
    count(onderzoek_id) AS met_rvdk_onderzoek,
    count(melding_id) AS met_vt_melding,
    quantile_cont(keten_dagen, 0.5) AS mediaan_keten_dagen,
    count(keten_dagen) AS aantal_met_keten_dagen
FROM trajecten
GROUP BY periode_type, periode, GROUPING SETS ((jeugdregio_code), ())
ORDER BY periode_type, periode, jeugdregio_code;
