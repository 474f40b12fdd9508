"""Peak memory of a process tree: RSS of a process and all its descendants, sampled from /proc.

Linux only (the benchmark machine); without /proc the sampler records nothing and the peaks
are reported as unknown rather than as zero.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name may hold spaces and parentheses: the fields start after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * PAGE


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children = _children_map()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_rss(pid: int, tree: list[int] | None = None) -> int:
    """Resident memory in bytes of `pid` and every descendant (or of the processes in `tree`)."""
    return sum(_rss(p) for p in (tree if tree is not None else descendants(pid)))


class RssSampler:
    """Samples the RSS of a process tree every `interval` seconds in a thread: (wall time, bytes) pairs."""

    # Walking all of /proc for new children costs CPU that the measured run wants on a 2-core
    # machine: the process tree is refreshed every `refresh` seconds, the RSS read every `interval`.
    def __init__(self, pid: int, interval: float = 0.05, refresh: float = 1.0) -> None:
        self.pid = pid
        self.interval = interval
        self.refresh = refresh
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        tree, refreshed = [self.pid], 0.0
        while not self._stop.is_set():
            if time.monotonic() - refreshed > self.refresh:
                tree, refreshed = descendants(self.pid), time.monotonic()
            rss = tree_rss(self.pid, tree)
            if rss:
                self.samples.append((time.time(), rss))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        if Path("/proc").is_dir():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def peak(self, intervals: list[tuple[float, float]] | None = None) -> int | None:
        """The highest sample (within `intervals` when given); None when no sample falls there."""
        if intervals is None:
            values = [rss for _, rss in self.samples]
        else:
            values = [rss for t, rss in self.samples if any(a <= t <= b for a, b in intervals)]
        return max(values) if values else None
