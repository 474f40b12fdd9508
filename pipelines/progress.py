"""Progress lines on the console: one per step with its elapsed time, one per delivery taken in.

The steps call a `Progress` resource. `ketenmonitor run` gives one that prints; under the
Dagster UI (a sensor, the schedule) the default one writes to the step's log instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    """Says what the steps do, as they do it."""

    def __init__(self, log: Callable[[str], None] = print) -> None:
        self._log = log
        self.started = time.monotonic()
        # What the deliveries step took in, as it is (the run summary names files by their own names;
        # the event log holds them only as safe_text shows them).
        self.intake = None

    def line(self, text: str) -> None:
        self._log(text)

    def step(self, name: str, started: float, detail: str) -> None:
        """`<name>: <detail> (<seconds> s)`: a step is done."""
        self._log(f"{name}: {detail} ({time.monotonic() - started:.1f} s)")
