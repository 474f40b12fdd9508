"""Exports: the region exports of docs/contract.md section 5 as one Dagster asset.

Asset `exports` (group "exports") reads every contract mart once the marts are built and
publishes `<data dir>/exports/<jeugdregio_code>/` (exports/regions.py: disclosure control,
parquet by DuckDB COPY, manifest, atomic switch). It runs in the DuckDB pool because it reads
the warehouse; its connection is read-only and closed before any file is written.
"""

import time

import dagster as dg

from exports.regions import export_regions, export_specs
from pipelines.progress import Progress
from pipelines.resources import DUCKDB_POOL, Warehouse

GROUP = "exports"


@dg.asset(
    name="exports",
    group_name=GROUP,
    # marts/aanlevering: the manifests name the region's late, missing and quarantined deliveries.
    deps=[
        *(dg.AssetKey([spec.schema, spec.name]) for spec in export_specs()),
        dg.AssetKey(["marts", "aanlevering"]),
    ],
    pool=DUCKDB_POOL,
    kinds={"duckdb", "parquet"},
    description=(
        "Region exports <data dir>/exports/<jeugdregio_code>/: one parquet file per mart with only that "
        "region's rows (caseload and personeel: the organisations active in the region), small numbers "
        "suppressed, plus manifest.json (with the delivery monitor's news about the region's organisations); "
        "published by an atomic symlink swap, only for the regions whose export changed."
    ),
)
def exports(
    context: dg.AssetExecutionContext, warehouse: Warehouse, progress: dg.ResourceParam[Progress]
) -> dg.MaterializeResult:
    started = time.monotonic()
    summary = export_regions(warehouse.root, run_id=context.run.run_id)
    if summary.skipped:
        detail = f"nothing changed, {len(summary.regions)} regions kept"
    else:
        detail = f"{len(summary.changed)} of {len(summary.regions)} regions written ({summary.files_written} files)" + (
            f", {len(summary.removed)} removed" if summary.removed else ""
        )
    progress.step("exports", started, detail)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path)),
            "version": summary.version,
            "regions": len(summary.regions),
            "region_codes": ", ".join(summary.regions),
            "files": summary.files,
            "rows": summary.rows,
            "rows_suppressed": summary.suppressed_rows,
            "cells_suppressed_primary": summary.primary_cells,
            "cells_suppressed_complementary": summary.complementary_cells,
            "derived_suppressed": summary.derived_cells,
            "skipped": summary.skipped,
            "changed": ", ".join(summary.changed),
            "unchanged": len(summary.unchanged),
            "removed": ", ".join(summary.removed),
            "files_written": summary.files_written,
            "seconds": round(summary.seconds, 3),
        }
    )


def export_assets() -> list[dg.AssetsDefinition]:
    """The region exports asset (key `exports`), downstream of every contract mart."""
    return [exports]
