-- staging.<bron>: the records of the delivery in force of every organisation. The Python
-- side passes the parquet files of those deliveries (see huidige_leveringen.sql).
CREATE OR REPLACE TABLE staging.{bron} AS
SELECT * FROM read_parquet($bestanden, union_by_name = true);
