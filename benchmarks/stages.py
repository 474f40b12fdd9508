"""Turn one worker run (its step intervals from the Dagster event log) into per-stage times and peaks.

Stages: `startup` (interpreter, imports, Dagster instance: process start until run_pipeline begins),
`read`, `validate` (the rules on the records, the Great Expectations checkpoints, the Data Docs),
`stage` (archive and typed copy of each delivery, and the staging step: reference data, staging
tables, region history), `marts` (the marts step: every model and mart check), `exports`,
`reports`, and `dagster` (the rest of run_pipeline's wall time: run set-up, the event log, and
what a step does outside the phases it reports, such as hashing the inbox).

The deliveries step (group "deliveries") reports its phases itself in the `timings` metadata of
`leveringen`: phase -> list of [start, end], one pair per delivery taken in (one `gx_open` pair for
opening Great Expectations before the first, one `docs` pair for the Data Docs). The other steps
count whole, by their asset group. A stage the run did not have (no new delivery: no read, no
validate) is absent, not zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.memory import RssSampler

STAGES = ("startup", "read", "validate", "stage", "marts", "exports", "reports", "dagster")
# Asset group -> stage, for the steps that count whole.
GROUP_STAGE = {"staging": "stage", "marts": "marts", "exports": "exports", "reports": "reports"}
PHASE_STAGE = {
    "archive": "stage",
    "read": "read",
    "rules": "validate",
    "gx_open": "validate",  # importing great_expectations and opening its project, once per run
    "gx": "validate",
    "docs": "validate",
    "store": "stage",
}

Interval = tuple[float, float]


@dataclass
class StageTimes:
    wall: float
    seconds: dict[str, float] = field(default_factory=dict)
    intervals: dict[str, list[Interval]] = field(default_factory=dict)
    peak: dict[str, int | None] = field(default_factory=dict)
    peak_total: int | None = None
    dagster_runs: int = 0
    # Dagster step, deliveries phase (`leveringen:<phase>`) or model rebuilt (`marts:<model>`) -> seconds.
    steps: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, start: float, end: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + max(end - start, 0.0)
        self.intervals.setdefault(stage, []).append((start, end))

    def count(self, name: str, seconds: float) -> None:
        self.steps[name] = self.steps.get(name, 0.0) + seconds


def _merged(spans: list[Interval]) -> list[Interval]:
    out: list[list[float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def uncovered(span: Interval, covered: list[Interval]) -> list[Interval]:
    """The parts of `span` that no interval of `covered` overlaps."""
    gaps, cursor = [], span[0]
    for start, end in _merged(covered):
        if end <= cursor:
            continue
        if start >= span[1]:
            break
        if start > cursor:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < span[1]:
        gaps.append((cursor, span[1]))
    return gaps


def _stage_of(groups: list[str]) -> str:
    return next((GROUP_STAGE[g] for g in groups if g in GROUP_STAGE), groups[0] if groups else "other")


def stage_times(report: dict, spawned: float, ended: float, sampler: RssSampler | None) -> StageTimes:
    """Per-stage seconds and peak RSS of one worker run; `spawned`/`ended` are the parent's clock."""
    # Up to the end of run_pipeline: reading the event log back afterwards is the benchmark's own work.
    times = StageTimes(wall=min(ended, report["pipeline_end"]) - spawned, dagster_runs=len(report["runs"]))
    times.add("startup", spawned, report["pipeline_start"])
    for step in report["steps"]:
        name, groups = step["step"], step["groups"]
        times.count(name, step["end"] - step["start"])
        if "deliveries" in groups:
            # Only the phases count as work; the rest of this step is the `dagster` remainder.
            for phase, spans in step["phases"].items():
                for start, end in spans:
                    times.add(PHASE_STAGE.get(phase, "stage"), start, end)
                    times.count(f"{name}:{phase}", end - start)
        else:
            times.add(_stage_of(groups), step["start"], step["end"])
        for model, seconds in step.get("models", {}).items():
            times.count(f"{name}:{model}", seconds)  # the marts step is named `marts`: `marts:<model>`
    # Everything of run_pipeline's wall time that no stage above covers.
    measured = [span for stage, spans in times.intervals.items() if stage != "startup" for span in spans]
    gaps = uncovered((report["pipeline_start"], report["pipeline_end"]), measured)
    times.seconds["dagster"] = sum(b - a for a, b in gaps)
    times.intervals["dagster"] = gaps
    if sampler is not None:
        slack = sampler.interval
        for stage, spans in times.intervals.items():
            times.peak[stage] = sampler.peak([(a - slack, b + slack) for a, b in spans])
        times.peak_total = sampler.peak()
    return times
