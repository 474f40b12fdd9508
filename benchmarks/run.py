"""Benchmark of the main job: cold build, incremental run, nothing new and history, per stage, against the floor.

    python benchmarks/run.py [--scales demo,national] [--repeat 3] [--history-repeat 1] [--json out.json]

Generates the synthetic deliveries of each scale once into a cache (default
~/.cache/ketenmonitor/bench), then measures, each in a fresh process sampled for memory:

* cold: an empty data dir whose inbox holds each organisation's latest delivery per bron, to
  every mart, export, report and the Data Docs (`run_pipeline`, as `ketenmonitor run` does);
* incremental: one GI's new monthly deliveries on top of a data dir built with the month before;
* nothing: `run_pipeline` again on a data dir built cold, nothing in its inbox changed;
* history: every delivery of every month processed (what a change of definitions version does);
* demo (demo scale only): what `ketenmonitor demo` takes in, cold: the demo deliveries with the
  ones that break named contract rules (60 files, 17 rejected on purpose);
* the floor: DuckDB reading the same files once with a count;
* the marts' SQL alone: every model built on one DuckDB connection to a copy of a cold build's
  warehouse (benchmarks/marts_sql.py), without Dagster: what no faster design can skip.

Prints a table per scale and one JSON document with the medians; see docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script: `python benchmarks/run.py`

from benchmarks import data  # noqa: E402
from benchmarks.floor import read_floor  # noqa: E402
from benchmarks.memory import RssSampler  # noqa: E402
from benchmarks.stages import STAGES, StageTimes, stage_times  # noqa: E402
from sources.paths import warehouse_path  # noqa: E402

SCENARIOS = ("cold", "incremental", "nothing", "history", "demo")
DEFAULT_CACHE = Path.home() / ".cache" / "ketenmonitor" / "bench"
MIB = 1024 * 1024
GIB = 1024**3
# Upper limits (a value equal to its limit meets it); national scale unless the name says demo.
TARGETS = {
    "cold_wall_s": 30.0,
    "cold_peak_bytes": int(1.5 * GIB),
    "incremental_wall_s": 10.0,
    "nothing_wall_s": 3.0,
    "demo_cold_wall_s": 25.0,
    # `ketenmonitor demo` after generation (issue 15): the demo scale's scenario "demo".
    "demo_command_wall_s": 25.0,
}


def _today_after(end_month: str) -> str:
    """A "today" ten days after the last peildatum, so the delivery monitor judges the same day every run."""
    year, month = (int(p) for p in end_month.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-10"


def run_worker(data_dir: Path, today: str) -> StageTimes:
    """One `run_pipeline` in a fresh process, its memory sampled; raises when the run failed."""
    out = data_dir / "benchmark-run.json"
    env = os.environ | {"PYTHONPATH": str(REPO), "KETENMONITOR_VANDAAG": today}
    spawned = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.worker", str(data_dir), str(out)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with RssSampler(process.pid) as sampler:
        output, _ = process.communicate()
    ended = time.time()
    if process.returncode != 0 or not out.is_file():
        raise RuntimeError(f"the run in {data_dir} failed (exit {process.returncode}):\n{output[-3000:]}")
    report = json.loads(out.read_text())
    return stage_times(report, spawned, ended, sampler)


def run_marts_sql(data_dir: Path, today: str) -> dict:
    """The marts' SQL alone on a copy of data_dir's warehouse, in a fresh process: seconds, peak RSS, per model."""
    source = warehouse_path(data_dir)
    with tempfile.TemporaryDirectory(prefix="marts-sql-") as tmp:
        copy = Path(tmp) / source.name
        shutil.copyfile(source, copy)
        wal = source.with_name(source.name + ".wal")
        if wal.is_file():  # normally checkpointed at close; copied so the copy holds what the run wrote
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        env = os.environ | {"PYTHONPATH": str(REPO), "KETENMONITOR_VANDAAG": today}
        process = subprocess.run(
            [sys.executable, "-m", "benchmarks.marts_sql", str(copy)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
    if process.returncode != 0:
        raise RuntimeError(f"the marts SQL on {source} failed:\n{(process.stdout + process.stderr)[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarise(runs: list[StageTimes], floor_s: float, deliveries: int, rows: int) -> dict:
    """Medians over the repetitions; a stage absent from every run is left out (printed as "-")."""
    stages = {}
    for stage in STAGES:
        seconds = [r.seconds[stage] for r in runs if stage in r.seconds]
        if seconds:
            stages[stage] = {
                "seconds": round(statistics.median(seconds), 3),
                "peak_rss_bytes": _median([r.peak.get(stage) for r in runs]),
            }
    wall = statistics.median(r.wall for r in runs)
    # What a run pays whatever its deliveries hold: the interpreter and imports, importing and opening
    # Great Expectations (only with something new), and Dagster's own share of the run.
    fixed = statistics.median(
        r.seconds.get("startup", 0.0) + r.steps.get("leveringen:gx_open", 0.0) + r.seconds.get("dagster", 0.0)
        for r in runs
    )
    return {
        "deliveries": deliveries,
        "rows": rows,
        "repetitions": len(runs),
        "wall_s": round(wall, 3),
        "walls_s": [round(r.wall, 3) for r in runs],
        "peak_rss_bytes": _median([r.peak_total for r in runs]),
        "dagster_runs": runs[0].dagster_runs,
        "floor_s": round(floor_s, 3),
        "fixed_s": round(fixed, 3),
        # Nothing to read (the nothing-new run): no floor to compare with.
        "ratio_to_floor": round(wall / floor_s, 1) if floor_s > 0 and deliveries else None,
        "stages": stages,
        # Where the time goes, for profiling, in the first run: the steps, the deliveries step's phases
        # (`leveringen:<phase>`) and the models the marts step rebuilt (`marts:<model>`).
        "slowest_steps": {k: round(v, 2) for k, v in sorted(runs[0].steps.items(), key=lambda kv: -kv[1])[:16]},
    }


def _marts_sql(result: dict, data_dir: Path, today: str, scale: str, log) -> None:
    """Measure the marts' SQL alone once per scale, on the first cold build (its data dir still there)."""
    if "marts_sql_s" in result:
        return
    log(f"{scale}: the marts' SQL alone on a copy of the cold build's warehouse ...")
    sql = run_marts_sql(data_dir, today)
    slowest = sorted(sql["models"].items(), key=lambda kv: -kv[1])[:8]
    result |= {
        "marts_sql_s": sql["seconds"],
        "marts_sql_peak_rss_bytes": sql["peak_rss_bytes"],
        "marts_sql_slowest": dict(slowest),
    }
    log(f"    {sql['seconds']:.1f} s")


def bench_scale(args: argparse.Namespace, scale: str, log) -> dict:
    inbox = data.cached_inbox(args.cache, scale, args.seed, args.end_month, args.snapshots)
    items = data.deliveries(inbox)
    today = _today_after(args.end_month)
    work = args.cache / "work" / scale
    gi = data.incremental_gi(items)
    latest = data.latest(items)
    # The deliveries each scenario's measured run takes in: "nothing" takes in none.
    sets = {
        "cold": latest,
        "incremental": [d for d in latest if d.organisatie_code == gi],
        "nothing": [],
        "history": items,
    }
    counts = read_floor(items).rows
    if "demo" in args.scenarios and scale == "demo":
        # Its own inbox, copied whole: the deliveries broken on purpose must arrive as generated.
        demo_inbox = data.cached_demo_inbox(args.cache, args.seed, args.end_month)
        sets["demo"] = data.deliveries(demo_inbox)
        # Keyed apart: its files have the same inbox names as cached ones, with other contents.
        demo_counts = read_floor(sets["demo"]).rows
    result: dict = {"deliveries": len(items), "rows": sum(counts.values()), "incremental_gi": gi, "scenarios": {}}
    for scenario in args.scenarios:
        if scenario not in sets:
            log(f"{scale}: scenario {scenario} is measured at scale demo only")
            continue
        chosen = sets[scenario]
        repeat = args.history_repeat if scenario == "history" else args.repeat
        target = work / scenario
        if scenario == "incremental":
            base = _fresh(work / "incremental-base")
            data.link_into(base, data.latest(items, skip_last_of=gi))
            log(f"{scale}: building the base of the incremental run (not measured) ...")
            run_worker(base, today)
        elif scenario == "nothing":
            # Every measured run repeats on this one data dir: after the first, nothing is new either.
            data.link_into(_fresh(target), latest)
            log(f"{scale}: building the data dir of the nothing-new run, cold (not measured) ...")
            run_worker(target, today)
            if "cold" not in args.scenarios:
                _marts_sql(result, target, today, scale, log)
        runs, floors = [], []
        for i in range(repeat):
            if scenario == "incremental":
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(work / "incremental-base", target, symlinks=True)
            elif scenario != "nothing":
                _fresh(target)
            if scenario == "demo":
                data.copy_inbox(target, demo_inbox)
            else:
                data.link_into(target, chosen)
            floors.append(read_floor(chosen).seconds)
            log(f"{scale}: {scenario} {i + 1}/{repeat}: {len(chosen)} new deliveries ...")
            runs.append(run_worker(target, today))
            log(f"    {runs[-1].wall:.1f} s")
            if scenario == "cold":
                _marts_sql(result, target, today, scale, log)
            if not args.keep and scenario != "nothing":
                shutil.rmtree(target, ignore_errors=True)
        rows = data.rows_of(chosen, demo_counts if scenario == "demo" else counts)
        result["scenarios"][scenario] = summarise(runs, statistics.median(floors), len(chosen), rows)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            work.parent.rmdir()  # only when no other scale's work is left
    return result


def linearity(scales: dict) -> dict:
    """Per scenario and stage: the exponent k in time ~ rows^k between the smallest and largest scale.

    k <= 1 means the stage grows at most linearly; fixed costs (start-up) make k well below 1.
    """
    if len(scales) < 2:
        return {}
    ordered = sorted(scales.items(), key=lambda kv: kv[1]["rows"])
    (small_name, small), (large_name, large) = ordered[0], ordered[-1]
    out: dict = {"between": [small_name, large_name]}
    for scenario, big in large["scenarios"].items():
        little = small["scenarios"].get(scenario)
        if not little or little["rows"] == big["rows"]:
            continue
        ratio = math.log(big["rows"] / little["rows"])
        per_stage = {}
        for stage, value in big["stages"].items():
            before = little["stages"].get(stage, {}).get("seconds")
            if before and value["seconds"] > 0:
                per_stage[stage] = round(math.log(value["seconds"] / before) / ratio, 2)
        per_stage["wall"] = round(math.log(big["wall_s"] / little["wall_s"]) / ratio, 2)
        out[scenario] = {"rows": [little["rows"], big["rows"]], "exponent": per_stage}
    return out


def targets(scales: dict) -> dict:
    """Every target of `TARGETS` whose scale and scenario were measured, with its value and whether it is met."""
    national = scales.get("national", {}).get("scenarios", {})
    demo = scales.get("demo", {}).get("scenarios", {})
    cold, incremental, nothing = national.get("cold"), national.get("incremental"), national.get("nothing")
    out: dict = {}
    if cold:
        out["cold_wall_s"] = {"value": cold["wall_s"], "limit": TARGETS["cold_wall_s"]}
        out["cold_peak_bytes"] = {"value": cold["peak_rss_bytes"], "limit": TARGETS["cold_peak_bytes"]}
    if incremental:
        out["incremental_wall_s"] = {"value": incremental["wall_s"], "limit": TARGETS["incremental_wall_s"]}
    if nothing:
        out["nothing_wall_s"] = {"value": nothing["wall_s"], "limit": TARGETS["nothing_wall_s"]}
        # Reported: how much of "nothing new" is the fixed cost of Python, Dagster and the run.
        for stage in ("startup", "dagster"):
            value = nothing["stages"].get(stage, {}).get("seconds")
            out[f"nothing_{stage}_s"] = {"value": value, "limit": None}
    if demo.get("cold"):
        out["demo_cold_wall_s"] = {"value": demo["cold"]["wall_s"], "limit": TARGETS["demo_cold_wall_s"]}
    if demo.get("demo"):
        out["demo_command_wall_s"] = {"value": demo["demo"]["wall_s"], "limit": TARGETS["demo_command_wall_s"]}
    for target in out.values():
        limit, value = target["limit"], target["value"]
        target["met"] = None if limit is None or value is None else value <= limit
    return out


def _target_value(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / GIB:.2f} GiB" if name.endswith("_bytes") else f"{value:.2f} s"


def _cell(stage: dict | None) -> str:
    if not stage:
        return "-"
    peak = stage.get("peak_rss_bytes")
    return f"{stage['seconds']:7.2f} s {peak / MIB:6.0f} MiB" if peak else f"{stage['seconds']:7.2f} s      - MiB"


def format_table(result: dict) -> str:
    lines = [f"Ketenmonitor benchmark: {result['cores']} cores, {result['memory_gib']:.0f} GiB, medians of repetitions"]
    for scale, info in result["scales"].items():
        scenarios = info["scenarios"]
        lines += ["", f"scale {scale}: {info['deliveries']} deliveries, {info['rows']:,} records in the cache"]
        header = f"{'stage':<12}" + "".join(f"{s:>24}" for s in scenarios)
        lines += [header, "-" * len(header)]
        for stage in STAGES:
            lines.append(f"{stage:<12}" + "".join(f"{_cell(v['stages'].get(stage)):>24}" for v in scenarios.values()))
        lines.append("-" * len(header))

        def row(label: str, fmt, scenarios: dict = scenarios) -> str:
            return f"{label:<12}" + "".join(f"{fmt(v):>24}" for v in scenarios.values())

        lines += [
            row("wall", lambda v: f"{v['wall_s']:7.2f} s {(v['peak_rss_bytes'] or 0) / MIB:6.0f} MiB"),
            row("floor", lambda v: f"{v['floor_s']:7.2f} s"),
            row("fixed", lambda v: f"{v['fixed_s']:7.2f} s"),
            row("x floor", lambda v: f"{v['ratio_to_floor']}x" if v["ratio_to_floor"] else "-"),
            row("deliveries", lambda v: f"{v['deliveries']} new ({v['rows']:,} rec)"),
            row("repetitions", lambda v: f"{v['repetitions']} ({v['dagster_runs']} Dagster runs)"),
        ]
        lines.append(
            "fixed       start-up + opening Great Expectations + Dagster's own share: what the run pays "
            "whatever its deliveries hold"
        )
        if "marts_sql_s" in info:
            peak = info["marts_sql_peak_rss_bytes"]
            lines.append(
                f"marts SQL   {info['marts_sql_s']:.2f} s, {peak / MIB:.0f} MiB peak: every model on one DuckDB "
                "connection to a copy of the cold build's warehouse (the work no faster design can skip)"
            )
    if result["linearity"]:
        small, large = result["linearity"]["between"]
        lines += ["", f"growth exponent k (time ~ records^k) from {small} to {large}; k <= 1: at most linear"]
        for scenario, info in result["linearity"].items():
            if scenario == "between":
                continue
            parts = ", ".join(f"{stage} {k}" for stage, k in info["exponent"].items())
            lines.append(f"  {scenario} ({info['rows'][0]:,} -> {info['rows'][1]:,} records): {parts}")
    if result["targets"]:
        lines += ["", "targets (national unless named demo; at most the limit):"]
        for name, t in result["targets"].items():
            value = _target_value(name, t["value"])
            if t["limit"] is None:
                lines.append(f"  {name}: {value} (reported)")
            else:
                met = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
                lines.append(f"  {name}: {value} (limit {_target_value(name, t['limit'])}) {met}")
    return "\n".join(lines)


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="demo,national", help="comma-separated: demo, national")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated: " + ", ".join(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of cold, incremental, nothing (median)")
    parser.add_argument("--history-repeat", type=int, default=1, help="repetitions of history (minutes each)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated data and work dirs")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--end-month", default="2026-10")
    parser.add_argument("--snapshots", type=int, default=12, help="monthly snapshots per organisation and bron")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the last data dir of every scenario")
    args = parser.parse_args(argv)
    args.scales = [s for s in args.scales.split(",") if s]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def benchmark(args: argparse.Namespace, log=print) -> dict:
    """Measure every scale and scenario of `args`; the JSON-able result."""
    scales = {scale: bench_scale(args, scale, log) for scale in args.scales}
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_gib(), 1),
        "python": sys.version.split()[0],
        "settings": {
            "seed": args.seed,
            "end_month": args.end_month,
            "snapshots": args.snapshots,
            "repeat": args.repeat,
            "history_repeat": args.history_repeat,
        },
        "scales": scales,
        "linearity": linearity(scales),
        "targets": targets(scales),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = benchmark(args, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_table(result))
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
