"""Load SQL files by name: SQL lives in .sql files, never in Python strings.

One `SqlFolder` per stage that has SQL: the warehouse's (`marts/`), the exports' and the reports'.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


class SqlFolder:
    """The `.sql` files under one folder, addressed as `name` or `subfolder/name` (without `.sql`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.load = cache(self._load)

    def _load(self, name: str) -> str:
        path = self.root / f"{name}.sql"
        if not path.is_file():
            raise FileNotFoundError(f"no SQL file {path}")
        return path.read_text(encoding="utf-8")

    def statements(self, name: str) -> list[str]:
        """The statements of a SQL file, split on `;` at line ends (our files keep `;` out of strings)."""
        parts = [s.strip() for s in self.load(name).split(";\n")]
        return [p.rstrip(";").strip() for p in parts if p and not all(line.startswith("--") for line in p.splitlines())]

    def run(
        self, con: Any, name: str, fetch: bool = False, format_args: dict[str, str] | None = None, **params: Any
    ) -> Any:
        """Run every statement of `<name>.sql` with the named parameters it uses.

        `format_args` fills `{placeholders}` for identifiers (table names), which SQL parameters cannot.
        With `fetch`, returns the rows of the last statement.
        """
        rows = None
        for statement in self.statements(name):
            if format_args:
                statement = statement.format(**format_args)
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            cursor = con.execute(statement, used) if used else con.execute(statement)
            if fetch:
                rows = cursor.fetchall()
        return rows


# The warehouse's SQL: models at the root and in modellen/, meta/, staging/, checks/.
WAREHOUSE_SQL = SqlFolder(Path(__file__).parent)
load_sql = WAREHOUSE_SQL.load
statements = WAREHOUSE_SQL.statements
run_sql = WAREHOUSE_SQL.run
