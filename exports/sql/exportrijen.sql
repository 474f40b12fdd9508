-- The rows of one mart that may go into a region export, sorted by key (deterministic files).
-- Left out: the national roll-ups ({filter_column} = TOTAAL: "all regions", or for the
-- organisation-level marts without a region "all organisations"), which aggregate other
-- regions' data. Only the columns of the mart's .yml are read, so no undocumented column
-- (let alone a pseudonym or record id) can reach an export.
SELECT {columns}
FROM {table}
WHERE {filter_column} IS DISTINCT FROM 'TOTAAL'
ORDER BY {key};
