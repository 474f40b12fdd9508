-- Quick pass of rollup_is_som for roll-up column {dim} of {tabel}: the number of groups (the
-- same other key values) whose TOTAAL row differs from the sum of its parts in some additive
-- column (as in rollup_som.sql: a TOTAAL value that is empty is not compared, one without
-- parts differs). It groups on one 64-bit hash of the other key columns instead of
-- the columns themselves (hashing and comparing one integer is several times cheaper than six
-- strings, on millions of rows). Any finding sends the check to rollup_som.sql, which counts
-- and shows the offending rows exactly: a hash collision can cost that second pass, never
-- hide a failure unless two groups' errors cancel exactly. A key with an empty value counts
-- as a finding, as it finds no parts in rollup_som.sql's join.
WITH rijen AS (
    SELECT
        hash({andere_sleutels}) AS groep,
        {dim} = 'TOTAAL' AS is_totaal,
        {leeg} AS sleutel_leeg,
        {kolommen}
    FROM {tabel}
    WHERE {dim} <> 'TOTAAL' OR {ouder} IS DISTINCT FROM 'TOTAAL'
),
groepen AS (
    SELECT
        bool_or(is_totaal AND sleutel_leeg) AS leeg,
        {aggregaten}
    FROM rijen
    GROUP BY groep
)
SELECT count(*) AS fouten
FROM groepen
WHERE leeg OR {afwijking};
