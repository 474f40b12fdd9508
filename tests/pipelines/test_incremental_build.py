"""An incremental build equals a full build (issue 15): table by table, export byte by byte.

The inbox is the marts fixture (tests/fixtures/marts/keten). Full: every delivery in one run.
Incremental: the same deliveries but JBGL's June delivery held back, then added in a second
run (which rebuilds only what depends on gi_maatregelen), then a third run with nothing new.
Both data dirs judge the same day (KETENMONITOR_VANDAAG), so the delivery monitor agrees too.
"""

import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from marts import incremental
from marts.catalog import catalog
from pipelines.instance import instance_for
from pipelines.run import run_pipeline
from sources.definitions import current_definitions
from tests.dagster_runs import all_checks_config, materialize
from tests.warehouse_queries import snapshot

INBOX = Path(__file__).resolve().parents[1] / "fixtures" / "marts" / "keten" / "inbox"
HELD_BACK = "JBGL/gi_maatregelen/2025-06-30.csv"
TODAY = "2025-07-20"
NEXT_DAY = "2025-07-21"
SCHEMAS = ("referentie", "staging", "historie", "modellen", "marts")
# Where and when a run happened (paths, times), not what it computed.
VOLATILE = {"verwerkt_op", "leverdatum", "dagen_na_maandeinde", "volgnummer"}


def _run(root: Path):
    summary = run_pipeline(root, log=lambda _: None)
    assert summary.exit_code == 0, summary
    return summary


def tables(root: Path) -> dict[str, list[tuple]]:
    """Every table and view of the figures' schemas: its rows sorted, without volatile columns."""
    return snapshot(root, SCHEMAS, VOLATILE)


def exported(root: Path) -> dict[str, bytes | dict]:
    """Every file a region can read: parquet as bytes, the manifest without when and by which run."""
    out: dict[str, bytes | dict] = {}
    for region in sorted(p for p in (root / "exports").iterdir() if not p.name.startswith(".")):
        for path in sorted(region.iterdir()):
            if path.name == "manifest.json":
                manifest = json.loads(path.read_text(encoding="utf-8"))
                out[f"{region.name}/{path.name}"] = {
                    k: v for k, v in manifest.items() if k not in ("generated_at", "run_id")
                }
            else:
                out[f"{region.name}/{path.name}"] = path.read_bytes()
    return out


def region_reports(root: Path) -> dict[str, str]:
    # The report says when its export was made ("gemaakt ... UTC"): the only place the two builds may differ.
    return {
        p.name: re.sub(r"gemaakt [0-9-]+ [0-9:]+ UTC", "gemaakt", p.read_text(encoding="utf-8"))
        for p in sorted((root / "reports" / "regio").glob("*.html"))
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv("KETENMONITOR_VANDAAG", TODAY)
        full = tmp_path_factory.mktemp("full") / "data"
        shutil.copytree(INBOX, full / "inbox")
        _run(full)

        step = tmp_path_factory.mktemp("incremental") / "data"
        shutil.copytree(
            INBOX, step / "inbox", ignore=lambda d, names: [n for n in names if f"{d}/{n}".endswith(HELD_BACK)]
        )
        assert not (step / "inbox" / HELD_BACK).exists()
        _run(step)
        before = tables(step)
        (step / "inbox" / HELD_BACK).write_bytes((INBOX / HELD_BACK).read_bytes())
        second = _run(step)
        yield full, step, before, second


def test_every_table_equals_the_full_build(builds):
    full, step, before, _ = builds
    expected, actual = tables(full), tables(step)
    # marts.koppelgraad keeps a measurement of every delivery that was ever in force (issue 16): the
    # incremental build also measured JBGL's May delivery, in force in its first run, and compares June
    # with it. A record of the runs, like meta.leveringen, not a figure: the measurements of the
    # deliveries in force now (bron .. koppelgraad_pct) are the same.
    measured = {name: [r[:10] for r in tables.pop("marts.koppelgraad") if r[13]] for name, tables in
                (("full", expected), ("incremental", actual))}  # fmt: skip
    assert measured["full"] == measured["incremental"] and len(measured["full"]) >= 3
    assert sorted(actual) == sorted(expected)
    assert [name for name in expected if actual[name] != expected[name]] == []
    # The held-back delivery did change the figures: the comparison is not between two empty builds.
    assert before["marts.instroom"] != actual["marts.instroom"]


def test_every_export_file_equals_the_full_build_byte_for_byte(builds):
    full, step, _, _ = builds
    expected, actual = exported(full), exported(step)
    assert sorted(actual) == sorted(expected)
    assert [name for name in expected if actual[name] != expected[name]] == []
    assert region_reports(step) == region_reports(full)


def test_the_new_delivery_rebuilds_only_what_reads_gi_maatregelen(builds, monkeypatch):
    _, step, _, second = builds
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    # The models with partitie: bron rebuilt only their GI rows: the Veilig Thuis and Raad rows
    # stayed (doorlooptijden's GI steps read trajectories and chain links that VT and Raad rows do not).
    partitioned = ["uitstroom", "instroom", "doorlooptijden"]
    for key in [["marts", name] for name in partitioned] + [["modellen", "gemeente_per_maand"]]:
        event = instance_for(step).get_latest_materialization_event(dg.AssetKey(key))
        assert event.run_id == second.run_id
        assert event.asset_materialization.metadata["bronnen_rebuilt"].value == "gi_maatregelen", key
    rebuilt = {name.split("/", 1)[1] for name in second.tables if name.startswith(("modellen/", "marts/"))}
    # Veilig Thuis and Raad data did not change: the models that read only them (or nothing) stay.
    assert "instellingen" not in rebuilt and "kaders" not in rebuilt and "werkdagen" not in rebuilt
    assert {"trajecten_maatregelen", "instroom", "normen", "stand"} <= rebuilt
    assert set(second.tables) >= {"staging/gi_maatregelen"}
    assert "staging/vt_meldingen" not in second.tables and "staging/rvdk_onderzoeken" not in second.tables


def test_nothing_new_rebuilds_nothing_and_publishes_nothing(builds, monkeypatch):
    _, step, _, _ = builds
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    # The next day: the delivery monitor and the board judge it (on TODAY itself a run would have nothing
    # to do at all: tests/pipelines/test_nothing_to_do.py).
    monkeypatch.setenv("KETENMONITOR_VANDAAG", NEXT_DAY)
    links = {p.name: p.resolve() for p in (step / "exports").iterdir() if p.is_symlink()}
    before = tables(step)
    lines = []
    summary = run_pipeline(step, log=lines.append)
    assert summary.exit_code == 0 and set(summary.tables) == {"marts/aanlevering"}  # no other table rebuilt
    assert "Nothing new: the delivery monitor and the board only" in lines
    # One run of three steps: the deliveries (named in its metadata), the delivery monitor, the reports.
    instance = instance_for(step)
    steps = {s.step_key for s in instance.get_run_step_stats(summary.run_id)}
    assert steps == {"leveringen", "marts", "reports"}
    assert sorted(summary.unchanged) == sorted(str(p.relative_to(INBOX)) for p in INBOX.rglob("*.csv"))
    assert len(summary.regions) > 0  # the regions in force, from the exports folder
    assert {p.name: p.resolve() for p in (step / "exports").iterdir() if p.is_symlink()} == links
    after = tables(step)
    assert after.pop("marts.aanlevering") != before.pop("marts.aanlevering")  # its column vandaag at least
    assert after == before
    # TODAY again, for the tests below: the delivery monitor judges that day again, in a quiet run too.
    monkeypatch.setenv("KETENMONITOR_VANDAAG", TODAY)
    lines = []
    assert set(run_pipeline(step, log=lines.append).tables) == {"marts/aanlevering"}
    assert "Nothing new: the delivery monitor and the board only" in lines


def test_a_changed_sql_file_or_definitions_file_forces_a_rebuild_downstream(builds, tmp_path, monkeypatch):
    _, step, _, _ = builds
    monkeypatch.setenv("KETENMONITOR_VANDAAG", TODAY)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(step / "warehouse" / "ketenmonitor.duckdb", copy)
    defs = current_definitions()
    con = duckdb.connect(str(copy))
    try:
        stale, _ = incremental.stale(con, defs)
        assert stale == []
        # A changed SQL file: that model and everything that reads it, nothing else.
        original = incremental.load_sql
        monkeypatch.setattr(
            incremental,
            "load_sql",
            lambda name: original(name) + ("\n-- changed" if name == "modellen/trajecten" else ""),
        )
        stale, _ = incremental.stale(con, defs)
        downstream = {"trajecten"}
        for name, spec in catalog().items():  # dependency order
            if any(dep.split(".")[1] in downstream and dep.startswith("modellen.") for dep in spec.depends_on):
                downstream.add(name)
        assert set(stale) == downstream
        assert "uitstroom" not in stale and "normen" in stale
        monkeypatch.setattr(incremental, "load_sql", original)
        # A changed definitions file: everything.
        changed = defs.model_copy(update={"root": tmp_path / "definitions"})
        shutil.copytree(defs.root, changed.root)
        (changed.root / "normen.yaml").write_text((defs.root / "normen.yaml").read_text() + "\n# changed\n")
        stale, _ = incremental.stale(con, changed)
        assert set(stale) == set(catalog())
    finally:
        con.close()


def test_a_failing_blocking_check_stops_the_exports(builds, tmp_path, monkeypatch):
    """The marts step fails after a failing blocking check, and no export is made from its tables."""
    from pipelines.definitions import ASSETS

    _, step, _, _ = builds
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", TODAY)
    root = tmp_path / "data"
    shutil.copytree(step / "warehouse", root / "warehouse")
    con = duckdb.connect(str(root / "warehouse" / "ketenmonitor.duckdb"))
    try:
        con.execute("INSERT INTO marts.personeel SELECT * FROM marts.personeel LIMIT 1")  # a duplicate key
    finally:
        con.close()
    selection = [k for a in ASSETS for k in a.keys if k.path[0] in ("modellen", "marts", "exports")]
    result = materialize(ASSETS, root, run_config=all_checks_config(), selection=selection)
    assert not result.success
    failed = {
        (e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations() if not e.passed
    }
    assert ("marts/personeel", "sleutel_uniek") in failed
    assert not (root / "exports").exists()
