"""Reference-data assets: the definitions' reference tables loaded into schema `referentie`."""

import dagster as dg

from marts.runner import load_reference
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import current_definitions, reference


def _reference_asset(name: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=name,
        key_prefix="referentie",
        group_name="referentie",
        pool=DUCKDB_POOL,
        description=description,
        kinds={"duckdb"},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        defs = current_definitions()
        with warehouse.connect() as con:
            rows = load_reference(con, defs, name)
        context.log.info(f"referentie.{name}: {rows} rows")
        return dg.MaterializeResult(
            metadata={"rows": rows, "definitions_version": defs.versie, "table": f"referentie.{name}"}
        )

    return _asset


reference_assets = [_reference_asset(name, description) for name, (_, description) in reference.TABLES.items()]
