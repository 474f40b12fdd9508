"""The warehouse file `<data dir>/warehouse/ketenmonitor.duckdb`: the one place it is opened.

DuckDB allows one writing process; an open read-only connection blocks writers too, so every
connection here is a context manager that closes it. A file that cannot be opened raises
`WarehouseUnavailable`, which says why: in use by another process (and which), damaged, or
unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from sources.paths import warehouse_path

LOCKED = "locked"
DAMAGED = "damaged"
UNREADABLE = "unreadable"

_HOLDER_PID = re.compile(r"\(PID (\d+)\)")
# What DuckDB 1.x says when the file is not (or no longer) a database it can read.
_DAMAGED = ("not a valid duckdb database", "could not read enough bytes", "corrupt", "checksum")


class WarehouseUnavailable(duckdb.IOException):
    """The warehouse file cannot be opened: `reason` is LOCKED, DAMAGED or UNREADABLE."""

    def __init__(self, path: Path, reason: str, detail: str, pid: int | None = None) -> None:
        self.path, self.reason, self.detail, self.pid = path, reason, detail, pid
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.reason == LOCKED:
            holder = f"pid {self.pid}" if self.pid else "see the DuckDB message below"
            return (
                f"The warehouse {self.path} is in use by another process ({holder}): close that connection "
                f"(an analyst's DuckDB session, `dagster dev`) and run again. DuckDB: {self.detail}"
            )
        if self.reason == DAMAGED:
            return (
                f"The warehouse {self.path} is not a DuckDB database (damaged?): restore it from a backup, or move "
                f"it aside and run again (the next run builds a new warehouse from the inbox). DuckDB: {self.detail}"
            )
        return f"The warehouse {self.path} cannot be opened: {self.detail}"


def _unavailable(path: Path, exc: duckdb.Error) -> WarehouseUnavailable:
    detail = str(exc).removeprefix("IO Error: ")
    if "Could not set lock" in detail or "Conflicting lock" in detail:
        pid = _HOLDER_PID.search(detail)
        return WarehouseUnavailable(path, LOCKED, detail, int(pid.group(1)) if pid else None)
    if isinstance(exc, duckdb.SerializationException) or any(m in detail.lower() for m in _DAMAGED):
        return WarehouseUnavailable(path, DAMAGED, detail)
    return WarehouseUnavailable(path, UNREADABLE, detail)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.ConnectionException:
        raise
    except (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException) as exc:
        raise _unavailable(path, exc) from exc


@contextmanager
def connect(root: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse of data dir `root`, always closed afterwards.

    Raises `WarehouseUnavailable` when the file is locked by another process, damaged or unreadable.
    """
    path = warehouse_path(root)
    if read_only:
        try:
            con = _open(path, read_only=True)
        except duckdb.ConnectionException:
            # This process already holds the file open read-write and DuckDB refuses a second
            # configuration of the same file: share that one instead (we only read).
            con = _open(path, read_only=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, read_only=False)
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
