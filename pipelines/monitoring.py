"""Monitoring: the delivery monitor (mart `aanlevering`), its freshness check, and the monthly schedule.

The mart is `marts/aanlevering.sql` with `marts/aanlevering.yml` (a `monitoring: true` model,
kept out of the figures' catalog): for every organisation, bron and expected month, whether
the delivery came on time, late, only quarantined, or not at all. It is asset
`marts/aanlevering` in group "marts", downstream of the deliveries (`levering`), so the
governance board sees it in Dagster next to the figures. Its checks: the generic ones of
marts/checks.py (unique key, severity ERROR) and `versheid`, which warns (severity WARN, it
never fails a run) about every organisation and bron whose next delivery is overdue.

The schedule runs the full job (everything but the deliveries themselves, which the inbox
sensor runs as they arrive) monthly, at `planning.cron` in `planning.tijdzone` of
definitions/instellingen.yaml.

Wire into pipelines/definitions.py:
    assets=[..., *monitoring_assets()], asset_checks=[..., *monitoring_checks()],
    jobs=[..., *monitoring_jobs()], schedules=schedules()
and into pipelines/run.py: `*monitoring_assets()` in `downstream`, `*monitoring_checks()` beside
`*mart_asset_checks()`, and count only ERROR-severity evaluations as failed checks (`versheid`
is a WARN: a late partner is news for the board, not a failed run).
"""

import os
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from marts.catalog import ModelSpec, monitoring_models
from marts.checks import checks_for, run_check
from marts.runner import SchemaMismatch
from marts.sql import run_sql
from pipelines.deliveries import levering
from pipelines.marts import GROUP, table_key
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import Definitions, current_definitions
from sources.intake import ensure_schema

AANLEVERING = "aanlevering"
VANDAAG_ENV = "KETENMONITOR_VANDAAG"
CHECK_VERSHEID = "versheid"
FULL_JOB = "ketenmonitor_job"
MAX_LATE_IN_METADATA = 100


def vandaag(defs: Definitions) -> date:
    """The date the delivery monitor judges on: $KETENMONITOR_VANDAAG (tests, re-judging a past day) or today.

    Today is taken in the planning's time zone, so a run at 00:30 in Amsterdam judges on the Dutch date.
    """
    override = os.environ.get(VANDAAG_ENV)
    if override:
        try:
            return date.fromisoformat(override)
        except ValueError:
            raise ValueError(f"{VANDAAG_ENV}={override!r} is not a date (YYYY-MM-DD)") from None
    return datetime.now(ZoneInfo(defs.instellingen.planning.tijdzone)).date()


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


def aanlevering_spec() -> ModelSpec:
    return monitoring_models()[AANLEVERING]


def build_aanlevering(
    con: duckdb.DuckDBPyConnection, defs: Definitions | None = None, today: date | None = None
) -> int:
    """(Re)build marts.aanlevering (needs referentie.organisaties and modellen.instellingen); returns its rows."""
    defs = defs or current_definitions()
    spec = aanlevering_spec()
    con.execute("SET enable_progress_bar = false")
    # The registry exists once any delivery was processed; an empty one means "everything missing".
    ensure_schema(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {spec.schema}")
    run_sql(con, spec.name, **aanlevering_parameters(defs, today))
    actual = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {spec.table}").fetchall()]
    expected = [(c.name, c.type) for c in spec.columns]
    if actual != expected:
        raise SchemaMismatch(f"{spec.table}: columns {actual} differ from {spec.name}.yml {expected}")
    return int(con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0])


def late_deliveries(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every organisation and bron the freshness check warns about (from marts.aanlevering)."""
    cursor = con.execute(
        "SELECT DISTINCT organisatie_code, bron, laatste_geaccepteerde_peildatum, vandaag "
        "FROM marts.aanlevering WHERE verouderd ORDER BY organisatie_code, bron"
    )
    return [
        {
            "organisatie_code": org,
            "bron": bron,
            "laatste_geaccepteerde_peildatum": str(latest) if latest else None,
            "vandaag": str(today),
        }
        for org, bron, latest, today in cursor.fetchall()
    ]


def _description(spec: ModelSpec) -> str:
    return f"{spec.table}: {' '.join(spec.description.split())} Grain: {spec.grain}."


def _aanlevering_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    # The registry meta.leveringen is written by the deliveries' asset `levering`.
    deps = [levering, *(table_key(dep) for dep in spec.depends_on)]

    @dg.asset(
        name=spec.name,
        key_prefix=spec.schema,
        group_name=GROUP,
        deps=deps,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "sql"},
        description=_description(spec),
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name=c.name, type=c.type, description=c.description) for c in spec.columns]
            ),
            "sql": f"marts/{spec.name}.sql",
            "grain": spec.grain,
            "key": ", ".join(spec.key),
        },
        automation_condition=dg.AutomationCondition.eager(),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        defs = current_definitions()
        start = time.perf_counter()
        with warehouse.connect() as con:
            rows = build_aanlevering(con, defs)
            per_status = dict(
                con.execute(f"SELECT status, count(*) FROM {spec.table} GROUP BY status ORDER BY status").fetchall()
            )
        seconds = time.perf_counter() - start
        context.log.info(f"{spec.table}: {rows} rows in {seconds:.2f} s ({per_status})")
        return dg.MaterializeResult(
            metadata={
                "table": spec.table,
                "rows": rows,
                "dagster/row_count": rows,
                "seconds": round(seconds, 3),
                "status": dg.MetadataValue.json(per_status),
            }
        )

    return _asset


def _aanlevering_checks(spec: ModelSpec) -> dg.AssetChecksDefinition:
    generic = checks_for(spec)
    key = table_key(spec.table)
    versheid = dg.AssetCheckSpec(
        CHECK_VERSHEID,
        asset=key,
        description=(
            "Warns about every organisation and bron whose next delivery after its latest accepted one is more "
            "than aanlevering.signaal_na_dagen past that month's end (definitions/instellingen.yaml)."
        ),
        blocking=False,
    )

    @dg.multi_asset_check(
        name=f"{spec.name}_controles",
        specs=[
            *(dg.AssetCheckSpec(c.name, asset=key, description=c.description, blocking=False) for c in generic),
            versheid,
        ],
        pool=DUCKDB_POOL,
    )
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
        with warehouse.connect() as con:
            outcomes = [(c, run_check(con, spec, c.name)) for c in generic]
            late = late_deliveries(con)
        for check, outcome in outcomes:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=check.name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=check.description,
                metadata={"failing_rows": outcome.failures, "examples": dg.MetadataValue.json(outcome.examples)},
            )
        if late:
            context.log.warning(
                "Deliveries overdue: " + ", ".join(f"{r['organisatie_code']}/{r['bron']}" for r in late)
            )
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=CHECK_VERSHEID,
            passed=not late,
            severity=dg.AssetCheckSeverity.WARN,
            description=versheid.description,
            metadata={
                "aantal_verouderd": len(late),
                "organisaties": ", ".join(sorted({r["organisatie_code"] for r in late})),
                "verouderd": dg.MetadataValue.json(late[:MAX_LATE_IN_METADATA]),
            },
        )

    return _checks


def monitoring_assets() -> list[dg.AssetsDefinition]:
    """Asset marts/aanlevering (group "marts")."""
    return [_aanlevering_asset(aanlevering_spec())]


def monitoring_checks() -> list[dg.AssetChecksDefinition]:
    """Its checks: unique key (ERROR) and `versheid` (WARN: a warning in Dagster, never a failed run)."""
    return [_aanlevering_checks(aanlevering_spec())]


# Everything downstream of the deliveries and the reference data it needs: the deliveries
# themselves are partitions the inbox sensor runs as they arrive.
full_job = dg.define_asset_job(
    FULL_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(levering),
    description="Reference data, staging, Data Docs, the marts and everything after them (not the deliveries).",
)


def monitoring_jobs() -> list:
    return [full_job]


def schedules(defs: Definitions | None = None) -> list[dg.ScheduleDefinition]:
    """The monthly schedule of the full job, at planning.cron in planning.tijdzone (definitions/instellingen.yaml)."""
    planning = (defs or current_definitions()).instellingen.planning
    return [
        dg.ScheduleDefinition(
            name="maandelijks",
            job=full_job,
            cron_schedule=planning.cron,
            execution_timezone=planning.tijdzone,
            description=(
                f"Rebuilds everything downstream of the deliveries at '{planning.cron}' ({planning.tijdzone}), "
                "after the delivery term of the previous month (planning in definitions/instellingen.yaml)."
            ),
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
    ]
