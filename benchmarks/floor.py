"""The floor: DuckDB reading the same delivery files once, with a count, and nothing else.

CSV through `read_csv` (DuckDB sniffs `,` or `;`, the BOM and the header), parquet through
`read_parquet`. DuckDB reads xlsx only with its `excel` extension, which must be downloaded;
when it cannot be loaded the few small xlsx deliveries are counted with openpyxl (read-only),
and the result says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
from openpyxl import load_workbook

from benchmarks.data import Delivery


@dataclass
class FloorResult:
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)  # delivery key -> records
    xlsx_reader: str = "duckdb"


def _excel(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("LOAD excel")
    except duckdb.Error:
        return False
    return True


def _openpyxl_count(path) -> int:
    book = load_workbook(path, read_only=True)
    try:
        # Without a stored dimension (max_row None) the rows have to be walked.
        rows = book.worksheets[0].max_row
        if rows is None:
            rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        return max(rows - 1, 0)
    finally:
        book.close()


def read_floor(items: list[Delivery]) -> FloorResult:
    """Read every file of `items` once with DuckDB and count its records; the wall time of it all."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    excel = _excel(con)
    result = FloorResult(0.0, xlsx_reader="duckdb" if excel else "openpyxl (DuckDB excel extension not available)")
    start = time.perf_counter()
    for d in items:
        try:
            if d.fmt == "csv":
                n = con.execute("SELECT count(*) FROM read_csv(?, all_varchar = true)", [str(d.path)]).fetchone()[0]
            elif d.fmt == "parquet":
                n = con.execute("SELECT count(*) FROM read_parquet(?)", [str(d.path)]).fetchone()[0]
            elif excel:
                n = con.execute("SELECT count(*) FROM read_xlsx(?, all_varchar = true)", [str(d.path)]).fetchone()[0]
            else:
                n = _openpyxl_count(d.path)
        except Exception:  # noqa: BLE001 - a delivery broken on purpose (the demo's defects): tried, none counted
            n = 0
        result.rows[d.key] = int(n)
    result.seconds = time.perf_counter() - start
    con.close()
    return result
