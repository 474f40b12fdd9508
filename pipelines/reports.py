"""Reports layer: the region reports and the board overview as two Dagster assets (group "reports").

`reports/regio` writes `<data dir>/reports/regio/<code>.html` from the region exports only;
`reports/bestuur` writes `<data dir>/reports/bestuur.html` from the exports, the delivery
monitor, the delivery registry (links into the Data Docs) and the latest evaluation of every
mart and monitoring check. Both are downstream of `exports`, so the main job and the monthly
schedule rebuild them. The rendering is in sources/reports/.
"""

import dagster as dg
from dagster._core.storage.asset_check_execution_record import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES

from pipelines.deliveries import data_docs
from pipelines.marts import mart_asset_checks
from pipelines.monitoring import monitoring_checks
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import current_definitions
from sources.reports.build import write_board, write_region_reports

GROUP = "reports"
EXPORTS = dg.AssetKey("exports")


@dg.asset(
    key=["reports", "regio"],
    group_name=GROUP,
    deps=[EXPORTS],
    # It only reads export files, but it takes the data dir from the warehouse resource, and every
    # asset with that resource is in the pool: the rule stays simple to check.
    pool=DUCKDB_POOL,
    kinds={"html"},
    description=(
        "One self-contained HTML report per jeugdregio (<data dir>/reports/regio/<code>.html), made from that "
        "region's export only: headline tiles, the three norms per GI, inflow, outflow, stock, the waiting list, "
        "lead times along the chain, caseload, what changed, and which deliveries were missing or quarantined."
    ),
    automation_condition=dg.AutomationCondition.eager(),
)
def region_reports(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    summary = write_region_reports(warehouse.root, current_definitions())
    context.log.info(f"region reports: {len(summary.paths)} written, {len(summary.removed)} removed")
    return dg.MaterializeResult(
        metadata={
            "reports": len(summary.paths),
            "path": dg.MetadataValue.path(str(summary.paths[0].parent) if summary.paths else ""),
            "regions": ", ".join(p.stem for p in summary.paths),
            "removed": ", ".join(p.stem for p in summary.removed),
        }
    )


def check_warnings(instance: dg.DagsterInstance) -> list[str]:
    """Every mart or monitoring check whose latest completed evaluation failed, as a sentence."""
    keys = [key for checks in (*mart_asset_checks(), *monitoring_checks()) for key in checks.check_keys]
    storage = instance.event_log_storage
    latest = storage.get_latest_asset_check_execution_by_key(keys)
    out = []
    for key in keys:
        record = latest.get(key)
        if record is not None and record.status not in COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES:
            # Planned in a run still going (this one): its previous completed evaluation counts.
            history = storage.get_asset_check_execution_history(key, limit=5)
            record = next((r for r in history if r.status in COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES), None)
        if record is None or record.event is None or record.event.dagster_event is None:
            continue
        evaluation = record.event.dagster_event.event_specific_data
        if getattr(evaluation, "passed", True):
            continue
        level = "fout" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "waarschuwing"
        out.append(f"{key.asset_key.to_user_string()}: controle {key.name} niet geslaagd ({level}).")
    return out


@dg.asset(
    key=["reports", "bestuur"],
    group_name=GROUP,
    deps=[EXPORTS, dg.AssetKey(["marts", "aanlevering"]), data_docs],
    pool=DUCKDB_POOL,
    kinds={"html"},
    description=(
        "The board overview <data dir>/reports/bestuur.html: all regions side by side on the norms, the delivery "
        "status per organisation and month, the validation result of every delivery with a link into the Data "
        "Docs, and the warnings of the latest checks and of the deliveries in force."
    ),
    automation_condition=dg.AutomationCondition.eager(),
)
def board_report(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    warnings = check_warnings(context.instance)
    path = write_board(warehouse.root, warnings, current_definitions())
    context.log.info(f"board overview: {path} ({len(warnings)} check warnings)")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "check_warnings": len(warnings)})


def report_assets() -> list[dg.AssetsDefinition]:
    """The region reports and the board overview."""
    return [region_reports, board_report]
