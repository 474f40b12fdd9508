"""A hand-built warehouse for the incremental export and report tests: a real DuckDB file with every
exported mart (empty but for `normen` and `caseload`), the delivery registry and the fingerprints
the mart builder records (meta.model_inhoud). Two regions: NOORD, where GI_A works, and ZUID,
where GI_B works.

normen, JB, norm 1 (threshold 10, contract 5.2):
- kwartaal 2026-01-01, settled: NOORD (GI_A and the region's TOTAAL) 9 binnen, 3 buiten: n = 12,
  shown, 100 * 9 / 12 = 75%; ZUID (GI_B and TOTAAL) 4 binnen, 2 buiten: n = 6, emptied whole;
- maand 2026-10-01, not settled, the regions' TOTAAL rows: NOORD 8 binnen, 4 buiten (shown,
  no percentage), ZUID 3 binnen, 1 buiten (emptied whole);
- TOTAAL/TOTAAL (all regions): never exported.
caseload on 2026-10-31, JB: GI_A 30 running measures, GI_B 12 (both shown: basis >= 10).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from exports.regions import export_specs
from marts.catalog import catalog
from marts.incremental import remember
from marts.registry import ensure_schema
from sources.definitions import load_definitions

N1 = "NORM_1_VIJF_WERKDAGEN"
Q1 = date(2026, 1, 1)
OKTOBER = date(2026, 10, 1)
T = "TOTAAL"


def _normen_row(org: str, region: str, binnen: int, buiten: int, *, maand: bool = False) -> tuple:
    if maand:
        return ("maand", OKTOBER, org, region, "JB", N1, binnen, buiten, 0, 0, None, False)
    pct = round(100 * binnen / (binnen + buiten), 1)
    return ("kwartaal", Q1, org, region, "JB", N1, binnen, buiten, 0, 0, pct, True)


NORMEN = [
    _normen_row("GI_A", "NOORD", 9, 3),
    _normen_row(T, "NOORD", 9, 3),
    _normen_row("GI_B", "ZUID", 4, 2),
    _normen_row(T, "ZUID", 4, 2),
    _normen_row(T, T, 13, 5),
    _normen_row(T, "NOORD", 8, 4, maand=True),
    _normen_row(T, "ZUID", 3, 1, maand=True),
]
CASELOAD = [
    (date(2026, 10, 31), "GI_A", "JB", 30, 28, 25, 2.0, 14.0, 15.0, 12.5, 15.0, 10.0, 14.0, False),
    (date(2026, 10, 31), "GI_B", "JB", 12, 10, 9, 1.0, 10.0, 12.0, 9.0, 15.0, 10.0, 14.0, False),
]


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(root / "warehouse" / "ketenmonitor.duckdb"))


def fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """What the mart builder does after a build: record what the table was built from (here: its rows)."""
    rows = con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} AS t").fetchone()
    remember(con, table, f"{rows[0]}:{rows[1]}")


def build(root: Path) -> Path:
    defs = load_definitions()
    (root / "warehouse").mkdir(parents=True)
    con = connect(root)
    try:
        ensure_schema(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for spec in export_specs():
            columns = ", ".join(f"{c.name} {c.type}" for c in catalog()[spec.name].columns)
            con.execute(f"CREATE TABLE marts.{spec.name} ({columns})")
        con.executemany("INSERT INTO marts.normen VALUES (" + ", ".join(["?"] * 12) + ")", NORMEN)
        con.executemany("INSERT INTO marts.caseload VALUES (" + ", ".join(["?"] * 14) + ")", CASELOAD)
        for org in ("GI_A", "GI_B"):
            con.execute(
                "INSERT INTO meta.leveringen (levering_id, sha256, organisatie_code, bron, peildatum, status, fouten, "
                "waarschuwingen, archief_pad, definities_versie, verwerkt_op) VALUES "
                "(?, ?, ?, 'gi_maatregelen', DATE '2026-10-31', 'geaccepteerd', 0, 0, 'archief', ?, now())",
                [f"{org}/gi_maatregelen/2026-10-31.csv", f"sha-{org}", org, defs.versie],
            )
        for spec in export_specs():
            fingerprint(con, spec.table)
    finally:
        con.close()
    return root


def change_binnen(root: Path, region: str, binnen: int) -> None:
    """A GI's new delivery changes a region's figures: the builder rebuilds normen and records a new fingerprint."""
    con = connect(root)
    try:
        con.execute("UPDATE marts.normen SET binnen_norm = ? WHERE jeugdregio_code = ?", [binnen, region])
        fingerprint(con, "marts.normen")
    finally:
        con.close()


def drop_region(root: Path, region: str) -> None:
    con = connect(root)
    try:
        con.execute("DELETE FROM marts.normen WHERE jeugdregio_code = ?", [region])
        fingerprint(con, "marts.normen")
    finally:
        con.close()
