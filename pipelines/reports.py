"""Reports: the region reports and the board overview, in one step (group "reports").

`reports/regio` writes `<data dir>/reports/regio/<code>.html` from the region exports only;
`reports/bestuur` writes `<data dir>/reports/bestuur.html` from the exports, the delivery
monitor, the delivery registry (links into the Data Docs) and the latest outcome of every
mart check (meta.controles). The rendering is in reports/.
"""

import time
from collections.abc import Iterator

import dagster as dg

from pipelines.deliveries import DATA_DOCS
from pipelines.progress import Progress
from pipelines.resources import DUCKDB_POOL, Warehouse
from reports.build import write_board, write_region_reports
from sources.definitions import current_definitions

GROUP = "reports"
EXPORTS = dg.AssetKey("exports")
REGIO = dg.AssetKey(["reports", "regio"])
BESTUUR = dg.AssetKey(["reports", "bestuur"])


@dg.multi_asset(
    name="reports",
    specs=[
        dg.AssetSpec(
            REGIO,
            group_name=GROUP,
            deps=[EXPORTS],
            kinds={"html"},
            description=(
                "One self-contained HTML report per jeugdregio (<data dir>/reports/regio/<code>.html), made from "
                "that region's export only: headline tiles, the three norms per GI, inflow, outflow, stock, the "
                "waiting list, lead times along the chain, caseload, what changed, and which deliveries were "
                "missing or quarantined."
            ),
        ),
        dg.AssetSpec(
            BESTUUR,
            group_name=GROUP,
            deps=[EXPORTS, dg.AssetKey(["marts", "aanlevering"]), DATA_DOCS],
            kinds={"html"},
            description=(
                "The board overview <data dir>/reports/bestuur.html: all regions side by side on the norms, the "
                "delivery status per organisation and month, the validation result of every delivery with a link "
                "into the Data Docs, and the warnings of the latest checks and of the deliveries in force."
            ),
        ),
    ],
    # It only reads export files and the warehouse, but every asset with the warehouse resource
    # is in the pool: the rule stays simple to check.
    pool=DUCKDB_POOL,
)
def reports(
    context: dg.AssetExecutionContext, warehouse: Warehouse, progress: dg.ResourceParam[Progress]
) -> Iterator[dg.MaterializeResult]:
    started = time.monotonic()
    defs = current_definitions()
    summary = write_region_reports(warehouse.root, defs)
    path = write_board(warehouse.root, defs, run_id=context.run_id)
    yield dg.MaterializeResult(
        asset_key=REGIO,
        metadata={
            "reports": len(summary.paths),
            "path": dg.MetadataValue.path(str(summary.paths[0].parent) if summary.paths else ""),
            "regions": ", ".join(p.stem for p in summary.paths),
            "written": ", ".join(p.stem for p in summary.written),
            "unchanged": len(summary.unchanged),
            "removed": ", ".join(p.stem for p in summary.removed),
        },
    )
    yield dg.MaterializeResult(asset_key=BESTUUR, metadata={"path": dg.MetadataValue.path(str(path))})
    progress.step("reports", started, f"{len(summary.written)} of {len(summary.paths)} region reports written, board")


def report_assets() -> list[dg.AssetsDefinition]:
    """The region reports and the board overview (one step)."""
    return [reports]
