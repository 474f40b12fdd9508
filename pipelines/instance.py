"""The Dagster instance of a data dir: DAGSTER_HOME is <data dir>/dagster, configured by the repo's dagster.yaml.

And the run lock: one `ketenmonitor run` at a time per data dir.
"""

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg

from sources.paths import dagster_home, run_lock_path

try:
    import fcntl
except ImportError:  # not on Windows: no run lock there
    fcntl = None

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


def _holder(fh) -> str:
    """Who holds the run lock, as its holder wrote it ("<pid> <start time>"), waiting briefly for it."""
    for _ in range(20):
        fh.seek(0)
        text = fh.read().split(maxsplit=1)
        if len(text) == 2:
            return f"the run started at {text[1].strip()} (pid {text[0]})"
        time.sleep(0.1)
    return "another run"


@contextmanager
def run_lock(root: Path, log: Callable[[str], None] = print) -> Iterator[None]:
    """Hold `<data dir>/.ketenmonitor.lock` for the duration of one run; wait while another run holds it.

    Two runs on one data dir would fight over the DuckDB file (one writer at a time) and the
    Dagster pool slot. The lock is an flock: the operating system releases it when the process
    ends, also when it is killed, so a dead run never leaves a stale lock.
    """
    if fcntl is None:
        yield
        return
    path = run_lock_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"Waiting for {_holder(fh)} to finish (lock {path}) ...")
            fcntl.flock(fh, fcntl.LOCK_EX)
            log("... it finished; this run starts.")
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {datetime.now().astimezone().isoformat(sep=' ', timespec='seconds')}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
