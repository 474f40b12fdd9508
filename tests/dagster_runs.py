"""Run Dagster steps of the main job on a test data dir, as `ketenmonitor run` does (quietly)."""

from pathlib import Path

import dagster as dg

from pipelines.instance import instance_for
from pipelines.progress import Progress
from pipelines.resources import Warehouse


def resources(root: Path) -> dict:
    """The main job's resources for data dir `root`, with progress lines swallowed."""
    return {"warehouse": Warehouse(data_dir=str(root)), "progress": Progress(lambda _line: None)}


def materialize(assets: list, root: Path, run_config: dict | None = None, **kwargs) -> dg.ExecuteInProcessResult:
    """Materialize `assets` on data dir `root` in its own Dagster instance; failures are returned, not raised."""
    return dg.materialize(
        assets,
        instance=instance_for(root),
        resources=resources(root),
        run_config=run_config,
        raise_on_error=False,
        **kwargs,
    )


def all_checks_config() -> dict:
    """Run config of the marts step that checks every mart again, also those not rebuilt."""
    return {"ops": {"marts": {"config": {"alle_controles": True}}}}
