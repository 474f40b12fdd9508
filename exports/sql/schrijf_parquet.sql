-- Write the registered arrow table _bestand (one mart, one region, sorted) as parquet. The
-- column descriptions go into the file's key-value metadata (column name -> description):
-- DuckDB's COPY has no per-field metadata. {pad} and {metadata} are quoted literals.
COPY (SELECT * FROM _bestand) TO {pad} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {metadata});
