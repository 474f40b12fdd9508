"""Benchmark of the main job: cold build, incremental run and history, per stage, against the floor.

    python benchmarks/run.py [--scales demo,national] [--repeat 3] [--history-repeat 1] [--json out.json]

Generates the synthetic deliveries of each scale once into a cache (default
~/.cache/ketenmonitor/bench), then measures, each in a fresh process sampled for memory:

* cold: an empty data dir whose inbox holds each organisation's latest delivery per bron, to
  every mart, export, report and the Data Docs (`run_pipeline`, as `ketenmonitor run` does);
* incremental: one GI's new monthly deliveries on top of a data dir built with the month before;
* history: every delivery of every month processed (what a change of definitions version does);
* the floor: DuckDB reading the same files once with a count.

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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script: `python benchmarks/run.py`

from benchmarks import data  # noqa: E402
from benchmarks.floor import read_floor  # noqa: E402
from benchmarks.memory import RssSampler  # noqa: E402
from benchmarks.stages import STAGES, StageTimes, stage_times  # noqa: E402

SCENARIOS = ("cold", "incremental", "history")
DEFAULT_CACHE = Path.home() / ".cache" / "ketenmonitor" / "bench"
MIB = 1024 * 1024
TARGETS = {"cold_wall_s": 60.0, "cold_peak_bytes": 2 * 1024**3, "incremental_wall_s": 15.0, "validate_share": 0.35}


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
    return {
        "deliveries": deliveries,
        "rows": rows,
        "repetitions": len(runs),
        "wall_s": round(wall, 3),
        "walls_s": [round(r.wall, 3) for r in runs],
        "peak_rss_bytes": _median([r.peak_total for r in runs]),
        "dagster_runs": runs[0].dagster_runs,
        "floor_s": round(floor_s, 3),
        "ratio_to_floor": round(wall / floor_s, 1) if floor_s > 0 else None,
        "stages": stages,
        # Where the time goes, for profiling: the slowest Dagster steps (summed per step) of the first run.
        "slowest_steps": {k: round(v, 2) for k, v in sorted(runs[0].steps.items(), key=lambda kv: -kv[1])[:12]},
    }


def bench_scale(args: argparse.Namespace, scale: str, log) -> dict:
    inbox = data.cached_inbox(args.cache, scale, args.seed, args.end_month, args.snapshots)
    items = data.deliveries(inbox)
    today = _today_after(args.end_month)
    work = args.cache / "work" / scale
    gi = data.incremental_gi(items)
    sets = {
        "cold": data.latest(items),
        "incremental": [d for d in data.latest(items) if d.organisatie_code == gi],
        "history": items,
    }
    counts = read_floor(items).rows
    result: dict = {"deliveries": len(items), "rows": sum(counts.values()), "incremental_gi": gi, "scenarios": {}}
    for scenario in args.scenarios:
        chosen = sets[scenario]
        repeat = args.history_repeat if scenario == "history" else args.repeat
        if scenario == "incremental":
            base = _fresh(work / "incremental-base")
            data.link_into(base, data.latest(items, skip_last_of=gi))
            log(f"{scale}: building the base of the incremental run (not measured) ...")
            run_worker(base, today)
        runs, floors = [], []
        for i in range(repeat):
            target = work / scenario
            if scenario == "incremental":
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(work / "incremental-base", target, symlinks=True)
            else:
                _fresh(target)
            data.link_into(target, chosen)
            floors.append(read_floor(chosen).seconds)
            log(f"{scale}: {scenario} {i + 1}/{repeat}: {len(chosen)} deliveries ...")
            runs.append(run_worker(target, today))
            log(f"    {runs[-1].wall:.1f} s")
            if not args.keep:
                shutil.rmtree(target, ignore_errors=True)
        result["scenarios"][scenario] = summarise(
            runs, statistics.median(floors), len(chosen), data.rows_of(chosen, counts)
        )
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
    national = scales.get("national", {}).get("scenarios", {})
    cold, incremental = national.get("cold"), national.get("incremental")
    out: dict = {}
    if cold:
        validate = cold["stages"].get("validate", {}).get("seconds", 0.0)
        out["cold_wall_s"] = {"value": cold["wall_s"], "limit": TARGETS["cold_wall_s"]}
        out["cold_peak_bytes"] = {"value": cold["peak_rss_bytes"], "limit": TARGETS["cold_peak_bytes"]}
        out["validate_share"] = {"value": round(validate / cold["wall_s"], 3), "limit": TARGETS["validate_share"]}
    if incremental:
        out["incremental_wall_s"] = {"value": incremental["wall_s"], "limit": TARGETS["incremental_wall_s"]}
        startup = incremental["stages"].get("startup", {}).get("seconds")
        dagster = incremental["stages"].get("dagster", {}).get("seconds")
        out["incremental_startup_s"] = {"value": startup, "limit": None}
        out["incremental_dagster_overhead_s"] = {"value": dagster, "limit": None}
    for target in out.values():
        limit, value = target["limit"], target["value"]
        target["met"] = None if limit is None or value is None else value < limit
    return out


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
            row("x floor", lambda v: f"{v['ratio_to_floor']}x"),
            row("deliveries", lambda v: f"{v['deliveries']} ({v['rows']:,} rec)"),
            row("repetitions", lambda v: f"{v['repetitions']} ({v['dagster_runs']} Dagster runs)"),
        ]
    if result["linearity"]:
        small, large = result["linearity"]["between"]
        lines += ["", f"growth exponent k (time ~ records^k) from {small} to {large}; k <= 1: at most linear"]
        for scenario, info in result["linearity"].items():
            if scenario == "between":
                continue
            parts = ", ".join(f"{stage} {k}" for stage, k in info["exponent"].items())
            lines.append(f"  {scenario} ({info['rows'][0]:,} -> {info['rows'][1]:,} records): {parts}")
    if result["targets"]:
        lines += ["", "targets (national):"]
        for name, t in result["targets"].items():
            met = {True: "met", False: "NOT met", None: "(reported)"}[t["met"]]
            lines.append(f"  {name}: {t['value']} (limit {t['limit']}) {met}")
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
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of cold and incremental (median)")
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
