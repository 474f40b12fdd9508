-- The row count and a checksum over the rows of one bron of {tabel} (marts/incremental.py:
-- what the rows of that bron of a model with `partitie: bron` are made from).
SELECT count(*), coalesce(sum(hash(t)), 0)::HUGEINT::VARCHAR FROM {tabel} AS t WHERE t.bron = $bron;
