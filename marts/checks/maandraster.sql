-- Check binnen_maandraster: no row of {tabel} for an organisation lies outside its months
-- (before the monitor's start date or after the month of its latest accepted peildatum).
WITH raster AS (
    SELECT organisatie_code, min(periode) AS eerste, max(peildatum) AS laatste
    FROM modellen.maanden
    GROUP BY organisatie_code
)
SELECT count(*) OVER () AS fouten, t.organisatie_code, t.{periode}
FROM {tabel} AS t
LEFT JOIN raster AS r
    ON r.organisatie_code = t.organisatie_code
WHERE t.organisatie_code <> 'TOTAAL'
    AND (r.organisatie_code IS NULL OR t.{periode} < r.eerste OR t.{periode} > r.laatste)
LIMIT 5;
