"""The warehouse file `<data dir>/warehouse/ketenmonitor.duckdb`: the one place it is opened.

DuckDB allows one writing process; an open read-only connection blocks writers too, so every
connection here is a context manager that closes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from sources.paths import warehouse_path


@contextmanager
def connect(root: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse of data dir `root`, always closed afterwards."""
    path = warehouse_path(root)
    if read_only:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.ConnectionException:
            # This process already holds the file open read-write and DuckDB refuses a second
            # configuration of the same file: share that one instead (we only read).
            con = duckdb.connect(str(path))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    try:
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame | pa.Table) -> int:
    """Replace `schema.table` with the contents of a pandas frame or arrow table; returns the row count."""
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    con.register("_frame", frame)
    try:
        con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS SELECT * FROM _frame')
    finally:
        con.unregister("_frame")
    return frame.num_rows if isinstance(frame, pa.Table) else len(frame)
