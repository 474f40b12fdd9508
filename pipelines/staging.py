"""The staging step: reference data, staging tables and the region history, in one step.

- `referentie/<table>`: the definitions' reference tables in schema `referentie`;
- `staging/<bron>`: per bron the records of every organisation's accepted delivery in force
  (marts/runner.py `build_staging`; a table whose deliveries in force did not change is left
  as it is);
- `historie/gemeenten`: the municipality of every record per range of months (CONTRACT 4.5),
  folded in delivery by delivery inside the staging transaction (marts/historie.py).

Each asset's data version is the fingerprint of what it holds, so an unchanged table shows as
unchanged in the Dagster UI.
"""

import time
from collections.abc import Iterator

import dagster as dg

from marts import incremental
from marts.incremental import content_fingerprint, definitions_fingerprint
from marts.registry import ensure_schema
from marts.runner import build_staging, load_reference
from pipelines.deliveries import LEVERINGEN
from pipelines.progress import Progress
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import current_definitions, reference

HISTORIE = dg.AssetKey(["historie", "gemeenten"])


def _specs() -> list[dg.AssetSpec]:
    defs = current_definitions()
    specs = [
        dg.AssetSpec(["referentie", name], group_name="referentie", kinds={"duckdb"}, description=description)
        for name, (_, description) in reference.TABLES.items()
    ]
    specs += [
        dg.AssetSpec(
            ["staging", bron],
            deps=[LEVERINGEN],
            group_name="staging",
            kinds={"duckdb"},
            description=f"staging.{bron}: {b.omschrijving.en} Only each organisation's accepted delivery in force.",
        )
        for bron, b in defs.bronnen.items()
    ]
    specs.append(
        dg.AssetSpec(
            HISTORIE,
            deps=[LEVERINGEN],
            group_name="staging",
            kinds={"duckdb"},
            description=(
                "historie.gemeenten: the municipality of every record per range of months (docs/contract.md "
                "section 4.5), folded in from every accepted delivery, superseded ones included."
            ),
        )
    )
    return specs


@dg.multi_asset(name="staging", specs=_specs(), pool=DUCKDB_POOL)
def staging(context: dg.AssetExecutionContext, warehouse: Warehouse, progress: dg.ResourceParam[Progress]) -> Iterator:
    started = time.monotonic()
    defs = current_definitions()
    version = definitions_fingerprint(defs)
    results = []
    rebuilt = []
    with warehouse.connect() as con:
        ensure_schema(con)
        built = incremental.recorded(con)
        for name in reference.TABLES:
            # Loaded from the definitions: reloaded only when a definitions file changed.
            table = f"referentie.{name}"
            metadata = {"definitions_version": defs.versie, "table": table, "rebuilt": built.get(table) != version}
            if metadata["rebuilt"]:
                incremental.forget(con, table)
                metadata["rows"] = load_reference(con, defs, name)
                incremental.remember(con, table, version)
            results.append(
                dg.MaterializeResult(
                    asset_key=["referentie", name], metadata=metadata, data_version=dg.DataVersion(version[:16])
                )
            )
        for bron in defs.bronnen:
            result = build_staging(con, defs, bron)
            if not result.unchanged:
                rebuilt.append(bron)
            in_force = {org: f"{peildatum} ({levering_id})" for org, peildatum, levering_id, _, _ in result.in_force}
            results.append(
                dg.MaterializeResult(
                    asset_key=["staging", bron],
                    metadata={
                        "rows": result.rows,
                        "deliveries_in_force": dg.MetadataValue.json(in_force),
                        "table": f"staging.{bron}",
                        "rebuilt": not result.unchanged,
                    },
                    data_version=dg.DataVersion(result.fingerprint[:16]),
                )
            )
        history = content_fingerprint(con, "historie.gemeenten")
        history_changed = built.get("historie.gemeenten") != history
        if history_changed:
            incremental.remember(con, "historie.gemeenten", history)
    metadata = {"table": "historie.gemeenten", "rebuilt": history_changed}
    if history_changed:
        metadata["rows"] = int(history.split(":")[0])
    results.append(dg.MaterializeResult(asset_key=HISTORIE, metadata=metadata, data_version=dg.DataVersion(history)))
    yield from results
    progress.step(
        "staging",
        started,
        f"{len(rebuilt)} of {len(defs.bronnen)} staging tables rebuilt"
        + (f" ({', '.join(rebuilt)})" if rebuilt else ""),
    )
