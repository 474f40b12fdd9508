"""Dagster resources: the DuckDB warehouse file under the data dir."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa

from sources.paths import data_dir, warehouse_path

# Every asset that writes the warehouse runs in this pool (limit 1 in dagster.yaml):
# DuckDB allows one writer process at a time.
DUCKDB_POOL = "duckdb"


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file `<data dir>/warehouse/ketenmonitor.duckdb`."""

    data_dir: str

    @property
    def root(self) -> Path:
        return Path(self.data_dir)

    @property
    def path(self) -> Path:
        return warehouse_path(self.root)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, always closed afterwards (an open one blocks other writers)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        try:
            yield con
        finally:
            con.close()


def default_warehouse() -> Warehouse:
    return Warehouse(data_dir=str(data_dir()))


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame | pa.Table) -> int:
    """Replace `schema.table` with the contents of a pandas frame or arrow table; returns the row count."""
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    con.register("_frame", frame)
    try:
        con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS SELECT * FROM _frame')
    finally:
        con.unregister("_frame")
    return frame.num_rows if isinstance(frame, pa.Table) else len(frame)
