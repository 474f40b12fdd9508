-- Check rollup_is_som for roll-up column {dim} of {tabel}: every TOTAAL row of {dim} equals,
-- for each additive column, the sum of the rows with the same other key values and a real
-- {dim}. Long format (one row per additive column) keeps the SQL independent of the mart.
-- {ouder} is the column {dim} is nested in (gemeente_code in jeugdregio_code), or NULL: where
-- the parent is TOTAAL, {dim} is TOTAAL because of the parent's roll-up, checked there.
WITH lang AS (
    UNPIVOT (SELECT {sleutels}, {kolommen} FROM {tabel})
    ON {kolommen}
    INTO NAME kolom VALUE waarde
),
totalen AS (
    SELECT * EXCLUDE ({dim}) FROM lang WHERE {dim} = 'TOTAAL' AND {ouder} IS DISTINCT FROM 'TOTAAL'
),
delen AS (
    SELECT * EXCLUDE ({dim}, waarde), sum(waarde) AS som
    FROM lang
    WHERE {dim} <> 'TOTAAL'
    GROUP BY ALL
)
SELECT count(*) OVER () AS fouten, *
FROM totalen
NATURAL LEFT JOIN delen
WHERE delen.som IS NULL OR abs(totalen.waarde - delen.som) > 1e-6
LIMIT 5;
