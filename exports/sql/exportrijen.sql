-- The rows of one mart that may go into a region export, in the order of {order}: a region
-- mart grouped by region and sorted by key within it (so a region's rows are one run, in key
-- order: deterministic files), caseload and personeel sorted by key.
-- Left out: the national roll-ups ({filter_column} = TOTAAL: "all regions", or for the
-- organisation-level marts without a region "all organisations"), which aggregate other
-- regions' data; and the rows disclosure control would leave out whatever their cell keys
-- ({weggelaten}: person-level rows whose every count stays under the threshold even rounded
-- up), which are counted by exportrijen_weggelaten.sql instead of read. Only the columns of
-- the mart's .yml are read, so no undocumented column (let alone a pseudonym or record id)
-- can reach an export.
SELECT {columns}
FROM {table}
WHERE {filter_column} IS DISTINCT FROM 'TOTAAL' AND NOT ({weggelaten})
ORDER BY {order};
