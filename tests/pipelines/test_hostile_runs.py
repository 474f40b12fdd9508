"""Hostile and careless deliveries and runs (issue 12): no crash, no silent wrong figure.

Real files in a temporary data dir, real `ketenmonitor run` / `check` (run_pipeline, the CLI's
main, or the CLI as a process). Worked out by hand:

- A is a gi_maatregelen delivery of JBGL for 2024-01-31 with 931 measures (M0001..M0931), B the
  same file with its last 100 measures left out (831), C a broken version (a municipality code
  GM9999 on row 2: ALG-REF-001).
- A file whose name is not valid UTF-8 is quarantined under rule ALG-BEST-003, registered as its
  name with the bad byte written `\\xff`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main as cli
from pipelines.run import format_summary, run_pipeline
from tests.warehouse_queries import query

KEY = "JBGL/gi_maatregelen/2024-01-31.csv"
GIM_HEADER = (
    "maatregel_id,kind_id,gemeente_code,geboortejaar,maatregel_type,datum_uitspraak,datum_in_kennisstelling,"
    "datum_jeugdbeschermer,datum_plan_van_aanpak,datum_passende_hulp,datum_einde,reden_einde,scheidingsproblematiek"
)
ENV = {
    k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "KETENMONITOR_VANDAAG", "KETENMONITOR_DATA_DIR")
}


def measures(n: int) -> bytes:
    rows = [
        f"M{i:04d},{hashlib.sha256(f'kind-{i}'.encode()).hexdigest()},GM0202,2015,OTS,"
        "2024-01-08,2024-01-09,2024-01-12,,,,,true"
        for i in range(1, n + 1)
    ]
    return ("\n".join([GIM_HEADER, *rows]) + "\n").encode("utf-8")


A = measures(931)
B = measures(831)
C = A.replace(b",GM0202,", b",GM9999,", 1)
# A valid delivery of the month before: 831 measures dated in December.
DECEMBER = ("2023-12-31.csv", B.replace(b"2024-01-08,2024-01-09,2024-01-12", b"2023-12-04,2023-12-05,2023-12-08"))
SHA = {name: hashlib.sha256(data).hexdigest() for name, data in {"A": A, "B": B, "C": C}.items()}


def put(root: Path, relative: str | bytes, data: bytes) -> Path:
    """Write a file into the inbox; a bytes path may hold bytes that are not UTF-8."""
    inbox = os.fsencode(root / "inbox")
    path = os.path.join(inbox, relative if isinstance(relative, bytes) else os.fsencode(relative))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return Path(os.fsdecode(path))


def run(root: Path):
    """run_pipeline with its progress lines and its summary as one text."""
    lines: list[str] = []
    summary = run_pipeline(root, log=lines.append)
    return summary, "\n".join(lines) + format_summary(root, summary)


def staged(root: Path) -> tuple[int, str, list[str]]:
    """staging.gi_maatregelen: (rows, last measure id, the sha256 of the delivery in force)."""
    [(rows, last)] = query(root, "SELECT count(*), max(maatregel_id) FROM staging.gi_maatregelen")
    from marts.registry import current_deliveries
    from sources.definitions import current_definitions

    con = duckdb.connect(str(root / "warehouse" / "ketenmonitor.duckdb"), read_only=True)
    try:
        current = current_deliveries(con, current_definitions(), "gi_maatregelen")
    finally:
        con.close()
    return rows, last, [sha for _, _, _, sha, _ in current]


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("KETENMONITOR_VANDAAG", raising=False)
    return tmp_path / "data"


# --- 2. a restored delivery ------------------------------------------------------------------


def test_a_restored_delivery_is_back_in_force(root):
    put(root, KEY, A)
    summary, _ = run(root)
    assert summary.exit_code == 0 and summary.accepted == [KEY]
    assert staged(root) == (931, "M0931", [SHA["A"]])
    [(first_seen_a,)] = query(root, f"SELECT verwerkt_op FROM meta.leveringen WHERE sha256 = '{SHA['A']}'")

    put(root, KEY, B)
    summary, _ = run(root)
    assert summary.accepted == [KEY] and summary.unchanged == []
    assert staged(root) == (831, "M0831", [SHA["B"]])

    # A broken version never counts: B stays in force.
    put(root, KEY, C)
    summary, _ = run(root)
    assert summary.quarantined == {KEY: "ALG-REF-001"}
    assert staged(root) == (831, "M0831", [SHA["B"]])

    # A back under the same name: its version was processed before, but it is the file in the
    # inbox now, so it is in force again, and the run says so.
    put(root, KEY, A)
    summary, text = run(root)
    assert summary.exit_code == 0 and summary.accepted == [KEY]
    assert summary.unchanged == [] and summary.restored == [KEY]
    assert f"{KEY}: accepted (an earlier version, back in force)" in text
    assert staged(root) == (931, "M0931", [SHA["A"]])
    # Not processed again: three versions registered, A with its first processing; the delivery
    # monitor still dates the month's delivery at A's first arrival.
    assert query(root, "SELECT sha256 FROM meta.leveringen ORDER BY verwerkt_op") == [
        (SHA["A"],),
        (SHA["B"],),
        (SHA["C"],),
    ]
    assert query(root, f"SELECT verwerkt_op FROM meta.leveringen WHERE sha256 = '{SHA['A']}'") == [(first_seen_a,)]
    assert query(
        root,
        "SELECT levering_id, leverdatum FROM marts.aanlevering "
        "WHERE organisatie_code = 'JBGL' AND bron = 'gi_maatregelen' AND verwachte_maand = '2024-01-01'",
    ) == [(KEY, first_seen_a.date())]

    # The same inbox again changes nothing.
    before = query(root, "SELECT * FROM meta.inbox_versies ORDER BY ALL")
    assert query(root, "SELECT levering_id, sha256, volgnummer FROM meta.inbox_versies ORDER BY volgnummer") == [
        (KEY, SHA["A"], 1),
        (KEY, SHA["B"], 2),
        (KEY, SHA["C"], 3),
        (KEY, SHA["A"], 4),
    ]
    summary, _ = run(root)
    assert summary.unchanged == [KEY] and summary.restored == []
    assert query(root, "SELECT * FROM meta.inbox_versies ORDER BY ALL") == before
    assert staged(root) == (931, "M0931", [SHA["A"]])

    # C back: rejected as it was, and A stays in force.
    put(root, KEY, C)
    summary, text = run(root)
    assert summary.exit_code == 2 and summary.quarantined == {KEY: "ALG-REF-001"} and summary.restored == [KEY]
    assert f"{KEY}: QUARANTINED (ALG-REF-001; an earlier version, rejected before)" in text
    assert staged(root) == (931, "M0931", [SHA["A"]])


def test_a_restored_delivery_is_back_in_force_through_the_sensors_runs(root):
    """Under `dagster dev` the inbox sensor runs the main job when a file changed: its deliveries step."""
    import dagster as dg

    from marts.registry import current_deliveries
    from pipelines.deliveries import leveringen
    from sources.definitions import current_definitions
    from tests.dagster_runs import resources

    with dg.instance_for_test() as instance:
        for data in (A, B, A):
            put(root, KEY, data)
            result = dg.materialize([leveringen], instance=instance, resources=resources(root))
            assert result.success
    con = duckdb.connect(str(root / "warehouse" / "ketenmonitor.duckdb"), read_only=True)
    try:
        [(_, _, levering_id, sha, _)] = current_deliveries(con, current_definitions(), "gi_maatregelen")
    finally:
        con.close()
    assert (levering_id, sha) == (KEY, SHA["A"])
    assert query(root, "SELECT count(*) FROM meta.leveringen") == [(2,)]


def test_a_delivery_removed_from_the_inbox_stays_in_force_and_the_run_says_so(root):
    put(root, KEY, A)
    put(root, f"JBGL/gi_maatregelen/{DECEMBER[0]}", DECEMBER[1])
    assert run(root)[0].exit_code == 0
    assert staged(root) == (931, "M0931", [SHA["A"]])

    (root / "inbox" / KEY).unlink()
    summary, text = run(root)
    assert summary.exit_code == 0
    # The newest delivery stays in force (removing a file withdraws nothing), and the run says so.
    assert staged(root) == (931, "M0931", [SHA["A"]])
    assert summary.missing == [KEY]
    assert f"{KEY}: in force but no longer in the inbox" in text
    # Put back unchanged: nothing to say, nothing processed.
    put(root, KEY, A)
    summary, text = run(root)
    assert summary.missing == [] and summary.unchanged == sorted([KEY, f"JBGL/gi_maatregelen/{DECEMBER[0]}"])
    assert "no longer in the inbox" not in text


# --- 3. a file name that is not UTF-8 --------------------------------------------------------

BAD_NAME = b"WSS/gi_maatregelen/2024-01-31\xff.csv"
BAD_FOLDER = b"JB\xffOV/gi_maatregelen/2024-01-31.csv"


def test_a_file_name_that_is_not_utf8_is_quarantined_and_the_others_go_on(root):
    put(root, KEY, A)
    put(root, BAD_NAME, B)
    put(root, BAD_FOLDER, B)
    summary, text = run(root)
    assert summary.exit_code == 2
    assert summary.accepted == [KEY]
    bad_name, bad_folder = "WSS/gi_maatregelen/2024-01-31\\xff.csv", "JB\\xffOV/gi_maatregelen/2024-01-31.csv"
    assert summary.quarantined == {bad_folder: "ALG-BEST-003", bad_name: "ALG-BEST-003"}
    assert f"{bad_name}: QUARANTINED (ALG-BEST-003)" in text
    assert staged(root) == (931, "M0931", [SHA["A"]])
    assert sorted(query(root, "SELECT levering_id, sha256, regels FROM meta.quarantaine")) == [
        (bad_folder, SHA["B"], "ALG-BEST-003"),
        (bad_name, SHA["B"], "ALG-BEST-003"),
    ]
    [(message,)] = query(
        root, f"SELECT melding_en FROM meta.regelresultaten WHERE levering_id = '{bad_name}' AND code = 'ALG-BEST-003'"
    )
    assert "not valid UTF-8" in message and "2024-01-31\\xff.csv" in message
    # Archived byte for byte under the readable name.
    [(archived,)] = query(root, f"SELECT archief_pad FROM meta.leveringen WHERE levering_id = '{bad_name}'")
    assert Path(archived).read_bytes() == B and Path(archived).name == f"2024-01-31\\xff.{SHA['B'][:16]}.csv"

    # The next run: the same verdicts, nothing processed again.
    summary, _ = run(root)
    assert summary.exit_code == 2 and sorted(summary.unchanged) == sorted([KEY, bad_name, bad_folder])
    assert query(root, "SELECT count(*) FROM meta.leveringen") == [(3,)]


def test_a_run_whose_only_new_file_has_an_unusable_name_does_not_open_gx(root):
    import dagster as dg

    from pipelines.deliveries import LEVERINGEN, leveringen
    from tests.dagster_runs import resources

    put(root, BAD_NAME, B)
    with dg.instance_for_test() as instance:
        result = dg.materialize([leveringen], instance=instance, resources=resources(root))
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == LEVERINGEN]
    # Reported without GX (ALG-BEST-003), so the run pays no opening of GX.
    assert "gx_open" not in event.materialization.metadata["timings"].value
    assert query(root, "SELECT regels FROM meta.quarantaine") == [("ALG-BEST-003",)]


def test_the_inbox_sensor_copes_with_a_file_name_that_is_not_utf8(root):
    import dagster as dg

    from pipelines.automation import inbox_sensor
    from pipelines.deliveries import leveringen
    from pipelines.resources import Warehouse
    from tests.dagster_runs import resources

    put(root, KEY, A)
    put(root, BAD_NAME, B)
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, resources={"warehouse": Warehouse(data_dir=str(root))})
        request = inbox_sensor(ctx)
        assert isinstance(request, dg.RunRequest) and request.tags["ketenmonitor/changed"] == "2"
        again = dg.build_sensor_context(
            instance=instance, cursor=ctx.cursor, resources={"warehouse": Warehouse(data_dir=str(root))}
        )
        assert isinstance(inbox_sensor(again), dg.SkipReason)
        # The run the sensor requests quarantines it under the path rule, and takes in the other.
        result = dg.materialize([leveringen], instance=instance, resources=resources(root))
    assert result.success
    [fouten] = [e for e in result.get_asset_check_evaluations() if e.check_name == "fouten"]
    assert not fouten.passed and fouten.metadata["rule_codes"].value == "ALG-BEST-003"
    [(key, quarantined)] = fouten.metadata["per_delivery"].value.items()
    assert (key, quarantined["codes"]) == ("WSS/gi_maatregelen/2024-01-31\\xff.csv", ["ALG-BEST-003"])


# --- 12. two runs at once --------------------------------------------------------------------


def _ketenmonitor(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_a_second_run_waits_for_the_first(root):
    # Seven GIs: a first run busy for a while with its deliveries.
    gis = ["DJGB", "JBGL", "JBOV", "JBRR", "JVV", "LJR", "WSS"]
    for org in gis:
        put(root, f"{org}/gi_maatregelen/2024-01-31.csv", A)
    first = _ketenmonitor("run", "--data-dir", str(root))
    second = None
    try:
        # The first run is under way once it archived a delivery; then start the second.
        deadline = time.monotonic() + 60
        while not list((root / "archive").rglob("*.csv")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, "the first run finished before the second could start"
        second = _ketenmonitor("run", "--data-dir", str(root))
        out1, err1 = first.communicate(timeout=300)
        out2, err2 = second.communicate(timeout=300)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert first.returncode == 0, out1[-2000:] + err1[-2000:]
    assert second.returncode == 0, out2[-2000:] + err2[-2000:]
    assert f"(pid {first.pid})" in out2 and "Waiting for the run started at" in out2
    assert "Waiting" not in out1
    # The second found everything done by the first.
    assert "deliveries accepted:    7 (7 unchanged since the last run)" in out2
    assert staged(root) == (7 * 931, "M0931", [SHA["A"]] * 7)


# --- 13. clear messages for `check` and a damaged warehouse ---------------------------------


def test_check_on_a_missing_file_or_a_folder_says_so(tmp_path):
    missing = _ketenmonitor("check", str(tmp_path / "JBGL" / "gi_maatregelen" / "2024-01-31.csv"))
    out, err = missing.communicate(timeout=120)
    assert missing.returncode == 2
    assert "Traceback" not in err and out == ""
    assert f"ketenmonitor check: no such file: {tmp_path / 'JBGL' / 'gi_maatregelen' / '2024-01-31.csv'}" in err


def test_check_on_a_folder_names_it(tmp_path, capsys):
    assert cli(["check", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"ketenmonitor check: {tmp_path} is a folder, not a delivery file" in captured.err


def test_check_on_a_file_name_that_is_not_utf8(tmp_path, capsys):
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"JBGL", b"gi_maatregelen", b"2024-01-31\xff.csv")))
    path.parent.mkdir(parents=True)
    path.write_bytes(A)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "ALG-BEST-003" in out and "2024-01-31\\xff.csv" in out


def test_a_damaged_warehouse_is_not_reported_as_locked(root):
    put(root, KEY, A)
    warehouse = root / "warehouse" / "ketenmonitor.duckdb"
    warehouse.parent.mkdir(parents=True)
    warehouse.write_bytes(bytes(range(256)) * 64)
    process = _ketenmonitor("run", "--data-dir", str(root))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert "Traceback" not in err
    assert "locked" not in out
    assert f"The warehouse {warehouse} is not a DuckDB database (damaged?)" in out
    assert "FAILED: warehouse damaged" in out
    assert warehouse.read_bytes() == bytes(range(256)) * 64  # left as it was


def test_a_locked_warehouse_names_the_process_holding_it(root):
    put(root, KEY, A)
    warehouse = root / "warehouse" / "ketenmonitor.duckdb"
    warehouse.parent.mkdir(parents=True)
    ready = root / "locked"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time, pathlib; con = duckdb.connect(sys.argv[1]); "
            "pathlib.Path(sys.argv[2]).touch(); time.sleep(120)",
            str(warehouse),
            str(ready),
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        summary, text = run(root)
    finally:
        holder.kill()
        holder.wait()
    assert summary.exit_code == 1 and summary.failed_steps == ["warehouse locked"]
    assert f"The warehouse {warehouse} is in use by another process (pid {holder.pid})" in text
