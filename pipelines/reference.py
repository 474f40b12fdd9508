"""Reference-data assets: the definitions' reference tables loaded into schema `referentie`."""

from collections.abc import Callable

import dagster as dg
import pandas as pd

from pipelines.resources import DUCKDB_POOL, Warehouse, replace_table
from sources import reference
from sources.definitions import Definitions, current_definitions

_TABLES: dict[str, tuple[Callable[[Definitions], pd.DataFrame], str]] = {
    "gemeenten": (
        reference.gemeenten,
        "Municipalities with their jeugdregio and validity dates (referentie/gemeenten.csv).",
    ),
    "organisaties": (reference.organisaties, "Delivering organisations with their type (referentie/organisaties.csv)."),
    "werkgebieden": (
        reference.werkgebieden,
        "Which jeugdregio's each organisation serves (referentie/werkgebieden.csv).",
    ),
    "werkdagkalender": (
        reference.werkdagkalender,
        "Working days of the Algemene termijnenwet for norm 1 (referentie/werkdagen.yaml, brugdagen.csv).",
    ),
}


def _reference_asset(name: str, build: Callable[[Definitions], pd.DataFrame], description: str) -> dg.AssetsDefinition:
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
        frame = build(defs)
        with warehouse.connect() as con:
            rows = replace_table(con, "referentie", name, frame)
        context.log.info(f"referentie.{name}: {rows} rows")
        return dg.MaterializeResult(
            metadata={"rows": rows, "definitions_version": defs.versie, "table": f"referentie.{name}"}
        )

    return _asset


reference_assets = [_reference_asset(name, build, description) for name, (build, description) in _TABLES.items()]
