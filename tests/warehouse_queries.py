"""Read a test data dir's warehouse: one read-only connection per query, closed at once (an open
read-only connection would block the next run's writer)."""

from pathlib import Path

import duckdb


def warehouse(root: Path) -> Path:
    return root / "warehouse" / "ketenmonitor.duckdb"


def query(root: Path, sql: str, *params) -> list[tuple]:
    con = duckdb.connect(str(warehouse(root)), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def one(root: Path, sql: str, *params) -> tuple:
    rows = query(root, sql, *params)
    assert len(rows) == 1, rows
    return rows[0]
