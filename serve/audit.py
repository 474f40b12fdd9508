"""The export server's audit log and its limit on failed token attempts.

Every request, served or refused, is one line of JSON appended to `<data dir>/toegang/audit.jsonl`:
time, client address, method, path, status, bytes sent, and, once the token is known, the
jeugdregio, the token's id and label; a refusal says why (`reden`), a served file from which
publication (`versie`). The board reads it with DuckDB: `SELECT * FROM read_json('audit.jsonl')`.

Failed token attempts (an unknown or revoked token) are counted per client address over a
sliding window; an address past the limit is answered 429 until its oldest failure in the window
ages out. Behind a reverse proxy the address is the one the proxy forwards (uvicorn's
--forwarded-allow-ips decides which proxies are believed).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

# A path as logged is cut to this many characters: a long probe must not bloat the log.
MAX_PATH = 300


class AuditLog:
    """Append-only JSON lines; one write per request, so lines never interleave."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    def write(self, **fields) -> None:
        record = {"tijd": datetime.now(UTC).isoformat(timespec="milliseconds"), **fields}
        if isinstance(record.get("pad"), str):
            record["pad"] = record["pad"][:MAX_PATH]
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)


def read_audit(path: Path) -> list[dict]:
    """The audit log as a list of records (for tests and a quick look)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line]


class FailureLimit:
    """At most `max_failures` failed token attempts per address in `window` seconds."""

    def __init__(self, max_failures: int, window: float, clock=time.monotonic):
        if max_failures < 1 or window <= 0:
            raise ValueError("the failure limit needs max_failures >= 1 and a window > 0 seconds")
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.get(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(address, None)
        return failures

    def blocked_for(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it is not blocked."""
        with self._lock:
            now = self._clock()
            failures = self._recent(address, now)
            if len(failures) < self.max_failures:
                return 0.0
            return failures[-self.max_failures] + self.window - now

    def fail(self, address: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent(address, now)
            self._failures.setdefault(address, deque()).append(now)
            # Forget addresses whose failures all aged out, so the table stays small.
            if len(self._failures) > 10_000:
                for other in list(self._failures):
                    self._recent(other, now)


__all__ = ["AuditLog", "FailureLimit", "read_audit"]
