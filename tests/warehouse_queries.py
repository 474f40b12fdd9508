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


def snapshot(root: Path, schemas: tuple[str, ...], exclude: set[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every table and view of `schemas`: its rows sorted, without the columns named in `exclude`."""
    con = duckdb.connect(str(warehouse(root)), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            f"WHERE table_schema IN {tuple(schemas)} ORDER BY ALL"
        ).fetchall()
        result = {}
        for schema, table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
                if r[0] not in exclude
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            result[f"{schema}.{table}"] = con.execute(
                f'SELECT {select} FROM "{schema}"."{table}" ORDER BY ALL'
            ).fetchall()
        return result
    finally:
        con.close()
