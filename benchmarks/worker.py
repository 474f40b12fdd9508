"""One measured run of the main job, in its own process: `python -m benchmarks.worker DATA_DIR OUT.json`.

Runs `pipelines.run.run_pipeline` on DATA_DIR (exactly what `ketenmonitor run` does: one Dagster
run of five steps, or none when there is nothing to do), then reads back from the Dagster event
log when every step of the run began and ended, which asset group each step built, the phases
the deliveries step reports (`timings`) and the seconds of every model the marts step rebuilt.
The parent process (benchmarks/run.py) samples this process's memory and turns the intervals
into per-stage times and peaks.
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.time()  # before the heavy imports: the start-up cost is part of what we measure

from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

# As `ketenmonitor run` does: Dagster is imported only when there is a run to make (a run with
# nothing to do never imports it); the event log is read after the measured run.
from pipelines.run import run_pipeline  # noqa: E402

IMPORTED = time.time()


def _group_of(graph, key) -> str:
    # An asset this module's Definitions do not know (yet) is grouped by the first part of its key.
    try:
        return graph.get(key).group_name or key.path[0]
    except Exception:  # noqa: BLE001 - any lookup failure means "unknown asset"
        return key.path[0]


def collect_steps(root: Path, since: float) -> tuple[list[dict], list[dict]]:
    """(runs, steps) of every run created since `since`: run intervals; per step its interval, asset
    groups, phases (phase -> [[start, end], ...]) and rebuilt models (name -> seconds)."""
    import dagster as dg

    from pipelines.definitions import defs as dagster_definitions
    from pipelines.instance import instance_for

    instance = instance_for(root)
    events = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    graph = dagster_definitions.resolve_asset_graph()
    after = datetime.fromtimestamp(since - 1, tz=UTC)
    records = instance.get_run_records(filters=dg.RunsFilter(created_after=after))
    runs, steps = [], []
    for record in records:
        run_id = record.dagster_run.run_id
        stats = instance.get_run_stats(run_id)
        runs.append({"run_id": run_id, "start": stats.start_time, "end": stats.end_time})
        groups: dict[str, set[str]] = {}
        phases: dict[str, dict] = {}
        models: dict[str, dict[str, float]] = {}
        for entry in instance.all_logs(run_id, of_type=events):
            event = entry.dagster_event
            key = event.asset_key if event.asset_key else None
            if key is None or event.step_key is None:
                continue
            groups.setdefault(event.step_key, set()).add(_group_of(graph, key))
            if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                meta = event.step_materialization_data.materialization.metadata
                if "timings" in meta:
                    phases[event.step_key] = meta["timings"].value
                # The marts step reports every model; only a rebuilt one has `seconds`.
                if "seconds" in meta and meta.get("rebuilt") and meta["rebuilt"].value:
                    models.setdefault(event.step_key, {})[key.path[-1]] = float(meta["seconds"].value)
        for step in instance.get_run_step_stats(run_id):
            if step.start_time is None or step.end_time is None:
                continue
            steps.append(
                {
                    "run_id": run_id,
                    "step": step.step_key,
                    "groups": sorted(groups.get(step.step_key, set())),
                    "start": step.start_time,
                    "end": step.end_time,
                    "phases": phases.get(step.step_key, {}),
                    "models": models.get(step.step_key, {}),
                }
            )
    return runs, steps


def main(argv: list[str]) -> int:
    root, out = Path(argv[0]), Path(argv[1])
    begun = time.time()
    summary = run_pipeline(root, log=lambda _line: None)
    finished = time.time()
    runs, steps = collect_steps(root, begun)
    out.write_text(
        json.dumps(
            {
                "started": STARTED,
                "imported": IMPORTED,
                "pipeline_start": begun,
                "pipeline_end": finished,
                "accepted": len(summary.accepted),
                "quarantined": len(summary.quarantined),
                "unchanged": len(summary.unchanged),
                "failed": summary.failed_steps + summary.failed_checks,
                "runs": runs,
                "steps": steps,
            },
            indent=1,
        )
    )
    return 0 if not (summary.failed_steps or summary.failed_checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
