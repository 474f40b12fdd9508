-- Whether a table exists (a step that reads an optional table asks first).
SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $tabel;
