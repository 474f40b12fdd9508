-- The row count and a checksum over every row of {tabel} (marts/incremental.py): equal
-- contents give equal checksums, in any row order.
SELECT count(*), coalesce(sum(hash(t)), 0)::HUGEINT::VARCHAR FROM {tabel} AS t;
