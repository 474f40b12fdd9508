"""Dagster's own cost of taking in 21 deliveries, in three shapes, with trivial work per delivery.

    python -m benchmarks.dagster_shapes [--deliveries 21] [--repeat 3]

The shapes (each asset in pool "duckdb", as the pipeline's are):

* `partitioned, one run`: an asset over dynamic partitions, one per delivery, with
  `BackfillPolicy.single_run()`, materialised for all partitions in one run (the partition range
  tags a single-run backfill sets);
* `batch asset`: one asset without partitions whose metadata names every delivery (the shape of
  `leveringen` in pipelines/deliveries.py);
* `partitioned, a run each`: the same partitioned asset, one run per partition (the shape before
  issue 15), for reference;
* `ketenmonitor run, idle`: the assets and checks of `ketenmonitor run` (pipelines/definitions.py
  `ASSETS`: five steps, 44 assets, 62 checks), each step doing nothing but report them: what
  Dagster alone costs that run, whatever the deliveries hold.

Each measurement starts from an empty DAGSTER_HOME with the repository's dagster.yaml (SQLite
storage, the pools); registering the dynamic partitions is part of the partitioned shapes' time.
One unmeasured round first pays the one-off costs (building the job); then the median of
`--repeat` rounds, and the number of event log entries the shape wrote. Backs the choice of the
batch asset (docs/benchmark.md, "One run").
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import dagster as dg

warnings.filterwarnings("ignore", category=dg.BetaWarning)  # backfill_policy is beta: not a finding

REPO = Path(__file__).resolve().parents[1]
POOL = "duckdb"  # pipelines.resources.DUCKDB_POOL, without importing the pipeline
PARTITIONS = dg.DynamicPartitionsDefinition(name="levering")
# What a single-run backfill of a partition range tags its run with (Dagster's asset_backfill.py).
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
# As pipelines/run.py: Dagster's console log off, its event log as always.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _work(key: str) -> dict:
    """The trivial work of one delivery: a verdict in the metadata."""
    return {"levering_id": key, "status": "geaccepteerd", "rijen": len(key)}


@dg.asset(partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run(), pool=POOL)
def levering(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    done = [_work(key) for key in context.partition_keys]
    return dg.MaterializeResult(metadata={"deliveries": len(done)})


class Inbox(dg.Config):
    keys: list[str]


@dg.asset(pool=POOL)
def leveringen(config: Inbox) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"leveringen": dg.MetadataValue.json([_work(k) for k in config.keys])})


def _keys(n: int) -> list[str]:
    return [f"GI{i:03d}/gi_maatregelen/2026-10-31.csv" for i in range(1, n + 1)]


def partitioned_one_run(instance: dg.DagsterInstance, keys: list[str]) -> None:
    instance.add_dynamic_partitions(PARTITIONS.name, keys)
    dg.materialize([levering], instance=instance, run_config=QUIET, tags={RANGE_START: keys[0], RANGE_END: keys[-1]})


def batch_asset(instance: dg.DagsterInstance, keys: list[str]) -> None:
    config = QUIET | {"ops": {"leveringen": {"config": {"keys": keys}}}}
    dg.materialize([leveringen], instance=instance, run_config=config)


def partitioned_run_each(instance: dg.DagsterInstance, keys: list[str]) -> None:
    instance.add_dynamic_partitions(PARTITIONS.name, keys)
    for key in keys:
        dg.materialize([levering], instance=instance, run_config=QUIET, partition_key=key)


def _idle(step: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """One step of the pipeline with the same assets and checks, reporting them without work."""
    specs, checks = list(step.specs), list(step.check_specs)

    @dg.multi_asset(name=step.node_def.name, specs=specs, check_specs=checks, pool=POOL)
    def idle():
        for spec in specs:
            yield dg.MaterializeResult(asset_key=spec.key)
        for check in checks:
            yield dg.AssetCheckResult(asset_key=check.asset_key, check_name=check.name, passed=True)

    return idle


def pipeline_idle(instance: dg.DagsterInstance, keys: list[str]) -> None:
    from pipelines.definitions import ASSETS  # the pipeline's own list, imported only for this shape

    dg.materialize([_idle(step) for step in ASSETS], instance=instance, run_config=QUIET)


SHAPES: dict[str, Callable[[dg.DagsterInstance, list[str]], None]] = {
    "partitioned, one run": partitioned_one_run,
    "batch asset": batch_asset,
    "partitioned, a run each": partitioned_run_each,
    "ketenmonitor run, idle": pipeline_idle,
}
PARTITIONED = (partitioned_one_run, partitioned_run_each)


def measure(shape: Callable[[dg.DagsterInstance, list[str]], None], keys: list[str]) -> tuple[float, int, int]:
    """(seconds, runs, event log entries) of one shape in a fresh DAGSTER_HOME."""
    home = Path(tempfile.mkdtemp(prefix="dagster-shapes-"))
    previous = os.environ.get("DAGSTER_HOME")
    try:
        shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
        os.environ["DAGSTER_HOME"] = str(home)
        with dg.DagsterInstance.get() as instance:
            start = time.perf_counter()
            shape(instance, keys)
            seconds = time.perf_counter() - start
            runs = instance.get_runs()
            events = sum(len(instance.all_logs(run.run_id)) for run in runs)
            # The partitioned shapes must have written one materialization per delivery.
            materialized = instance.get_materialized_partitions(levering.key) if shape in PARTITIONED else keys
            assert len(materialized) == len(keys), f"{len(materialized)} of {len(keys)} partitions materialised"
        return seconds, len(runs), events
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=21)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    keys = _keys(args.deliveries)
    for shape in SHAPES.values():
        measure(shape, keys)  # the unmeasured round
    seconds: dict[str, list[float]] = {name: [] for name in SHAPES}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(args.repeat):
        for name, shape in SHAPES.items():  # interleaved: a busy spell on the machine hits every shape
            took, runs, events = measure(shape, keys)
            seconds[name].append(took)
            counts[name] = (runs, events)
    print(f"Dagster {dg.__version__}, {args.deliveries} deliveries, median of {args.repeat}:")
    print(f"{'shape':<26}{'seconds':>9}{'runs':>6}{'events':>8}")
    for name in SHAPES:
        runs, events = counts[name]
        print(f"{name:<26}{statistics.median(seconds[name]):>9.2f}{runs:>6}{events:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
