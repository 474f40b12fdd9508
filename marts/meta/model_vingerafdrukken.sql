-- The fingerprint every model was last built with, for the tables and views that exist now.
SELECT m.tabel, m.vingerafdruk
FROM meta.model_inhoud AS m
JOIN (
    SELECT schema_name || '.' || table_name AS tabel FROM duckdb_tables()
    UNION ALL
    SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal
) AS bestaand USING (tabel);
