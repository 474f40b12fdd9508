"""Turn one worker run (its step intervals from the Dagster event log) into per-stage times and peaks.

Stages: `startup` (interpreter, imports, Dagster instance: process start until run_pipeline begins),
`read`, `validate` (the rules on the records through Great Expectations, plus the Data Docs step),
`stage` (archive, typed copy and registry of each delivery; reference data; staging tables),
`marts` (building blocks, marts, delivery monitor and their checks), `exports`, `reports`, and
`dagster` (the rest of run_pipeline's wall time: launching runs, the event log, steps' own overhead).
A stage the run did not have (reports before that asset group exists) is absent, not zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.memory import RssSampler

STAGES = ("startup", "read", "validate", "stage", "marts", "exports", "reports", "dagster")
# Asset group -> stage. The deliveries group is split by the phases the `levering` step reports.
GROUP_STAGE = {
    "referentie": "stage",
    "staging": "stage",
    "marts": "marts",
    "monitoring": "marts",
    "exports": "exports",
    "reports": "reports",
}
PHASE_STAGE = {"archive": "stage", "read": "read", "rules": "validate", "gx": "validate", "store": "stage"}


@dataclass
class StageTimes:
    wall: float
    seconds: dict[str, float] = field(default_factory=dict)
    intervals: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    peak: dict[str, int | None] = field(default_factory=dict)
    peak_total: int | None = None
    dagster_runs: int = 0
    steps: dict[str, float] = field(default_factory=dict)  # Dagster step (or levering phase) -> seconds

    def add(self, stage: str, start: float, end: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + max(end - start, 0.0)
        self.intervals.setdefault(stage, []).append((start, end))


def stage_times(report: dict, spawned: float, ended: float, sampler: RssSampler | None) -> StageTimes:
    """Per-stage seconds and peak RSS of one worker run; `spawned`/`ended` are the parent's clock."""
    times = StageTimes(wall=ended - spawned, dagster_runs=len(report["runs"]))
    times.add("startup", spawned, report["pipeline_start"])
    for step in report["steps"]:
        groups = step["groups"]
        name = "levering" if step["phases"] else step["step"]
        times.steps[name] = times.steps.get(name, 0.0) + step["end"] - step["start"]
        if "deliveries" in groups and step["phases"]:
            for phase, (start, end) in step["phases"].items():
                times.add(PHASE_STAGE.get(phase, "stage"), start, end)
                times.steps[f"levering:{phase}"] = times.steps.get(f"levering:{phase}", 0.0) + end - start
        elif "deliveries" in groups:
            times.add("validate", step["start"], step["end"])  # the Data Docs step
        else:
            stage = next((GROUP_STAGE[g] for g in groups if g in GROUP_STAGE), groups[0] if groups else "other")
            times.add(stage, step["start"], step["end"])
    measured = sum(s for k, s in times.seconds.items() if k != "startup")
    times.seconds["dagster"] = max(report["pipeline_end"] - report["pipeline_start"] - measured, 0.0)
    times.intervals["dagster"] = [(r["start"], r["end"]) for r in report["runs"] if r["start"] and r["end"]]
    if sampler is not None:
        slack = sampler.interval
        for stage, spans in times.intervals.items():
            times.peak[stage] = sampler.peak([(a - slack, b + slack) for a, b in spans])
        times.peak_total = sampler.peak()
    return times
