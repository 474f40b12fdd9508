"""Build the SQL models of `marts/` on a DuckDB connection, in dependency order.

Each model is `marts/<name>.sql` or `marts/modellen/<name>.sql` (a `CREATE OR REPLACE TABLE
<schema>.<name>`) with its `.yml` beside it (see marts/catalog.py). The models that carry the
definitions' settings into the warehouse (instellingen, kaders, normtermijnen) and the delivery
monitor (aanlevering: the date it judges on, the terms) get them as SQL parameters from
`parameters_for`; no threshold is written in the SQL. After building, the table's
columns are compared with the `.yml`, so the documentation cannot drift from the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from marts.catalog import ModelSpec, catalog
from marts.historie import has_history, record_key_sql, update_history
from marts.registry import current_deliveries, ensure_schema
from marts.sql import load_sql, run_sql, statements
from marts.warehouse import replace_table
from sources.archive import empty_table, sha256_text
from sources.definitions import Definitions, current_definitions, reference, vandaag


def _instellingen(defs: Definitions) -> dict[str, Any]:
    return {
        "monitor_startdatum": defs.instellingen.monitor_startdatum,
        "max_dagen_tussen_stappen": defs.instellingen.doorstroom.max_dagen_tussen_stappen,
        "traject_marge_dagen": defs.instellingen.trajecten.marge_dagen,
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


def aanlevering_parameters(defs: Definitions, today: date | None = None) -> dict[str, Any]:
    """The SQL parameters of marts/aanlevering.sql: the date, the terms, and which types deliver which bron."""
    # Which organisation delivers which bron follows the definitions (defs.bronnen_voor(type)).
    types = sorted({t for b in defs.bronnen.values() for t in b.organisatie_types})
    pairs = [(t, bron) for t in types for bron in defs.bronnen_voor(t)]
    return {
        "vandaag": today or vandaag(defs),
        "termijn_dagen": defs.instellingen.aanlevering.termijn_dagen,
        "signaal_na_dagen": defs.instellingen.aanlevering.versheid_dagen,
        "organisatie_types": [t for t, _ in pairs],
        "bronnen": [b for _, b in pairs],
    }


def _bewaking(defs: Definitions) -> dict[str, Any]:
    """The key checks (issue 16): which deliveries are in force, and when a koppelgraad drop warns."""
    k = defs.instellingen.koppelgraad
    return {
        "definities_versie": defs.versie,
        "min_records": k.min_records,
        "daling_procentpunten": k.daling_procentpunten,
        "daling_relatief_pct": k.daling_relatief_pct,
    }


# Models whose SQL takes the definitions' settings as parameters.
PARAMETERS: dict[str, Callable[[Definitions], dict[str, Any]]] = {
    "instellingen": _instellingen,
    "kaders": _kaders,
    "normtermijnen": _normtermijnen,
    "aanlevering": aanlevering_parameters,
    "koppelgraad": _bewaking,
    "sleutelconflicten": _bewaking,
}


def parameters_for(name: str, defs: Definitions) -> dict[str, Any]:
    build = PARAMETERS.get(name)
    params = build(defs) if build else {}
    if catalog()[name].partitie == "bron":  # a full build: every bron
        params["bronnen"] = sorted(defs.bronnen)
    return params


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


def build_model(
    con: duckdb.DuckDBPyConnection, name: str, defs: Definitions | None = None, **overrides: Any
) -> BuildResult:
    """(Re)build one model from its SQL file; its dependencies must exist already.

    `overrides` replace SQL parameters (the delivery monitor's `vandaag`, to judge a past day).
    """
    spec = catalog()[name]
    defs = defs or current_definitions()
    start = time.perf_counter()
    # The progress bar would write to the Dagster step's stdout.
    con.execute("SET enable_progress_bar = false")
    if any(dep.startswith("meta.") for dep in spec.depends_on):
        # The registry exists once any delivery was processed; an empty one means "nothing delivered".
        ensure_schema(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {spec.schema}")
    if spec.per_jaar:
        _build_into(con, spec, spec.table, parameters_for(name, defs) | overrides)
    else:
        run_sql(con, spec.sql_name, **(parameters_for(name, defs) | overrides))
    _check_columns(con, spec)
    rows = None
    if spec.materialized == "table":
        rows = int(con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0])
    return BuildResult(name, spec.table, rows, time.perf_counter() - start)


def _build_into(con: duckdb.DuckDBPyConnection, spec: ModelSpec, target: str, params: dict[str, Any]) -> None:
    """The model's one statement into `target` (its table, or the temporary table `_deel`).

    A model with `per_jaar` runs once per year of modellen.perioden with $jaar (and that year's
    first and last month, $eerste_maand and $laatste_maand): the first run creates `target`,
    the others insert into it. Others (and a model without periods) run once.
    """
    header = f"CREATE OR REPLACE TABLE {spec.table} AS"
    (statement,) = statements(spec.sql_name)
    if header not in statement:
        raise ValueError(f"{spec.sql_name}.sql does not hold {header}")
    create = header if target == spec.table else f"CREATE OR REPLACE TEMP TABLE {target} AS"
    years = run_sql(con, "meta/jaren", fetch=True) if spec.per_jaar else []
    # No periods at all: one run for a year without periods creates the table, empty.
    for i, (year, first, last) in enumerate(years or [(0, None, None)]):
        sql = statement.replace(header, create if i == 0 else f"INSERT INTO {target}", 1)
        values = params | {"jaar": year, "eerste_maand": first, "laatste_maand": last}
        con.execute(sql, {k: v for k, v in values.items() if f"${k}" in sql})


def build_slices(con: duckdb.DuckDBPyConnection, name: str, bronnen: list[str], defs: Definitions) -> BuildResult:
    """Rebuild the rows of `bronnen` of a model with `partitie: bron`; its other rows stay.

    The model's SQL builds the chosen bronnen's rows into a temporary table, which then replaces
    their rows in the model's table, in one transaction.
    """
    spec = catalog()[name]
    start = time.perf_counter()
    if not bronnen:  # what the model reads changed, but no bron's share of it
        rows = int(con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0])
        return BuildResult(name, spec.table, rows, time.perf_counter() - start)
    params = parameters_for(name, defs) | {"bronnen": sorted(bronnen)}
    con.execute("SET enable_progress_bar = false")
    con.execute("BEGIN TRANSACTION")
    try:
        _build_into(con, spec, "_deel", params)
        run_sql(con, "meta/vervang_deel", format_args={"tabel": spec.table}, bronnen=sorted(bronnen))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    _check_columns(con, spec)
    rows = int(con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0])
    return BuildResult(name, spec.table, rows, time.perf_counter() - start)


def build_all(
    con: duckdb.DuckDBPyConnection, defs: Definitions | None = None, names: Iterable[str] | None = None
) -> list[BuildResult]:
    """Build every model (or the given ones) in dependency order: building blocks, then marts."""
    defs = defs or current_definitions()
    wanted = set(names) if names is not None else None
    return [build_model(con, name, defs) for name in catalog() if wanted is None or name in wanted]


@dataclass(frozen=True)
class StagingResult:
    bron: str
    rows: int
    # (organisatie_code, peildatum, levering_id, sha256, parquet path) of the deliveries in force.
    in_force: list[tuple]
    unchanged: bool
    fingerprint: str = ""


def _staging_fingerprint(versie: str, sleutel: str, current: list[tuple]) -> str:
    """What a staging table is made of: the deliveries in force (id and sha256), the definitions
    version, the record key and the staging SQL. Equal fingerprints give an equal table."""
    parts = [
        versie,
        load_sql("staging/bron"),
        sleutel,
        *(f"{levering_id}@{sha256}" for _, _, levering_id, sha256, _ in current),
    ]
    return sha256_text("\n".join(parts))


def staging_up_to_date(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str) -> bool:
    """Whether staging.<bron> was built from the deliveries in force now (what build_staging would leave)."""
    ensure_schema(con)
    fingerprint = _staging_fingerprint(defs.versie, record_key_sql(defs, bron), current_deliveries(con, defs, bron))
    [(built_with, exists)] = run_sql(con, "meta/staging_vingerafdruk", fetch=True, bron=bron)
    return bool(exists and built_with == fingerprint)


def build_staging(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str) -> StagingResult:
    """staging.<bron>: the records of every organisation's accepted delivery in force.

    A table whose deliveries in force, definitions version and SQL are those it was built from
    (meta.staging_inhoud) is left as it is: rebuilding it would give the same rows.
    """
    ensure_schema(con)
    current = current_deliveries(con, defs, bron)
    sleutel = record_key_sql(defs, bron)
    fingerprint = _staging_fingerprint(defs.versie, sleutel, current)
    [(built_with, exists)] = run_sql(con, "meta/staging_vingerafdruk", fetch=True, bron=bron)
    unchanged = bool(exists and built_with == fingerprint)
    # Table, fingerprint and region history in one transaction: a crash leaves none half-written.
    con.execute("BEGIN TRANSACTION")
    if not unchanged:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        if current:
            run_sql(
                con,
                "staging/bron",
                format_args={"bron": bron, "sleutel": sleutel},
                bestanden=[row[4] for row in current],
            )
        else:
            replace_table(con, "staging", bron, empty_table(defs, bron))
            con.execute(f"ALTER TABLE staging.{bron} ADD COLUMN record_sleutel VARCHAR")
            con.execute(f"ALTER TABLE staging.{bron} ADD COLUMN celsleutel BIGINT")
        run_sql(con, "meta/registreer_staging", bron=bron, vingerafdruk=fingerprint, gebouwd_op=datetime.now(UTC))
    # Also when staging is unchanged: a late delivery for an older peildatum is not in force,
    # but it does tell the municipalities of its months.
    if has_history(defs, bron):
        update_history(con, defs, bron)
    con.execute("COMMIT")
    rows = con.execute(f"SELECT count(*) FROM staging.{bron}").fetchall()[0][0]
    return StagingResult(bron, rows, current, unchanged, fingerprint)


def load_reference(con: duckdb.DuckDBPyConnection, defs: Definitions, name: str) -> int:
    """referentie.<name> from the definitions (sources/definitions/reference.py); returns its rows."""
    build, _description = reference.TABLES[name]
    return replace_table(con, "referentie", name, build(defs))
