"""Staging layer: per bron, the records of the delivery in force of every organisation."""

import dagster as dg

from marts.sql import run_sql
from pipelines.deliveries import current_definitions, levering
from pipelines.resources import DUCKDB_POOL, Warehouse, replace_table
from sources.archive import empty_table
from sources.intake import current_deliveries


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
        defs = current_definitions()
        with warehouse.connect() as con:
            current = current_deliveries(con, defs, bron)
            files = [row[4] for row in current]
            con.execute("CREATE SCHEMA IF NOT EXISTS staging")
            if files:
                run_sql(con, "staging/bron", format_args={"bron": bron}, bestanden=files)
            else:
                replace_table(con, "staging", bron, empty_table(defs, bron))
            rows = con.execute(f"SELECT count(*) FROM staging.{bron}").fetchall()[0][0]
        in_force = {org: f"{peildatum} ({levering_id})" for org, peildatum, levering_id, _, _ in current}
        context.log.info(f"staging.{bron}: {rows} rows from {len(current)} deliveries")
        return dg.MaterializeResult(
            metadata={"rows": rows, "deliveries_in_force": dg.MetadataValue.json(in_force), "table": f"staging.{bron}"}
        )

    return _asset


def staging_assets() -> list[dg.AssetsDefinition]:
    defs = current_definitions()
    return [_staging_asset(bron, b.omschrijving.en) for bron, b in defs.bronnen.items()]
