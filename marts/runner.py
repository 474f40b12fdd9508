"""Build the SQL models of `marts/` on a DuckDB connection, in dependency order.

Each model is `marts/<name>.sql` (a `CREATE OR REPLACE TABLE <schema>.<name>`) with
`marts/<name>.yml` beside it (see marts/catalog.py). The models that carry the definitions'
settings into the warehouse (instellingen, kaders, normtermijnen) get them as SQL parameters
from `parameters_for`; no threshold is written in the SQL. After building, the table's
columns are compared with the `.yml`, so the documentation cannot drift from the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from marts.catalog import ModelSpec, catalog
from marts.sql import run_sql
from sources.definitions import Definitions, load_definitions


def _instellingen(defs: Definitions) -> dict[str, Any]:
    low, high = defs.normen.caseload.streefbereik_per_fte
    return {
        "monitor_startdatum": defs.instellingen.monitor_startdatum,
        "max_dagen_tussen_stappen": defs.instellingen.doorstroom.max_dagen_tussen_stappen,
        "norm_per_fte": defs.normen.caseload.norm_per_fte,
        "streefbereik_min_per_fte": low,
        "streefbereik_max_per_fte": high,
        "definities_versie": defs.versie,
    }


def _kaders(defs: Definitions) -> dict[str, Any]:
    codes = [c for c in defs.codelijsten["maatregel_type"].codes if c.kader]
    return {"maatregel_types": [c.code for c in codes], "kaders": [c.kader for c in codes]}


def _normtermijnen(defs: Definitions) -> dict[str, Any]:
    normen = defs.normen.normen
    return {
        "codes": [n.code for n in normen],
        "ankers": [n.anker for n in normen],
        "doelen": [n.doel for n in normen],
        "telmaanden": [n.telmaand for n in normen],
        "termijnen": [n.termijn for n in normen],
        "eenheden": [n.eenheid for n in normen],
    }


# Models whose SQL takes the definitions' settings as parameters.
PARAMETERS: dict[str, Callable[[Definitions], dict[str, Any]]] = {
    "instellingen": _instellingen,
    "kaders": _kaders,
    "normtermijnen": _normtermijnen,
}


def parameters_for(name: str, defs: Definitions) -> dict[str, Any]:
    build = PARAMETERS.get(name)
    return build(defs) if build else {}


@dataclass(frozen=True)
class BuildResult:
    name: str
    table: str
    # None for a view: counting would compute it.
    rows: int | None
    seconds: float


class SchemaMismatch(RuntimeError):
    """A built table's columns differ from its `.yml`."""


def _check_columns(con: duckdb.DuckDBPyConnection, spec: ModelSpec) -> None:
    actual = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {spec.table}").fetchall()]
    expected = [(c.name, c.type) for c in spec.columns]
    if actual != expected:
        raise SchemaMismatch(f"{spec.table}: columns {actual} differ from {spec.name}.yml {expected}")


def build_model(con: duckdb.DuckDBPyConnection, name: str, defs: Definitions | None = None) -> BuildResult:
    """(Re)build one model from its SQL file; its dependencies must exist already."""
    spec = catalog()[name]
    defs = defs or load_definitions()
    start = time.perf_counter()
    # The progress bar would write to the Dagster step's stdout.
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {spec.schema}")
    run_sql(con, name, **parameters_for(name, defs))
    _check_columns(con, spec)
    rows = None
    if spec.materialized == "table":
        rows = int(con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0])
    return BuildResult(name, spec.table, rows, time.perf_counter() - start)


def build_all(
    con: duckdb.DuckDBPyConnection, defs: Definitions | None = None, names: Iterable[str] | None = None
) -> list[BuildResult]:
    """Build every model (or the given ones) in dependency order: building blocks, then marts."""
    defs = defs or load_definitions()
    wanted = set(names) if names is not None else None
    return [build_model(con, name, defs) for name in catalog() if wanted is None or name in wanted]
