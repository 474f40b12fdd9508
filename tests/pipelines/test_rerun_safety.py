"""Re-runs are safe: the job twice on one inbox, or a killed run and a re-run, end as one clean run.

The inbox is the marts fixture (tests/fixtures/marts/keten: seven deliveries of four
organisations). Every table and view of the warehouse (schemas referentie, meta, staging,
modellen, marts, plus the delivery monitor marts.aanlevering) is compared row by row,
sorted; columns that record when or where a run happened (processing time, GX run id,
paths under the data dir, the monitor's delivery date) are left out when two data dirs
are compared.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.run import run_pipeline
from pipelines.staging import staging
from tests.dagster_runs import materialize
from tests.warehouse_queries import snapshot as warehouse_snapshot

INBOX = Path(__file__).resolve().parents[1] / "fixtures" / "marts" / "keten" / "inbox"
DELIVERIES = sorted(p.relative_to(INBOX).as_posix() for p in INBOX.rglob("*") if p.is_file())
SCHEMAS = ("referentie", "meta", "staging", "modellen", "marts")
# When and where a run happened, not what it computed.
VOLATILE = {
    "verwerkt_op",
    "tijdstip",
    "gx_run_id",
    "archief_pad",
    "genormaliseerd_pad",
    "data_docs_pad",
    "leverdatum",
    "dagen_na_maandeinde",
    "gebouwd_op",
    "sinds",
    # What a model was built from: for the delivery monitor that includes the registry's processing times.
    "vingerafdruk",
}


def run_all(root: Path) -> None:
    """`ketenmonitor run`."""
    summary = run_pipeline(root, log=lambda _: None)
    assert summary.exit_code == 0, summary


def snapshot(root: Path, exclude: set[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every table and view of the warehouse: its sorted rows, without the excluded columns."""
    return warehouse_snapshot(root, SCHEMAS, exclude)


def assert_same(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    assert sorted(actual) == sorted(expected)
    different = [name for name in expected if actual[name] != expected[name]]
    assert different == []


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One clean run on a copy of the fixture inbox: (data dir, its snapshot)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.delenv("KETENMONITOR_VANDAAG", raising=False)
        root = tmp_path_factory.mktemp("clean") / "data"
        shutil.copytree(INBOX, root / "inbox")
        run_all(root)
        yield root, snapshot(root)


def test_running_twice_on_the_same_inbox_changes_nothing(clean, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    root, first = clean
    assert {"marts.stand", "marts.aanlevering", "staging.gi_maatregelen", "meta.leveringen"} <= set(first)
    assert len(first["meta.leveringen"]) == len(DELIVERIES)
    run_all(root)
    # Same data dir: every column, processing times and paths included, is unchanged.
    assert_same(snapshot(root), first)


def _staging_runs(root: Path) -> dict[str, bool]:
    """Materialise the staging step; per bron whether the table was left as it was."""
    result = materialize([staging], root)
    assert result.success
    return {
        e.asset_key.path[-1]: not e.materialization.metadata["rebuilt"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[0] == "staging"
    }


def test_staging_tables_are_rebuilt_only_when_their_deliveries_change(clean, tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    root, first = clean
    copy = tmp_path / "data"
    shutil.copytree(root / "warehouse", copy / "warehouse")
    bronnen = {"gi_maatregelen", "gi_capaciteit", "vt_meldingen", "rvdk_onderzoeken"}
    assert _staging_runs(copy) == dict.fromkeys(bronnen, True)
    # A changed input (here: the stored fingerprint no longer matches) rebuilds that table alone.
    con = duckdb.connect(str(copy / "warehouse" / "ketenmonitor.duckdb"))
    con.execute("UPDATE meta.staging_inhoud SET vingerafdruk = 'oud' WHERE bron = 'vt_meldingen'")
    con.execute("DROP TABLE staging.rvdk_onderzoeken")
    con.close()
    assert _staging_runs(copy) == {**dict.fromkeys(bronnen, True), "vt_meldingen": False, "rvdk_onderzoeken": False}
    after = snapshot(copy, VOLATILE)
    assert {k: v for k, v in after.items() if k.startswith("staging.")} == {
        k: v for k, v in snapshot(root, VOLATILE).items() if k.startswith("staging.")
    }


def _registered(archive: Path) -> int:
    return sum(1 for p in archive.rglob("*") if p.is_file() and not p.name.endswith(".part"))


def test_a_killed_run_and_a_rerun_end_as_one_clean_run(clean, tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    clean_root, expected = clean
    root = tmp_path / "data"
    shutil.copytree(INBOX, root / "inbox")
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "KETENMONITOR_VANDAAG")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--data-dir", str(root)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # The archive copy is the first thing a delivery does: two archived means the first one
        # was registered and the second is in the middle of being processed. Kill it there.
        deadline = time.monotonic() + 60
        while _registered(root / "archive") < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "the run finished before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    killed = snapshot(root) if (root / "warehouse" / "ketenmonitor.duckdb").exists() else {}
    # Killed half way: not every delivery registered, no marts yet.
    assert len(killed.get("meta.leveringen", [])) < len(DELIVERIES)
    assert "marts.stand" not in killed

    # The re-run as a process too, with a time limit: a killed run used to keep its slot of
    # pool "duckdb", and the re-run waited for it forever (fixed in pipelines/instance.py).
    rerun = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--data-dir", str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert_same(snapshot(root, VOLATILE), snapshot(clean_root, VOLATILE))
    # And nothing the killed run left behind is missing or half-written: every registered
    # accepted delivery has its archive copy and typed parquet copy.
    con = duckdb.connect(str(root / "warehouse" / "ketenmonitor.duckdb"), read_only=True)
    try:
        paths = con.execute("SELECT archief_pad, genormaliseerd_pad FROM meta.leveringen").fetchall()
    finally:
        con.close()
    assert len(paths) == len(DELIVERIES)
    for archived, normalised in paths:
        assert Path(archived).is_file()
        assert normalised is None or Path(normalised).is_file()
    assert not list(root.rglob("*.part"))
