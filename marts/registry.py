"""The delivery registry in schema `meta` of the warehouse: what was processed, its verdict, what is in force.

Written by intake (marts/intake.py) and staging; read by the runner, the exports and the
reports. Its tables are created once (marts/meta/schema.sql) and never dropped by a run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb

from expectations.rules import RuleResult
from marts.sql import run_sql
from sources.definitions import Definitions


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    run_sql(con, "meta/schema")
    run_sql(con, "historie/schema")
    # Issue 16: the key checks' measurements, the purge registry and the frozen region history.
    run_sql(con, "meta/schema_bewaking")
    run_sql(con, "meta/schema_opschonen")
    run_sql(con, "historie/basis_schema")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    [(exists,)] = run_sql(con, "meta/tabel_bestaat", fetch=True, schema=schema, tabel=table)
    return bool(exists)


def earlier_processing(con: duckdb.DuckDBPyConnection, key: dict) -> tuple | None:
    """(status, rows, GX run id, Data Docs page, typed copy, ...) of this file version under these definitions."""
    rows = run_sql(con, "meta/vorige_verwerking", fetch=True, **key)
    return rows[0] if rows else None


def stored_results(con: duckdb.DuckDBPyConnection, key: dict) -> list[RuleResult]:
    """The rule results stored for one processed file version."""
    rows = run_sql(con, "meta/regelresultaten_van", fetch=True, **key)
    return [
        RuleResult(
            code=r[0],
            ernst=r[1],
            controle=r[2],
            kolom=r[3],
            aantal=r[4],
            rijen=list(r[5] or []),
            melding_nl=r[6],
            melding_en=r[7],
        )
        for r in rows
    ]


def previous_row_count(con: duckdb.DuckDBPyConnection, organisatie_code: str, bron: str, peildatum: date) -> int | None:
    """The row count of the organisation's accepted delivery of the bron before this peildatum."""
    rows = run_sql(
        con, "meta/vorige_aantal_rijen", fetch=True, organisatie_code=organisatie_code, bron=bron, peildatum=peildatum
    )
    return rows[0][0] if rows else None


def processed_versions(con: duckdb.DuckDBPyConnection, defs: Definitions) -> dict[tuple[str, str], tuple[str, str]]:
    """(levering_id, sha256) -> (status, rule codes) for every version processed under these definitions."""
    ensure_schema(con)
    rows = run_sql(con, "meta/verwerkte_versies", fetch=True, definities_versie=defs.versie)
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def inbox_state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """levering_id -> sha256 of the version last seen in the inbox under that name (meta.inbox_versies)."""
    ensure_schema(con)
    return dict(run_sql(con, "meta/inbox_laatst_gezien", fetch=True))


def record_inbox(con: duckdb.DuckDBPyConnection, versions: dict[str, str], now: datetime | None = None) -> None:
    """Record what the inbox holds now (levering_id -> sha256): a row for every name whose version changed.

    The order of `versions` is the order of arrival among names that change at once. The same
    versions again record nothing, so a rerun on the same inbox leaves meta.inbox_versies as it was.
    """
    ensure_schema(con)
    if versions:
        run_sql(
            con,
            "meta/registreer_inbox",
            levering_ids=list(versions),
            sha256s=list(versions.values()),
            sinds=now or datetime.now(),
        )


def accepted_deliveries(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str) -> list[tuple]:
    """(organisatie_code, peildatum, levering_id, sha256, parquet path) of every accepted delivery of
    `bron`, one per organisation and peildatum, ordered by organisation and peildatum."""
    return run_sql(con, "meta/geaccepteerde_leveringen", fetch=True, bron=bron, definities_versie=defs.versie)


def current_deliveries(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str) -> list[tuple]:
    """The deliveries in force: per organisation its accepted delivery with the latest peildatum.

    Needs the registry (`ensure_schema`); the caller may hold a read-only connection.
    """
    latest = {row[0]: row for row in accepted_deliveries(con, defs, bron)}
    return [latest[org] for org in sorted(latest)]


def record_check(
    con: duckdb.DuckDBPyConnection, table: str, check: str, severity: str, passed: bool, failures: int
) -> None:
    """Keep the latest outcome of one mart check in meta.controles (the board reads it)."""
    ensure_schema(con)
    run_sql(
        con,
        "meta/registreer_controle",
        tabel=table,
        controle=check,
        ernst=severity,
        geslaagd=passed,
        bevindingen=failures,
        sinds=datetime.now(UTC).replace(tzinfo=None),
    )


def failing_checks(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(table, check) of every mart check whose latest outcome failed."""
    ensure_schema(con)
    return set(run_sql(con, "meta/falende_controles", fetch=True))
