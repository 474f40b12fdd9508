-- staging.<bron>: the records of the delivery in force of every organisation. The Python
-- side passes the parquet files of those deliveries (marts/registry.py current_deliveries) and the
-- expression of the record's key (marts/historie.py), which links a record to its region
-- history (docs/contract.md section 4.5). `celsleutel` is a number from 0 to 2^32 - 1 drawn
-- from the record's key: the person-level marts sum it per cell, and the region exports round
-- each count up or down by that cell key (the cell-key method, docs/contract.md section 5.2),
-- so the same records give the same published value wherever they appear. Nobody outside
-- the warehouse can compute it: the record keys are pseudonyms.
CREATE OR REPLACE TABLE staging.{bron} AS
SELECT
    *,
    {sleutel} AS record_sleutel,
    (hash('{bron}|' || organisatie_code || '|' || {sleutel}) % 4294967296)::BIGINT AS celsleutel
FROM read_parquet($bestanden, union_by_name = true);
