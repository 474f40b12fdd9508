"""Region by month (docs/contract.md section 4.5): the history of municipalities, folded in
delivery by delivery (marts/historie.py), on a real DuckDB file with real parquet deliveries.

GI JBGL delivers measure m1 of a child living in Arnhem (GM0202, Centraal Gelderland) in the
deliveries of 31 January and 28 February 2025; the child moves in March, so the deliveries of
31 March and 30 April carry Nijmegen (GM0268, Rijk van Nijmegen). Measure m2 first appears in
April. By the contract, January and February take the municipality from the first delivery
on or after their last day (Arnhem), March onwards from 31 March or later (Nijmegen).
"""

from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marts.historie import record_key_sql, update_history
from marts.registry import ensure_schema
from sources.definitions import load_definitions

ARNHEM, NIJMEGEN, EDE = "GM0202", "GM0268", "GM0228"
DELIVERIES = [
    (date(2025, 1, 31), {"m1": ARNHEM}),
    (date(2025, 2, 28), {"m1": ARNHEM}),
    (date(2025, 3, 31), {"m1": NIJMEGEN}),
    (date(2025, 4, 30), {"m1": NIJMEGEN, "m2": EDE}),
]


@pytest.fixture(scope="module")
def defs():
    return load_definitions()


def _deliver(con, tmp: Path, defs, peildatum: date, gemeenten: dict, status="geaccepteerd"):
    """Register one delivery in the registry and write its typed copy, as intake does."""
    volg = con.execute("SELECT count(*) + 1 FROM meta.leveringen").fetchone()[0]
    levering_id = f"JBGL/gi_maatregelen/{peildatum}.csv"
    sha = f"{volg:064x}"
    path = tmp / f"{peildatum}-{volg}.parquet"
    pq.write_table(pa.table({"maatregel_id": list(gemeenten), "gemeente_code": list(gemeenten.values())}), path)
    con.execute(
        "INSERT INTO meta.leveringen (levering_id, sha256, organisatie_code, bron, peildatum, status, fouten, "
        "waarschuwingen, archief_pad, genormaliseerd_pad, definities_versie, verwerkt_op) "
        "VALUES (?, ?, 'JBGL', 'gi_maatregelen', ?, ?, 0, 0, '', ?, ?, ?)",
        [levering_id, sha, peildatum, status, str(path), defs.versie, datetime(2026, 1, 1, 0, 0, volg)],
    )
    con.execute("INSERT INTO meta.inbox_versies VALUES (?, ?, ?, now())", [levering_id, sha, volg])


def _municipality(con, record: str, month: date) -> str | None:
    rows = con.execute(
        "SELECT gemeente_code FROM historie.gemeenten WHERE bron = 'gi_maatregelen' AND organisatie_code = 'JBGL' "
        "AND record_sleutel = ? AND ?::DATE >= van_periode AND ?::DATE < tot_periode",
        [record, month, month],
    ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0][0] if rows else None


def _expected(con):
    assert _municipality(con, "m1", date(2024, 6, 1)) == ARNHEM
    assert _municipality(con, "m1", date(2025, 1, 1)) == ARNHEM
    assert _municipality(con, "m1", date(2025, 2, 1)) == ARNHEM
    assert _municipality(con, "m1", date(2025, 3, 1)) == NIJMEGEN
    assert _municipality(con, "m1", date(2025, 4, 1)) == NIJMEGEN
    # After the latest delivery: the delivery in force.
    assert _municipality(con, "m1", date(2025, 9, 1)) == NIJMEGEN
    # First seen in April: no earlier delivery holds it, so April's delivery tells every month.
    assert _municipality(con, "m2", date(2025, 1, 1)) == EDE
    # One interval per municipality, not one per delivery.
    assert con.execute("SELECT count(*) FROM historie.gemeenten").fetchone()[0] == 3


def _warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    return con


def test_a_move_changes_only_the_months_after_it_and_a_new_delivery_adds_only_its_changes(tmp_path, defs):
    con = _warehouse(tmp_path)
    for peildatum, gemeenten in DELIVERIES[:2]:
        _deliver(con, tmp_path, defs, peildatum, gemeenten)
    assert update_history(con, defs, "gi_maatregelen").added == 2
    assert _municipality(con, "m1", date(2025, 6, 1)) == ARNHEM
    for peildatum, gemeenten in DELIVERIES[2:]:
        _deliver(con, tmp_path, defs, peildatum, gemeenten)
    result = update_history(con, defs, "gi_maatregelen")
    assert (result.added, result.refolded) == (2, [])
    _expected(con)
    # Nothing new: nothing folded in.
    assert update_history(con, defs, "gi_maatregelen").added == 0
    _expected(con)


def test_a_late_delivery_for_an_older_month_folds_the_organisation_in_again(tmp_path, defs):
    con = _warehouse(tmp_path)
    for peildatum, gemeenten in [DELIVERIES[0], DELIVERIES[2], DELIVERIES[3]]:
        _deliver(con, tmp_path, defs, peildatum, gemeenten)
    update_history(con, defs, "gi_maatregelen")
    # Without February, February's month-end is first covered by 31 March: Nijmegen.
    assert _municipality(con, "m1", date(2025, 2, 1)) == NIJMEGEN
    _deliver(con, tmp_path, defs, *DELIVERIES[1])
    result = update_history(con, defs, "gi_maatregelen")
    assert result.refolded == ["JBGL"] and result.added == 4
    _expected(con)


def test_quarantined_deliveries_never_count_and_a_corrected_version_replaces_its_peildatum(tmp_path, defs):
    con = _warehouse(tmp_path)
    for peildatum, gemeenten in DELIVERIES:
        _deliver(con, tmp_path, defs, peildatum, gemeenten)
    # A quarantined February saying Ede changes nothing.
    _deliver(con, tmp_path, defs, date(2025, 2, 28), {"m1": EDE}, status="quarantaine")
    update_history(con, defs, "gi_maatregelen")
    _expected(con)
    # An accepted correction of February (the move was already in February) restates February only.
    _deliver(con, tmp_path, defs, date(2025, 2, 28), {"m1": NIJMEGEN})
    result = update_history(con, defs, "gi_maatregelen")
    assert result.refolded == ["JBGL"]
    assert _municipality(con, "m1", date(2025, 1, 1)) == ARNHEM
    assert _municipality(con, "m1", date(2025, 2, 1)) == NIJMEGEN
    assert _municipality(con, "m1", date(2025, 3, 1)) == NIJMEGEN


def test_a_mid_month_delivery_leaves_its_month_to_the_next_one(tmp_path, defs):
    con = _warehouse(tmp_path)
    _deliver(con, tmp_path, defs, date(2025, 1, 31), {"m1": ARNHEM})
    _deliver(con, tmp_path, defs, date(2025, 2, 14), {"m1": ARNHEM})
    _deliver(con, tmp_path, defs, date(2025, 2, 28), {"m1": NIJMEGEN})
    update_history(con, defs, "gi_maatregelen")
    # 14 February is not on or after February's last day: February is told by 28 February.
    assert _municipality(con, "m1", date(2025, 1, 1)) == ARNHEM
    assert _municipality(con, "m1", date(2025, 2, 1)) == NIJMEGEN


def test_the_record_key_of_veilig_thuis_keeps_siblings_and_anonymous_advice_apart(defs):
    expr = record_key_sql(defs, "vt_meldingen")
    rows = duckdb.sql(
        f"SELECT {expr} FROM (VALUES ('M1', 'a'), ('M1', 'b'), ('M1', NULL)) t(melding_id, kind_id)"
    ).fetchall()
    keys = [r[0] for r in rows]
    assert len(set(keys)) == 3
    assert record_key_sql(defs, "gi_maatregelen") == "CAST(maatregel_id AS VARCHAR)"
