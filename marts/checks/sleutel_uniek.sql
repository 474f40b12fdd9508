-- Check sleutel_uniek: every key of {tabel} occurs once (a duplicate key would count a
-- figure twice in every sum and export). Returns up to 5 offending keys, with the number
-- of failing keys in `fouten`.
SELECT count(*) OVER () AS fouten, {sleutels}, count(*) AS keer
FROM {tabel}
GROUP BY {sleutels}
HAVING count(*) > 1
LIMIT 5;
