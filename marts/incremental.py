"""Incremental builds: a model is rebuilt only when what it is made of changed.

Every model (`modellen.*`, `marts.*`) gets a fingerprint: its SQL file and `.yml`, its SQL
parameters (the delivery monitor's "today" among them), the definitions folder's contents and
the fingerprints of everything it reads, in dependency order. What it reads from outside the
models is fingerprinted by what it holds:

- `staging.<bron>`: the fingerprint the staging step recorded (the deliveries in force, the
  definitions version, the staging SQL; marts/runner.py `build_staging`);
- `referentie.<table>`: the definitions folder (the reference tables are loaded from it);
- `historie.gemeenten` and `meta.*`: their contents (a checksum over every row).

A model whose fingerprint equals the one recorded in `meta.model_inhoud` after its last build
(and whose table or view is there) is left alone: the same inputs give the same table, so an
incremental build equals a full one. A changed SQL file, `.yml` or definitions file changes
the fingerprint of that model and of everything downstream of it, which forces their rebuild.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb

from marts.catalog import ModelSpec, catalog
from marts.registry import ensure_schema
from marts.runner import parameters_for
from marts.sql import load_sql, run_sql
from sources.archive import sha256_of, sha256_text
from sources.definitions import Definitions

MARTS_DIR = Path(__file__).parent


@cache
def _definitions_fingerprint(root: Path, stamp: tuple) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sha256_text("\n".join(f"{p.relative_to(root).as_posix()}:{sha256_of(p)}" for p in files))


def definitions_fingerprint(defs: Definitions) -> str:
    """A fingerprint of every file in the definitions folder (cached per set of modification times)."""
    root = Path(defs.root).resolve()
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()))
    return _definitions_fingerprint(root, stamp)


def content_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A checksum over every row of a table (absent: "absent")."""
    schema, name = table.split(".")
    [(exists,)] = run_sql(con, "meta/tabel_bestaat", fetch=True, schema=schema, tabel=name)
    if not exists:
        return "absent"
    [(rows, checksum)] = run_sql(con, "meta/inhoud_checksum", fetch=True, format_args={"tabel": table})
    return f"{rows}:{checksum}"


def _source_fingerprints(con: duckdb.DuckDBPyConnection, defs: Definitions, tables: set[str]) -> dict[str, str]:
    staging = dict(con.execute("SELECT 'staging.' || bron, vingerafdruk FROM meta.staging_inhoud").fetchall())
    reference = definitions_fingerprint(defs)
    out = {}
    for table in sorted(tables):
        schema = table.split(".")[0]
        if schema == "staging":
            # Never recorded (a warehouse from before fingerprints): its contents then.
            out[table] = staging.get(table) or content_fingerprint(con, table)
        elif schema == "referentie":
            out[table] = reference
        else:
            out[table] = content_fingerprint(con, table)
    return out


def _model_text(spec: ModelSpec) -> str:
    yml = MARTS_DIR / f"{spec.sql_name}.yml"
    return load_sql(spec.sql_name) + "\n" + (yml.read_text(encoding="utf-8") if yml.is_file() else "")


def fingerprints(con: duckdb.DuckDBPyConnection, defs: Definitions) -> dict[str, str]:
    """model name -> the fingerprint of what it would be built from now, for every model."""
    ensure_schema(con)
    specs = catalog()
    models = {spec.table: name for name, spec in specs.items()}
    sources = {dep for spec in specs.values() for dep in spec.depends_on if dep not in models}
    known = _source_fingerprints(con, defs, sources)
    base = definitions_fingerprint(defs)
    out: dict[str, str] = {}
    for name, spec in specs.items():  # catalog() is in dependency order
        parameters = sorted((k, repr(v)) for k, v in parameters_for(name, defs).items())
        parts = [base, _model_text(spec), repr(parameters)]
        parts += [f"{dep}={out[models[dep]] if dep in models else known[dep]}" for dep in spec.depends_on]
        out[name] = sha256_text("\n".join(parts))
    return out


def slice_key(table: str, bron: str) -> str:
    """Where the fingerprint of one bron's rows of a model with `partitie: bron` is recorded."""
    return f"{table}#{bron}"


def slice_fingerprints(
    con: duckdb.DuckDBPyConnection, defs: Definitions, name: str, model_fingerprints: dict[str, str]
) -> dict[str, str]:
    """bron -> the fingerprint of what the rows of that bron of model `name` are made of.

    A staging table counts for its own bron only, a table of `depends_on_per_bron` for the
    bronnen named there only; a model read that has a `bron` column, by the
    checksum of its rows of that bron; another table, by the checksum of its rows; a view, by its
    fingerprint.
    """
    specs = catalog()
    spec = specs[name]
    models = {s.table: n for n, s in specs.items()}
    staging = dict(con.execute("SELECT 'staging.' || bron, vingerafdruk FROM meta.staging_inhoud").fetchall())
    parameters = sorted((k, repr(v)) for k, v in parameters_for(name, defs).items() if k != "bronnen")
    out = {}
    for bron in sorted(defs.bronnen):
        parts = [definitions_fingerprint(defs), _model_text(spec), repr(parameters), bron]
        for dep in spec.depends_on:
            schema, table = dep.split(".")
            if bron not in spec.depends_on_per_bron.get(dep, [bron]):
                continue  # this bron's rows do not read it
            if schema == "staging":
                if table == bron:
                    parts.append(f"{dep}={staging.get(dep) or content_fingerprint(con, dep)}")
            elif dep in models and "bron" in specs[models[dep]].column_names:
                [(rows, checksum)] = run_sql(
                    con, "meta/inhoud_checksum_bron", fetch=True, format_args={"tabel": dep}, bron=bron
                )
                parts.append(f"{dep}[{bron}]={rows}:{checksum}")
            elif dep in models and specs[models[dep]].materialized == "table":
                # Its contents, not how it was made: a GI's new month changes the fingerprint of
                # modellen.regio_per_maand, but not its rows when the months were there already.
                parts.append(f"{dep}={content_fingerprint(con, dep)}")
            else:
                parts.append(f"{dep}={model_fingerprints[models[dep]] if dep in models else 'extern'}")
        out[bron] = sha256_text("\n".join(parts))
    return out


def stale_slices(
    con: duckdb.DuckDBPyConnection, defs: Definitions, name: str, model_fingerprints: dict[str, str]
) -> tuple[list[str] | None, dict[str, str]]:
    """For a stale model with `partitie: bron`: the bronnen whose rows must be rebuilt (None: the
    whole table, as when it was never built by bron), and every bron's fingerprint now."""
    table = catalog()[name].table
    now = slice_fingerprints(con, defs, name, model_fingerprints)
    every = built_all(con)
    if table not in recorded(con) or any(slice_key(table, b) not in every for b in now):
        return None, now
    return [b for b, fp in now.items() if every[slice_key(table, b)] != fp], now


def built_all(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every recorded fingerprint, the slices of partitioned models included."""
    return dict(run_sql(con, "meta/alle_vingerafdrukken", fetch=True))


def recorded(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """table -> the fingerprint it was last built with (only tables and views that are there now).

    Reads only, so a read-only connection will do; no registry yet: nothing recorded.
    """
    [(exists,)] = run_sql(con, "meta/tabel_bestaat", fetch=True, schema="meta", tabel="model_inhoud")
    return dict(run_sql(con, "meta/model_vingerafdrukken", fetch=True)) if exists else {}


def stale(con: duckdb.DuckDBPyConnection, defs: Definitions) -> tuple[list[str], dict[str, str]]:
    """The models to rebuild (in dependency order) and every model's fingerprint now."""
    now = fingerprints(con, defs)  # creates the registry when there is none
    built = recorded(con)
    specs = catalog()
    return [name for name in specs if built.get(specs[name].table) != now[name]], now


def forget(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Before a rebuild: a crash halfway must not leave the old fingerprint on a new table."""
    run_sql(con, "meta/vergeet_model", tabel=table)


def remember(con: duckdb.DuckDBPyConnection, table: str, fingerprint: str) -> None:
    run_sql(con, "meta/registreer_model", tabel=table, vingerafdruk=fingerprint, gebouwd_op=datetime.now(UTC))
