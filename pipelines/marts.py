"""Marts: the SQL models of `marts/` as Dagster assets, and the mart checks.

Every model with a `.sql` and `.yml` in `marts/` becomes one asset: the shared building
blocks under key prefix `modellen` (one multi-asset, built in one step in dependency order),
the marts (the delivery monitor `aanlevering` among them) under `marts`, all in group "marts"
and in the DuckDB pool. Dependencies and descriptions come from the `.yml`; a model reading
the registry (`meta.*`) depends on the deliveries. Each mart has one multi-asset check that
runs its checks (marts/checks.py); each check's kind sets its severity and whether it blocks
what comes after (a failing key, roll-up or stock-flow check stops the region exports).
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from marts.catalog import ModelSpec, catalog, marts, other_marts
from marts.checks import CheckOutcome, CheckSpec, checks_for, run_check
from marts.registry import record_check
from marts.runner import build_model
from pipelines.deliveries import levering
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import Definitions, current_definitions

GROUP = "marts"


def table_key(table: str) -> dg.AssetKey:
    """The asset key of a warehouse table: `staging.gi_maatregelen` -> staging/gi_maatregelen.

    The registry (`meta.*`) is written by the deliveries: its key is that of `levering`.
    """
    schema, name = table.split(".")
    return levering.key if schema == "meta" else dg.AssetKey([schema, name])


def _column_schema(spec: ModelSpec) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c.name, type=c.type, description=c.description) for c in spec.columns]
    )


def _description(spec: ModelSpec) -> str:
    return f"{spec.table}: {' '.join(spec.description.split())} Grain: {spec.grain}."


def _definition_metadata(spec: ModelSpec) -> dict:
    return {
        "dagster/column_schema": _column_schema(spec),
        "sql": f"marts/{spec.sql_name}.sql",
        "grain": spec.grain,
        "key": ", ".join(spec.key),
        "materialized": spec.materialized,
    }


def _build(
    context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection, spec: ModelSpec, defs: Definitions
) -> dg.MaterializeResult:
    result = build_model(con, spec.name, defs)
    metadata: dict = {"table": spec.table, "seconds": round(result.seconds, 3)}
    if result.rows is not None:
        metadata["rows"] = result.rows
        metadata["dagster/row_count"] = result.rows
    if "status" in spec.column_names and spec.is_mart:
        # The delivery monitor: how many months per status.
        per_status = dict(con.execute(f"SELECT status, count(*) FROM {spec.table} GROUP BY ALL ORDER BY 1").fetchall())
        metadata["status"] = dg.MetadataValue.json(per_status)
    rows = result.rows if result.rows is not None else "view"
    context.log.info(f"{spec.table}: {rows} in {result.seconds:.2f} s")
    return dg.MaterializeResult(asset_key=table_key(spec.table), metadata=metadata)


def _building_blocks_asset(specs: list[ModelSpec]) -> dg.AssetsDefinition:
    """The shared building blocks: one asset each, built in one step (they take milliseconds, a step does not)."""

    @dg.multi_asset(
        name="modellen",
        specs=[
            dg.AssetSpec(
                key=table_key(spec.table),
                deps=[table_key(dep) for dep in spec.depends_on],
                description=_description(spec),
                group_name=GROUP,
                metadata=_definition_metadata(spec),
                kinds={"duckdb", "sql"},
                automation_condition=dg.AutomationCondition.eager(),
            )
            for spec in specs
        ],
        pool=DUCKDB_POOL,
        can_subset=True,
    )
    def _assets(context: dg.AssetExecutionContext, warehouse: Warehouse) -> Iterator[dg.MaterializeResult]:
        defs = current_definitions()
        selected = context.selected_asset_keys
        with warehouse.connect() as con:
            results = [_build(context, con, spec, defs) for spec in specs if table_key(spec.table) in selected]
        yield from results

    return _assets


def _mart_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.name,
        key_prefix=spec.schema,
        group_name=GROUP,
        deps=[table_key(dep) for dep in spec.depends_on],
        pool=DUCKDB_POOL,
        kinds={"duckdb", "sql"},
        description=_description(spec),
        metadata=_definition_metadata(spec),
        automation_condition=dg.AutomationCondition.eager(),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            return _build(context, con, spec, current_definitions())

    return _asset


def _mart_checks(spec: ModelSpec) -> dg.AssetChecksDefinition:
    checks = checks_for(spec)
    key = table_key(spec.table)

    @dg.multi_asset_check(
        name=f"{spec.name}_controles",
        specs=[
            dg.AssetCheckSpec(
                check.name,
                asset=key,
                description=check.description,
                additional_deps=[table_key(t) for t in check.kind.reads],
                blocking=check.kind.blocking,
            )
            for check in checks
        ],
        pool=DUCKDB_POOL,
    )
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> Iterator[dg.AssetCheckResult]:
        with warehouse.connect() as con:
            outcomes = [(check, run_check(con, spec, check.name)) for check in checks]
            for check, outcome in outcomes:
                record_check(con, spec.table, check.name, check.kind.severity, outcome.passed, outcome.failures)
        for check, outcome in outcomes:
            if not outcome.passed and check.kind.severity == "WARN":
                context.log.warning(f"{spec.table}: {check.name}: {outcome.failures} finding(s)")
            yield _result(key, check, outcome)

    return _checks


def _result(key: dg.AssetKey, check: CheckSpec, outcome: CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=check.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity(check.kind.severity),
        description=check.description,
        metadata={
            "failing_rows": outcome.failures,
            "examples": dg.MetadataValue.json(outcome.examples),
            **{k: (dg.MetadataValue.json(v) if isinstance(v, list) else v) for k, v in outcome.metadata.items()},
        },
    )


def mart_assets() -> list[dg.AssetsDefinition]:
    """The building blocks (assets modellen/<name>, one multi-asset) and one asset per mart (marts/<name>)."""
    blocks = [spec for spec in catalog().values() if not spec.is_mart]
    return [_building_blocks_asset(blocks), *(_mart_asset(spec) for spec in [*marts(), *other_marts()])]


def mart_asset_checks() -> list[dg.AssetChecksDefinition]:
    """One multi-asset check per mart, running every check that applies to it."""
    return [_mart_checks(spec) for spec in [*marts(), *other_marts()]]
