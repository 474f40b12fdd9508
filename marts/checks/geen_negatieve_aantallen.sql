-- Check geen_negatieve_aantallen: no count column of {tabel} is below zero.
SELECT count(*) OVER () AS fouten, *
FROM {tabel}
WHERE least({kolommen}) < 0
LIMIT 5;
