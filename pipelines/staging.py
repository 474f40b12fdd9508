"""Staging layer: per bron, the records of the delivery in force of every organisation.

A table whose deliveries in force, definitions version and SQL are those it was built from
(meta.staging_inhoud) is left as it is: rebuilding it would give the same rows.
"""

import hashlib
from datetime import UTC, datetime

import dagster as dg

from marts.sql import load_sql, run_sql
from pipelines.deliveries import levering
from pipelines.resources import DUCKDB_POOL, Warehouse, replace_table
from sources.archive import empty_table
from sources.definitions import current_definitions
from sources.intake import current_deliveries


def _fingerprint(versie: str, current: list[tuple]) -> str:
    """What a staging table is made of: the deliveries in force (id and sha256), the definitions
    version and the staging SQL. Equal fingerprints give an equal table."""
    parts = [versie, load_sql("staging/bron"), *(f"{levering_id}@{sha256}" for _, _, levering_id, sha256, _ in current)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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
            fingerprint = _fingerprint(defs.versie, current)
            [(built_with, exists)] = run_sql(con, "meta/staging_vingerafdruk", fetch=True, bron=bron)
            unchanged = exists and built_with == fingerprint
            if not unchanged:
                con.execute("BEGIN TRANSACTION")
                con.execute("CREATE SCHEMA IF NOT EXISTS staging")
                if files:
                    run_sql(con, "staging/bron", format_args={"bron": bron}, bestanden=files)
                else:
                    replace_table(con, "staging", bron, empty_table(defs, bron))
                run_sql(
                    con, "meta/registreer_staging", bron=bron, vingerafdruk=fingerprint, gebouwd_op=datetime.now(UTC)
                )
                con.execute("COMMIT")
            rows = con.execute(f"SELECT count(*) FROM staging.{bron}").fetchall()[0][0]
        in_force = {org: f"{peildatum} ({levering_id})" for org, peildatum, levering_id, _, _ in current}
        verb = "unchanged" if unchanged else "built"
        context.log.info(f"staging.{bron}: {rows} rows from {len(current)} deliveries ({verb})")
        return dg.MaterializeResult(
            metadata={
                "rows": rows,
                "deliveries_in_force": dg.MetadataValue.json(in_force),
                "table": f"staging.{bron}",
                "unchanged": bool(unchanged),
            }
        )

    return _asset


def staging_assets() -> list[dg.AssetsDefinition]:
    defs = current_definitions()
    return [_staging_asset(bron, b.omschrijving.en) for bron, b in defs.bronnen.items()]
