"""Dagster resources: the DuckDB warehouse of the data dir (opened by marts/warehouse.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from marts import warehouse
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
        with warehouse.connect(self.root) as con:
            yield con


def default_warehouse() -> Warehouse:
    return Warehouse(data_dir=str(data_dir()))
