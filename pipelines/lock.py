"""The run lock: one `ketenmonitor run` (or `opschonen`) at a time per data dir.

Apart from the Dagster instance (pipelines/instance.py) so that a run with nothing to do,
which takes the lock too, never imports Dagster.
"""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sources.paths import run_lock_path

try:
    import fcntl
except ImportError:  # not on Windows: no run lock there
    fcntl = None


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
