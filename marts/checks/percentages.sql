-- Check percentages_0_100: every percentage of {tabel} lies between 0 and 100 (empty is
-- allowed: the one rule for an empty denominator).
SELECT count(*) OVER () AS fouten, *
FROM {tabel}
WHERE least({kolommen}) < 0 OR greatest({kolommen}) > 100 OR isnan(greatest({kolommen}))
LIMIT 5;
