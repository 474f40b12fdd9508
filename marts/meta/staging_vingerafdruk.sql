-- The fingerprint staging.$bron was last built with (no row: never built, or built before
-- fingerprints were kept), and whether the table is there at all.
SELECT (SELECT vingerafdruk FROM meta.staging_inhoud WHERE bron = $bron),
       (SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'staging' AND table_name = $bron);
