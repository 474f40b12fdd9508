-- staging.<bron>: the records of the delivery in force of every organisation. The Python
-- side passes the parquet files of those deliveries (marts/registry.py current_deliveries) and the
-- expression of the record's key (marts/historie.py), which links a record to its region
-- history (docs/contract.md section 4.5).
CREATE OR REPLACE TABLE staging.{bron} AS
SELECT *, {sleutel} AS record_sleutel FROM read_parquet($bestanden, union_by_name = true);
