"""Load the SQL files of `marts/` by name: SQL lives in .sql files, never in Python strings."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).resolve().parent


@cache
def load_sql(name: str) -> str:
    """The text of `marts/<name>.sql` (name may include a subfolder, e.g. "meta/leveringen")."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file {path}")
    return path.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of a SQL file, split on `;` at line ends (our files keep `;` out of strings)."""
    parts = [s.strip() for s in load_sql(name).split(";\n")]
    return [p.rstrip(";").strip() for p in parts if p and not all(line.startswith("--") for line in p.splitlines())]


def run_sql(con: Any, name: str, fetch: bool = False, format_args: dict[str, str] | None = None, **params: Any) -> Any:
    """Run every statement of `marts/<name>.sql` with the named parameters it uses.

    `format_args` fills `{placeholders}` for identifiers (table names), which SQL parameters cannot.
    With `fetch`, returns the rows of the last statement.
    """
    rows = None
    for statement in statements(name):
        if format_args:
            statement = statement.format(**format_args)
        used = {k: v for k, v in params.items() if f"${k}" in statement}
        cursor = con.execute(statement, used) if used else con.execute(statement)
        if fetch:
            rows = cursor.fetchall()
    return rows
