"""The marts step: every SQL model of `marts/` and every mart check, in one step.

Every model with a `.sql` and `.yml` in `marts/` is one asset: the shared building blocks
under key prefix `modellen`, the marts (the delivery monitor `aanlevering` among them) under
`marts`, all in group "marts". Dependencies and descriptions come from the `.yml`. The step
rebuilds only the models whose fingerprint changed (marts/incremental.py: their SQL, the
definitions, or what they read), in dependency order, and runs the checks of the marts it
rebuilt (or whose checked tables it rebuilt). Every asset is reported in every run, with the
fingerprint as its data version and `rebuilt` in its metadata, so an unchanged table shows as
unchanged in the Dagster UI. A failing blocking check (key, roll-up, stock-flow: see
marts/checks.py) fails the step after all results are reported, which stops the region exports.
"""

import time
from collections.abc import Iterator

import dagster as dg
import duckdb

from marts import incremental
from marts.catalog import ModelSpec, catalog
from marts.checks import (
    CHECK_KINDS,
    CheckOutcome,
    CheckSpec,
    blocking_failed,
    checked_models,
    checked_rows,
    checks_for,
    run_check,
)
from marts.registry import record_check
from marts.runner import build_model, build_slices
from pipelines.deliveries import LEVERINGEN
from pipelines.progress import Progress
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import current_definitions

GROUP = "marts"
AANLEVERING = dg.AssetKey(["marts", "aanlevering"])


def table_key(table: str) -> dg.AssetKey:
    """The asset key of a warehouse table: `staging.gi_maatregelen` -> staging/gi_maatregelen.

    The registry (`meta.*`) is written by the deliveries: its key is that of `leveringen`.
    """
    schema, name = table.split(".")
    return LEVERINGEN if schema == "meta" else dg.AssetKey([schema, name])


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


def _check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            check.name,
            asset=table_key(spec.table),
            description=check.description,
            additional_deps=[table_key(t) for t in check.kind.reads],
            # Not Dagster's `blocking`: that makes every check's result required in every run, also of
            # a mart that was not rebuilt. The step itself fails after a failing blocking check.
        )
        for spec in checked_models()
        for check in checks_for(spec)
    ]


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


def run_mart_checks(
    con: duckdb.DuckDBPyConnection,
    rebuilt: set[str],
    context: dg.AssetExecutionContext | None = None,
    slices: dict[str, list[str]] | None = None,
) -> Iterator[dg.AssetCheckResult]:
    """The checks of every mart that was rebuilt, or one of whose checked tables was, and every blocking
    check that failed last time; recorded in meta.controles. `slices`: table -> the bronnen whose
    rows alone were rebuilt (`partitie: bron`); its checks then read only those rows."""
    failed_before = blocking_failed(con)
    for spec in checked_models():
        due = []
        for check in checks_for(spec):
            # A blocking check that failed keeps blocking until it passes; a warning's outcome stands.
            again = (spec.table, check.name) in failed_before
            if spec.table not in rebuilt and not rebuilt & set(check.kind.reads) and not again:
                continue  # its last outcome, in meta.controles, still holds
            if context is not None and (
                dg.AssetCheckKey(table_key(spec.table), check.name) not in context.selected_asset_check_keys
            ):
                continue
            # Only the rebuilt rows when nothing else could have changed a finding.
            whole = again or spec.table not in rebuilt or bool(rebuilt & set(check.kind.reads))
            due.append((check, whole))
        if not due:
            continue
        bronnen = (slices or {}).get(spec.table)
        groups = (
            [(None, [c for c, _ in due])]
            if bronnen is None
            else [(bronnen, [c for c, whole in due if not whole]), (None, [c for c, whole in due if whole])]
        )
        for rows_of, checks in groups:
            if not checks:
                continue
            with checked_rows(con, spec, rows_of) as rows:
                for check in checks:
                    outcome = run_check(con, spec, check.name, rows)
                    record_check(con, spec.table, check.name, check.kind.severity, outcome.passed, outcome.failures)
                    if not outcome.passed and check.kind.severity == "WARN" and context is not None:
                        context.log.warning(f"{spec.table}: {check.name}: {outcome.failures} finding(s)")
                    yield _result(table_key(spec.table), check, outcome)


class MartsConfig(dg.Config):
    """Run config of the marts step (the Dagster UI's launchpad)."""

    # Check every mart again, also those not rebuilt (after a table was changed by hand, say).
    alle_controles: bool = False


@dg.multi_asset(
    name="marts",
    specs=[
        dg.AssetSpec(
            key=table_key(spec.table),
            deps=[table_key(dep) for dep in spec.depends_on],
            description=_description(spec),
            group_name=GROUP,
            metadata=_definition_metadata(spec),
            kinds={"duckdb", "sql"},
        )
        for spec in catalog().values()
    ],
    check_specs=_check_specs(),
    # Also makes the check results optional: a mart that was not rebuilt is not checked again.
    can_subset=True,
    pool=DUCKDB_POOL,
)
def mart_models(
    context: dg.AssetExecutionContext,
    config: MartsConfig,
    warehouse: Warehouse,
    progress: dg.ResourceParam[Progress],
) -> Iterator:
    started = time.monotonic()
    defs = current_definitions()
    specs = catalog()
    results, checks, seconds, rows = [], [], {}, {}
    partial: dict[str, list[str]] = {}  # models with `partitie: bron` of which only some bronnen were rebuilt
    with warehouse.connect() as con:
        stale, fingerprints = incremental.stale(con, defs)
        # A subset (the UI, a test) builds only what was selected; what it reads must be there.
        selected = {name for name, spec in specs.items() if table_key(spec.table) in context.selected_asset_keys}
        stale = [name for name in stale if name in selected]
        for name in stale:
            spec = specs[name]
            slices, slice_fps = (None, {})
            if spec.partitie:
                slices, slice_fps = incremental.stale_slices(con, defs, name, fingerprints)
            incremental.forget(con, spec.table)
            if slices is None:
                built = build_model(con, name, defs)
            else:
                built = build_slices(con, name, slices, defs)
                partial[name] = slices
            for bron, fp in slice_fps.items():
                incremental.remember(con, incremental.slice_key(spec.table, bron), fp)
            incremental.remember(con, spec.table, fingerprints[name])
            seconds[name] = built.seconds
            if built.rows is not None:
                rows[name] = built.rows
        rebuilt = {specs[name].table for name in stale}
        checked = {specs[name].table for name in selected} if config.alle_controles else rebuilt
        for name, spec in specs.items():
            if name not in selected:
                continue
            metadata: dict = {"table": spec.table, "rebuilt": name in seconds}
            if name in seconds:
                metadata["seconds"] = round(seconds[name], 3)
            if name in partial:
                metadata["bronnen_rebuilt"] = ", ".join(partial[name]) or "-"
            if name in rows:
                metadata["rows"] = rows[name]
                metadata["dagster/row_count"] = rows[name]
            results.append(
                dg.MaterializeResult(
                    asset_key=table_key(spec.table),
                    metadata=metadata,
                    data_version=dg.DataVersion(fingerprints[name][:16]),
                )
            )
        checks = list(run_mart_checks(con, checked, context, slices=partial))
    yield from results
    yield from checks
    blocking = [
        f"{r.asset_key.to_user_string()}: {r.check_name}"
        for r in checks
        if not r.passed and CHECK_KINDS[r.check_name].blocking
    ]
    if blocking:
        # Complementary suppression relies on TOTAAL = the sum of its parts, and a duplicate key
        # counts a figure twice: no export is made from such a table.
        raise dg.Failure(
            description="blocking mart check(s) failed, the region exports are not made: " + ", ".join(blocking)
        )
    slowest = sorted(seconds.items(), key=lambda kv: -kv[1])[:3]
    detail = f"{len(stale)} of {len(specs)} models rebuilt, {len(checks)} checks run"
    if slowest:
        detail += " (slowest: " + ", ".join(f"{n} {s:.1f} s" for n, s in slowest) + ")"
    progress.step("marts", started, detail)


def mart_assets() -> list[dg.AssetsDefinition]:
    """The one asset definition of every model and mart check."""
    return [mart_models]
