"""Staging assets: per bron, the records of the delivery in force of every organisation (marts/runner.py)."""

import dagster as dg

from marts.runner import build_staging
from pipelines.deliveries import levering
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import current_definitions


def _staging_asset(bron: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=bron,
        key_prefix="staging",
        group_name="staging",
        deps=[levering],
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
        description=f"staging.{bron}: {description} Only each organisation's accepted delivery in force.",
        automation_condition=dg.AutomationCondition.eager(),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            result = build_staging(con, current_definitions(), bron)
        in_force = {org: f"{peildatum} ({levering_id})" for org, peildatum, levering_id, _, _ in result.in_force}
        verb = "unchanged" if result.unchanged else "built"
        context.log.info(f"staging.{bron}: {result.rows} rows from {len(result.in_force)} deliveries ({verb})")
        return dg.MaterializeResult(
            metadata={
                "rows": result.rows,
                "deliveries_in_force": dg.MetadataValue.json(in_force),
                "table": f"staging.{bron}",
                "unchanged": result.unchanged,
            }
        )

    return _asset


def staging_assets() -> list[dg.AssetsDefinition]:
    defs = current_definitions()
    return [_staging_asset(bron, b.omschrijving.en) for bron, b in defs.bronnen.items()]
