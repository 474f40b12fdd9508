"""Region reports are remade only for regions whose export changed (tests/exports/small_warehouse.py:
NOORD shows norm 1 of Q1 2026 as 9 binnen, 3 buiten: "75% (n = 12)"; ZUID's is suppressed)."""

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from exports.regions import export_regions
from marts import warehouse
from marts.incremental import remember
from marts.registry import record_check
from reports.board import region_rows
from reports.build import (
    BOARD_STATE_FILE,
    STATE_FILE,
    _board_rows,
    board_inputs,
    board_record,
    board_tables,
    region_exports,
    region_reports_up_to_date,
    write_board,
    write_region_reports,
)
from tests.exports.small_warehouse import build, change_binnen, connect, drop_region


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = build(tmp_path / "data")
    export_regions(root, run_id="een")
    return root


def _report(root: Path, region: str) -> Path:
    return root / "reports" / "regio" / f"{region}.html"


def _stamp(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def test_first_run_writes_every_region(root):
    summary = write_region_reports(root)
    assert [p.name for p in summary.written] == ["NOORD.html", "ZUID.html"] and summary.unchanged == []
    assert summary.paths == summary.written
    assert "75% (n = 12)" in _report(root, "NOORD").read_text(encoding="utf-8")
    # The state is hidden beside the reports, not among them.
    assert (root / "reports" / STATE_FILE).is_file()
    assert sorted(p.name for p in (root / "reports" / "regio").iterdir()) == ["NOORD.html", "ZUID.html"]


def test_nothing_changed_writes_no_report(root):
    write_region_reports(root)
    before = {r: _stamp(_report(root, r)) for r in ("NOORD", "ZUID")}
    assert export_regions(root, run_id="twee").skipped
    summary = write_region_reports(root)
    assert summary.written == [] and [p.name for p in summary.unchanged] == ["NOORD.html", "ZUID.html"]
    assert summary.paths == summary.unchanged
    assert {r: _stamp(_report(root, r)) for r in ("NOORD", "ZUID")} == before


def test_only_the_changed_region_is_remade(root):
    write_region_reports(root)
    zuid = _stamp(_report(root, "ZUID"))
    change_binnen(root, "NOORD", 10)
    assert export_regions(root, run_id="twee").changed == ["NOORD"]
    summary = write_region_reports(root)
    assert [p.name for p in summary.written] == ["NOORD.html"] and [p.name for p in summary.unchanged] == ["ZUID.html"]
    noord = _report(root, "NOORD").read_text(encoding="utf-8")
    # 10 binnen, 3 buiten: 100 * 10 / 13 = 76.9, exported as 77.
    assert "77% (n = 13)" in noord and "75% (n = 12)" not in noord
    assert _stamp(_report(root, "ZUID")) == zuid


def test_a_region_no_longer_exported_loses_its_report(root):
    write_region_reports(root)
    noord = _stamp(_report(root, "NOORD"))
    drop_region(root, "ZUID")
    assert export_regions(root, run_id="twee").removed == ["ZUID"]
    summary = write_region_reports(root)
    assert [p.name for p in summary.removed] == ["ZUID.html"] and summary.written == []
    assert not _report(root, "ZUID").exists() and _stamp(_report(root, "NOORD")) == noord


def test_a_missing_report_is_remade(root):
    write_region_reports(root)
    _report(root, "ZUID").unlink()
    summary = write_region_reports(root)
    assert [p.name for p in summary.written] == ["ZUID.html"] and [p.name for p in summary.unchanged] == ["NOORD.html"]


def test_other_definitions_remake_every_report(root, defs):
    write_region_reports(root)
    shorter = defs.model_copy(update={"rapportage": defs.rapportage.model_copy(update={"maanden_in_grafieken": 12})})
    summary = write_region_reports(root, shorter)
    assert [p.name for p in summary.written] == ["NOORD.html", "ZUID.html"]


def test_the_board_is_rebuilt_every_time(root):
    write_region_reports(root)
    path = write_board(root)
    path.write_text("oud", encoding="utf-8")
    assert export_regions(root, run_id="twee").skipped
    write_board(root)
    board = path.read_text(encoding="utf-8")
    assert 'href="regio/NOORD.html"' in board and 'href="regio/ZUID.html"' in board


def test_the_board_reads_only_exports_that_changed(root, defs):
    write_board(root)
    # An unchanged export is not read again: its board row comes from reports/.bestuur_staat.json.
    noord_normen = (root / "exports" / "NOORD").resolve() / "normen.parquet"
    kept = noord_normen.read_bytes()
    noord_normen.unlink()
    write_board(root)
    noord_normen.write_bytes(kept)
    # A changed export is read: the rows kept and made equal the rows made from every export now.
    change_binnen(root, "NOORD", 10)
    assert export_regions(root, run_id="twee").changed == ["NOORD"]
    assert _board_rows(root, defs) == region_rows(region_exports(root), defs)
    board = write_board(root).read_text(encoding="utf-8")
    assert 'href="regio/NOORD.html"' in board and 'href="regio/ZUID.html"' in board


def test_region_reports_up_to_date_says_what_write_region_reports_would_do(root):
    assert not region_reports_up_to_date(root)  # none made yet
    write_region_reports(root)
    assert region_reports_up_to_date(root)
    _report(root, "ZUID").unlink()  # missing: it would be made again
    assert not region_reports_up_to_date(root)
    write_region_reports(root)
    (root / "reports" / "regio" / "WEST.html").write_text("oud", encoding="utf-8")  # it would be removed
    assert not region_reports_up_to_date(root)
    (root / "reports" / "regio" / "WEST.html").unlink()
    assert region_reports_up_to_date(root)
    change_binnen(root, "NOORD", 10)
    assert export_regions(root, run_id="twee").changed == ["NOORD"]  # NOORD's report would be made again
    assert not region_reports_up_to_date(root)


def test_the_board_tables_are_those_its_queries_read():
    # reports/sql/*.sql, read by hand: the delivery grid, the key checks, the check outcomes, the validations.
    assert board_tables() == (
        "marts.aanlevering",
        "marts.koppelgraad",
        "marts.sleutelconflicten",
        "meta.controles",
        "meta.leveringen",
        "meta.regelresultaten",
        "meta.sleutel_vingerafdrukken",
    )


def test_the_board_records_what_it_was_made_from(root, defs, monkeypatch):
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "2026-11-10")
    day, next_day = date(2026, 11, 10), date(2026, 11, 11)
    assert board_record(root, defs, day) is None  # no board yet
    path = write_board(root, defs, run_id="run-een")
    record = board_record(root, defs, day)
    assert record["run_id"] == "run-een" and record["vandaag"] == "2026-11-10"
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # "gemaakt" is the time the board shows ("gemaakt 2026-... UTC", to the minute).
    assert f"gemaakt {record['gemaakt'][:16].replace('T', ' ')} UTC" in path.read_text(encoding="utf-8")

    def inputs(today: date = day) -> str:
        with warehouse.connect(root, read_only=True) as con:
            return board_inputs(con, root, defs, today)

    assert inputs() == record["invoer"]
    # Another day judges anew: no record for it, other inputs.
    assert board_record(root, defs, next_day) is None and inputs(next_day) != record["invoer"]
    # A board file changed by hand is not the board made.
    path.write_text("oud", encoding="utf-8")
    assert board_record(root, defs, day) is None
    write_board(root, defs, run_id="run-twee")
    assert board_record(root, defs, day)["run_id"] == "run-twee"
    # A check outcome the board shows among its warnings changes the inputs.
    con = connect(root)
    try:
        record_check(con, "marts.normen", "sleutel_uniek", "ERROR", False, 1)
    finally:
        con.close()
    assert inputs() != board_record(root, defs, day)["invoer"]
    write_board(root, defs)
    assert inputs() == board_record(root, defs, day)["invoer"]
    # So does a rebuilt delivery monitor (its fingerprint in meta.model_inhoud).
    con = connect(root)
    try:
        con.execute("CREATE TABLE marts.aanlevering (organisatie_code VARCHAR)")
        remember(con, "marts.aanlevering", "gebouwd op 2026-11-10")
    finally:
        con.close()
    assert inputs() != board_record(root, defs, day)["invoer"]
    con = connect(root)
    try:
        con.execute("DROP TABLE marts.aanlevering")  # not a real one: the exports below read it
    finally:
        con.close()
    assert inputs() == board_record(root, defs, day)["invoer"]
    # A changed export: the board's row of that region would be made again.
    state = json.loads((root / "reports" / BOARD_STATE_FILE).read_text(encoding="utf-8"))
    assert sorted(state["regio"]) == ["NOORD", "ZUID"]
    change_binnen(root, "NOORD", 10)
    assert export_regions(root, run_id="twee").changed == ["NOORD"]
    assert board_record(root, defs, day) is None
