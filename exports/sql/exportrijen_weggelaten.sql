-- The rows exportrijen.sql leaves out because disclosure control would leave them out anyway:
-- how many, and how many count cells and derived figures in them it would have emptied (the
-- run's statistics stay those of the full mart).
SELECT count(*) AS rijen, {primair} AS primair, {afgeleid} AS afgeleid
FROM {table}
WHERE {filter_column} IS DISTINCT FROM 'TOTAAL' AND ({weggelaten});
