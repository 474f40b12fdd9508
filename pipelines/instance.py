"""The Dagster instance of a data dir: DAGSTER_HOME is <data dir>/dagster, configured by the repo's dagster.yaml.

The run lock (one `ketenmonitor run` at a time per data dir) is in pipelines/lock.py.
"""

import os
import shutil
from pathlib import Path

import dagster as dg

from sources.paths import dagster_home

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"


def prepare_dagster_home(root: Path) -> Path:
    """Create <data dir>/dagster with a copy of dagster.yaml and point DAGSTER_HOME at it."""
    home = dagster_home(root)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != REPO_DAGSTER_YAML.read_bytes():
        shutil.copyfile(REPO_DAGSTER_YAML, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the runs whose process is gone and free their pool slots; returns their ids.

    A killed `ketenmonitor run` (in-process runs, no daemon to notice) leaves its run STARTED
    holding the one slot of pool "duckdb", and every later run would wait for it forever.
    Only with the local SQLite storage: then every run's process ran on this machine, so a
    pid that no longer exists means a dead run.
    """
    if "sqlite" not in type(instance.run_storage).__name__.lower():
        return []
    storage = instance.event_log_storage
    run_ids: set[str] = set()
    for key in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(key)
        run_ids |= {slot.run_id for slot in info.claimed_slots} | {step.run_id for step in info.pending_steps}
    released = []
    for run_id in sorted(run_ids):
        run = instance.get_run_by_id(run_id)
        events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
        pids = {e.dagster_event.pid for e in events if e.dagster_event and e.dagster_event.pid}
        if run is None or run.is_finished or (pids and not any(_alive(pid) for pid in pids)):
            if run is not None and not run.is_finished:
                instance.report_run_failed(run, "The run's process is gone (killed); its pool slots were freed.")
            storage.free_concurrency_slots_for_run(run_id)
            released.append(run_id)
    return released


def instance_for(root: Path) -> dg.DagsterInstance:
    prepare_dagster_home(root)
    instance = dg.DagsterInstance.get()
    release_dead_runs(instance)
    return instance
