"""Reports: the region reports and the board overview as two Dagster assets (group "reports").

`reports/regio` writes `<data dir>/reports/regio/<code>.html` from the region exports only;
`reports/bestuur` writes `<data dir>/reports/bestuur.html` from the exports, the delivery
monitor, the delivery registry (links into the Data Docs) and the latest outcome of every
mart check (meta.controles). Both are downstream of `exports`, so the main job and the monthly
schedule rebuild them. The rendering is in reports/.
"""

import dagster as dg

from pipelines.deliveries import data_docs
from pipelines.resources import DUCKDB_POOL, Warehouse
from reports.build import write_board, write_region_reports
from sources.definitions import current_definitions

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
    path = write_board(warehouse.root, current_definitions())
    context.log.info(f"board overview: {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})


def report_assets() -> list[dg.AssetsDefinition]:
    """The region reports and the board overview."""
    return [region_reports, board_report]
