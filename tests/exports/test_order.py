"""The row order of the region exports: RegionSplit sorts on integer ranks (exports/regions.py),
which must give DuckDB's ORDER BY (the order the files were always written in)."""

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.regions import _decoded, _key_order, _ranks

ROWS = """
SELECT * FROM (VALUES
    ('b', DATE '2024-02-01', 'x', 1), ('B', DATE '2024-01-01', NULL, 2), (NULL, DATE '2024-01-01', 'y', 3),
    ('é', NULL, 'a', 4), ('', DATE '2023-12-01', 'z', 5), ('b', DATE '2024-01-01', 'x', 6),
    ('a', DATE '2024-01-01', 'ä', 7), ('b', NULL, NULL, 8), ('Z', DATE '2024-01-01', 'x', 9)
) t(regio, periode, code, aantal)
"""


def _sorted(table: pa.Table, keys: list[str], lexsort: bool = False) -> pa.Table:
    ranked = [_ranks(table.column(k)) for k in keys]
    sizes = [2**40 if lexsort else len(values) + 1 for _, values in ranked]
    return _decoded(table.take(pa.array(_key_order([r for r, _ in ranked], sizes))))


def test_rank_order_is_duckdbs_order_by():
    con = duckdb.connect()
    rows = con.execute(ROWS).to_arrow_table()
    con.register("rijen", rows)
    expected = con.execute("SELECT * FROM rijen ORDER BY regio, periode, code").to_arrow_table()
    # As read_mart gives them: strings dictionary-encoded, rows in any order.
    shuffled = rows.take(pa.array(np.random.default_rng(1).permutation(rows.num_rows)))
    encoded = pa.Table.from_arrays(
        [pc.dictionary_encode(c) if pa.types.is_string(c.type) else c for c in shuffled.columns],
        names=shuffled.column_names,
    )
    for lexsort in (False, True):
        assert _sorted(encoded, ["regio", "periode", "code"], lexsort).equals(expected)


def test_ranks_of_an_empty_column():
    for column in (pa.chunked_array([], pa.date32()), pc.dictionary_encode(pa.chunked_array([], pa.string()))):
        ranks, values = _ranks(column)
        assert len(ranks) == 0 and len(values) == 0
