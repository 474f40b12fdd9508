-- The rows of one mart that may go into a region export, in no particular order: sorting them
-- here by region and key (many string columns, millions of rows) took half the export's time;
-- exports/regions.py (RegionSplit) sorts them on integer ranks of the codes instead.
-- Left out: the national roll-ups ({filter_column} = TOTAAL: "all regions", or for the
-- organisation-level marts without a region "all organisations"), which aggregate other
-- regions' data; and the rows disclosure control would leave out whatever their cell keys
-- ({weggelaten}: person-level rows whose every count stays under the threshold even rounded
-- up), which are counted by exportrijen_weggelaten.sql instead of read. Only the columns of
-- the mart's .yml are read, so no undocumented column (let alone a pseudonym or record id)
-- can reach an export.
SELECT {columns}
FROM {table}
WHERE {filter_column} IS DISTINCT FROM 'TOTAAL' AND NOT ({weggelaten});
