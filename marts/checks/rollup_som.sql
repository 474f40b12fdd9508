-- Check rollup_is_som for roll-up column {dim} of {tabel}: every TOTAAL row of {dim} equals,
-- for each additive column, the sum of the rows with the same other key values and a real
-- {dim}. {ouder} is the column {dim} is nested in (gemeente_code in jeugdregio_code), or NULL:
-- where the parent is TOTAAL, {dim} is TOTAAL because of the parent's roll-up, checked there.
-- The parts are summed in wide format (all additive columns in one pass); only the TOTAAL rows
-- are turned into long format (one row per additive column, empty values left out), so each
-- finding is one TOTAAL row and column.
WITH rijen AS (
    SELECT {sleutels}, {kolommen} FROM {tabel}
),
totalen AS (
    SELECT * EXCLUDE ({dim}) FROM rijen WHERE {dim} = 'TOTAAL' AND {ouder} IS DISTINCT FROM 'TOTAAL'
),
delen AS (
    SELECT * EXCLUDE ({dim}, {kolommen}), {sommen}
    FROM rijen
    WHERE {dim} <> 'TOTAAL'
    GROUP BY ALL
),
lang AS (
    UNPIVOT (SELECT * FROM totalen NATURAL LEFT JOIN delen)
    ON {kolommen}
    INTO NAME kolom VALUE waarde
),
vergeleken AS (
    SELECT * EXCLUDE ({somkolommen}), {som_van_kolom} AS som FROM lang
)
SELECT count(*) OVER () AS fouten, *
FROM vergeleken
WHERE som IS NULL OR abs(waarde - som) > 1e-6
LIMIT 5;
