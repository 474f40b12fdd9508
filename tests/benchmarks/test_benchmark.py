"""The benchmark script runs end to end at a tiny scale and reports every stage (benchmarks/run.py)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import run as bench  # noqa: E402
from benchmarks.memory import RssSampler  # noqa: E402
from benchmarks.stages import StageTimes, stage_times, uncovered  # noqa: E402


@pytest.mark.slow
def test_benchmark_cold_build_at_demo_scale(tmp_path, capsys):
    out = tmp_path / "bench.json"
    argv = ["--scales", "demo", "--scenarios", "cold", "--repeat", "1", "--snapshots", "1"]
    assert bench.main([*argv, "--cache", str(tmp_path / "cache"), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    cold = result["scales"]["demo"]["scenarios"]["cold"]
    assert result["cores"] >= 1
    assert cold["deliveries"] == 21 and cold["rows"] > 0 and cold["repetitions"] == 1
    # Every stage of the main job is measured.
    assert set(cold["stages"]) == {"startup", "read", "validate", "stage", "marts", "exports", "reports", "dagster"}
    for stage in cold["stages"].values():
        assert stage["seconds"] > 0 and stage["peak_rss_bytes"] > 0
    assert cold["wall_s"] > cold["floor_s"] > 0 and cold["ratio_to_floor"] > 1
    assert cold["peak_rss_bytes"] > 0
    assert cold["dagster_runs"] == 1 and any(k.startswith("marts:") for k in cold["slowest_steps"])
    # The fixed cost: start-up, opening GX (its own phase of the deliveries step) and Dagster's share.
    opening = cold["slowest_steps"]["leveringen:gx_open"]
    assert opening > 0
    parts = cold["stages"]["startup"]["seconds"] + opening + cold["stages"]["dagster"]["seconds"]
    assert abs(cold["fixed_s"] - parts) < 0.02 and cold["fixed_s"] < cold["wall_s"]
    demo = result["scales"]["demo"]
    assert demo["marts_sql_s"] > 0 and demo["marts_sql_peak_rss_bytes"] > 0
    assert list(result["targets"]) == ["demo_cold_wall_s"]
    # The work dirs are removed; the generated cache stays for the next run.
    assert not (tmp_path / "cache" / "work").exists()
    printed = capsys.readouterr().out
    assert "scale demo" in printed and "x floor" in printed and "marts SQL" in printed and "fixed" in printed


def test_fixed_cost_is_the_median_of_start_up_opening_gx_and_dagster():
    runs = [
        StageTimes(
            wall=10.0, seconds={"startup": 1.0, "dagster": 2.0, "marts": 5.0}, steps={"leveringen:gx_open": 3.0}
        ),
        StageTimes(wall=9.0, seconds={"startup": 0.5, "dagster": 1.5, "marts": 6.0}, steps={"leveringen:gx_open": 4.0}),
        # Nothing new: GX is not opened.
        StageTimes(wall=2.0, seconds={"startup": 0.5, "dagster": 0.25}),
    ]
    # Per run 6.0, 6.0 and 0.75 s: the median is 6.0 s.
    assert bench.summarise(runs, 1.0, 1, 10)["fixed_s"] == 6.0


def test_linearity_exponent():
    def scale(rows: int, seconds: float) -> dict:
        return {
            "rows": rows,
            "scenarios": {"cold": {"rows": rows, "wall_s": seconds, "stages": {"read": {"seconds": seconds}}}},
        }

    result = bench.linearity({"small": scale(1_000, 1.0), "large": scale(100_000, 100.0)})
    assert result["between"] == ["small", "large"]
    assert result["cold"]["exponent"] == {"read": 1.0, "wall": 1.0}


def _report(steps: list[dict], start: float, end: float) -> dict:
    return {"pipeline_start": start, "pipeline_end": end, "runs": [{"run_id": "r1"}], "steps": steps}


def _step(name: str, group: str, start: float, end: float, phases=None, models=None) -> dict:
    return {"step": name, "groups": [group], "start": start, "end": end, "phases": phases or {}, "models": models or {}}


def test_stage_times_splits_the_deliveries_step_by_its_phase_intervals():
    phases = {
        "gx_open": [[104.5, 105.0]],
        "archive": [[105.0, 105.5], [107.0, 107.5]],
        "read": [[105.5, 106.0], [107.5, 108.0]],
        "rules": [[106.0, 106.25]],
        "gx": [[106.25, 106.75], [108.0, 108.5]],
        "store": [[106.75, 107.0], [108.5, 109.0]],
        "docs": [[109.0, 109.5]],
    }
    report = _report(
        [
            _step("leveringen", "deliveries", 104.5, 110.0, phases),
            _step("staging", "staging", 110.5, 112.0),
            _step("marts", "marts", 112.0, 116.0, models={"uitstroom": 2.5, "instroom": 0.75}),
            _step("exports", "exports", 116.0, 117.0),
            _step("reports", "reports", 117.0, 119.0),
        ],
        104.0,
        120.0,
    )
    sampler = RssSampler(pid=0)  # never started: the samples are set by hand
    sampler.samples = [(102.0, 100), (105.7, 300), (108.2, 500), (110.0, 250), (113.0, 900), (118.0, 400)]
    times = stage_times(report, 100.0, 121.0, sampler)
    # Spawned at 100, run_pipeline ended at 120: reading the event log after it (to 121) is not the run's.
    assert times.wall == 20.0 and times.dagster_runs == 1
    # read 0.5 + 0.5; validate gx_open 0.5 + rules 0.25 + gx 0.5 + 0.5 + docs 0.5; stage archive 1.0 + store 0.75
    # + staging 1.5.
    assert times.seconds == {
        "startup": 4.0,
        "read": 1.0,
        "validate": 2.25,
        "stage": 3.25,
        "marts": 4.0,
        "exports": 1.0,
        "reports": 2.0,
        # Not covered by any stage: 104-104.5 (run set-up), 109.5-110.5 (end of the deliveries step), 119-120.
        "dagster": 2.5,
    }
    assert times.intervals["dagster"] == [(104.0, 104.5), (109.5, 110.5), (119.0, 120.0)]
    assert times.intervals["read"] == [(105.5, 106.0), (107.5, 108.0)]
    assert times.steps == {
        "leveringen": 5.5,
        "leveringen:gx_open": 0.5,
        "leveringen:archive": 1.0,
        "leveringen:read": 1.0,
        "leveringen:rules": 0.25,
        "leveringen:gx": 1.0,
        "leveringen:store": 0.75,
        "leveringen:docs": 0.5,
        "staging": 1.5,
        "marts": 4.0,
        "marts:uitstroom": 2.5,
        "marts:instroom": 0.75,
        "exports": 1.0,
        "reports": 2.0,
    }
    # No sample falls in a stage interval (50 ms slack) of stage or exports: unknown, not zero.
    assert times.peak == {
        "startup": 100,
        "read": 300,
        "validate": 500,
        "stage": None,
        "marts": 900,
        "exports": None,
        "reports": 400,
        "dagster": 250,
    }
    assert times.peak_total == 900


def test_stage_times_of_a_run_with_nothing_new_has_no_read_or_validate():
    report = _report(
        [
            _step("leveringen", "deliveries", 104.5, 105.0),
            _step("staging", "staging", 105.0, 105.25),
            _step("marts", "marts", 105.25, 105.75),
            _step("exports", "exports", 105.75, 105.875),
            _step("reports", "reports", 105.875, 106.0),
        ],
        104.0,
        106.5,
    )
    times = stage_times(report, 102.0, 107.0, None)
    # The deliveries step reported no phase: its half second is Dagster's remainder with 104-104.5 and 106-106.5.
    assert times.seconds == {
        "startup": 2.0,
        "stage": 0.25,
        "marts": 0.5,
        "exports": 0.125,
        "reports": 0.125,
        "dagster": 1.5,
    }
    assert times.intervals["dagster"] == [(104.0, 105.0), (106.0, 106.5)]
    assert times.peak == {} and times.peak_total is None


def test_uncovered_parts_of_an_interval():
    assert uncovered((0.0, 10.0), []) == [(0.0, 10.0)]
    assert uncovered((0.0, 10.0), [(2.0, 4.0), (3.0, 5.0), (-1.0, 1.0), (9.0, 12.0)]) == [(1.0, 2.0), (5.0, 9.0)]
    assert uncovered((0.0, 10.0), [(0.0, 10.0)]) == []


def _tiny_inbox(root: Path) -> Path:
    inbox = root / "cache" / "demo" / "inbox"
    for key in (
        "JVV/gi_maatregelen/2026-09-30.csv",
        "JVV/gi_maatregelen/2026-10-31.csv",
        "VT_GM/vt_meldingen/2026-10-31.csv",
    ):
        (inbox / key).parent.mkdir(parents=True, exist_ok=True)
        (inbox / key).write_text("a,b\n1,2\n3,4\n")
    return inbox


@pytest.mark.parametrize("scenarios", ["cold,nothing", "nothing"])
def test_nothing_runs_again_on_a_cold_build_and_the_marts_sql_uses_the_first_cold_build(
    tmp_path, monkeypatch, scenarios
):
    inbox = _tiny_inbox(tmp_path)
    calls = []

    def worker(data_dir: Path, today: str) -> StageTimes:
        files = sorted(p.relative_to(data_dir / "inbox").as_posix() for p in (data_dir / "inbox").rglob("*.csv"))
        calls.append(("run", data_dir.name, files, (data_dir / "built").exists()))
        (data_dir / "built").write_text("")  # what a run leaves behind: the next run on this dir sees it
        return StageTimes(wall=2.0, seconds={"startup": 1.0, "dagster": 1.0}, dagster_runs=1)

    def marts_sql(data_dir: Path, today: str) -> dict:
        calls.append(("marts_sql", data_dir.name, (data_dir / "built").exists()))
        return {"seconds": 1.5, "peak_rss_bytes": 3 * bench.MIB, "models": {"a": 1.0, "b": 0.5}}

    monkeypatch.setattr(bench.data, "cached_inbox", lambda *args: inbox)
    monkeypatch.setattr(bench, "run_worker", worker)
    monkeypatch.setattr(bench, "run_marts_sql", marts_sql)
    args = bench.parse_args(["--scales", "demo", "--scenarios", scenarios, "--repeat", "2", "--cache", str(tmp_path)])
    result = bench.bench_scale(args, "demo", log=lambda _line: None)

    latest = ["JVV/gi_maatregelen/2026-10-31.csv", "VT_GM/vt_meldingen/2026-10-31.csv"]
    nothing_calls = [
        ("run", "nothing", latest, False),  # the cold build of its data dir, not measured
        ("run", "nothing", latest, True),
        ("run", "nothing", latest, True),
    ]
    if scenarios == "cold,nothing":
        assert calls == [
            ("run", "cold", latest, False),
            ("marts_sql", "cold", True),  # once per scale, before the cold data dir is removed
            ("run", "cold", latest, False),
            *nothing_calls,
        ]
    else:
        assert calls == [nothing_calls[0], ("marts_sql", "nothing", True), *nothing_calls[1:]]
    nothing = result["scenarios"]["nothing"]
    assert (nothing["deliveries"], nothing["rows"], nothing["repetitions"]) == (0, 0, 2)
    assert nothing["floor_s"] < 0.01 and nothing["ratio_to_floor"] is None
    assert (result["marts_sql_s"], result["marts_sql_peak_rss_bytes"]) == (1.5, 3 * bench.MIB)
    assert result["marts_sql_slowest"] == {"a": 1.0, "b": 0.5}
    assert not (tmp_path / "work").exists()


def test_nothing_is_a_default_scenario():
    assert bench.parse_args([]).scenarios == ["cold", "incremental", "nothing", "history", "demo"]


def test_targets():
    def scenario(wall: float, peak: int | None = None, stages: dict | None = None) -> dict:
        return {"wall_s": wall, "peak_rss_bytes": peak, "stages": stages or {}}

    national = {
        "scenarios": {
            "cold": scenario(30.0, int(1.6 * 1024**3)),
            "incremental": scenario(9.5),
            "nothing": scenario(3.5, stages={"startup": {"seconds": 2.0}, "dagster": {"seconds": 0.75}}),
        }
    }
    demo = {"scenarios": {"cold": scenario(25.5), "demo": scenario(25.0)}}
    result = bench.targets({"national": national, "demo": demo})
    assert {name: (t["value"], t["limit"], t["met"]) for name, t in result.items()} == {
        "cold_wall_s": (30.0, 30.0, True),  # at most the limit: equal meets it
        "cold_peak_bytes": (int(1.6 * 1024**3), int(1.5 * 1024**3), False),
        "incremental_wall_s": (9.5, 10.0, True),
        "nothing_wall_s": (3.5, 3.0, False),
        "nothing_startup_s": (2.0, None, None),
        "nothing_dagster_s": (0.75, None, None),
        "demo_cold_wall_s": (25.5, 25.0, False),
        "demo_command_wall_s": (25.0, 25.0, True),
    }
    # Only what was measured: a demo-only run has the demo target alone.
    assert list(bench.targets({"demo": {"scenarios": {"cold": scenario(20.0)}}})) == ["demo_cold_wall_s"]


def test_the_idle_pipeline_shape_reports_every_asset_and_check_of_ketenmonitor_run():
    import dagster as dg

    from benchmarks.dagster_shapes import pipeline_idle
    from pipelines.definitions import ASSETS

    wanted_assets = {spec.key for step in ASSETS for spec in step.specs}
    wanted_checks = {(check.asset_key, check.name) for step in ASSETS for check in step.check_specs}
    with dg.instance_for_test() as instance:
        pipeline_idle(instance, [])
        [run] = instance.get_runs()
        materialized = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=1000
        ).records
        evaluated = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000
        ).records
    # The five steps' 44 assets and 62 checks (the deliveries' fouten and waarschuwingen, 60 mart checks).
    assert len(wanted_assets) == 44 and len(wanted_checks) == 62
    assert {r.event_log_entry.dagster_event.asset_key for r in materialized} == wanted_assets
    checks = {
        (
            r.event_log_entry.dagster_event.event_specific_data.asset_key,
            r.event_log_entry.dagster_event.event_specific_data.check_name,
        )
        for r in evaluated
    }
    assert checks == wanted_checks


def test_the_demo_scenario_takes_in_what_ketenmonitor_demo_does(tmp_path):
    out = tmp_path / "bench.json"
    argv = ["--scales", "demo", "--scenarios", "demo", "--repeat", "1", "--snapshots", "1"]
    cache = tmp_path / "cache"
    assert bench.main([*argv, "--cache", str(cache), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    demo = result["scales"]["demo"]["scenarios"]["demo"]
    # The demo's 60 files (as `ketenmonitor demo` prints them), cold, in one Dagster run.
    assert demo["deliveries"] == 60 and demo["repetitions"] == 1 and demo["dagster_runs"] == 1
    assert demo["wall_s"] > demo["fixed_s"] > 0
    assert list(result["targets"]) == ["demo_command_wall_s"]
    # Generated as the command does: the defects a month after the last snapshot (end month 2026-10).
    defects = json.loads((cache / "demo-defects-20261124-2026-10" / "defects.json").read_text())
    assert defects["peildatum"] == "2026-10-31" and len(defects["defecten"]) == 18
