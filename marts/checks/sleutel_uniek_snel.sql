-- Quick pass of sleutel_uniek: the number of key hashes of {tabel} that occur more than once.
-- One 64-bit hash of the key groups faster than its columns; a real duplicate always shares
-- its hash, so 0 here means no duplicate, and any finding sends the check to sleutel_uniek.sql
-- for the exact count and examples (a hash collision costs that second pass, nothing more).
SELECT count(*) AS fouten
FROM (SELECT hash({sleutels}) AS sleutel FROM {tabel} GROUP BY sleutel HAVING count(*) > 1);
