"""Where things live under the data dir (docs/contract.md sections 1, 5 and 6)."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "KETENMONITOR_DATA_DIR"


def data_dir(override: Path | str | None = None) -> Path:
    """The data dir: the argument, else $KETENMONITOR_DATA_DIR, else ./data."""
    if override is not None:
        return Path(override).resolve()
    return Path(os.environ.get(DATA_DIR_ENV, "data")).resolve()


def inbox_dir(root: Path) -> Path:
    return root / "inbox"


def archive_dir(root: Path) -> Path:
    return root / "archive"


def warehouse_path(root: Path) -> Path:
    return root / "warehouse" / "ketenmonitor.duckdb"


def exports_dir(root: Path) -> Path:
    return root / "exports"


def reports_dir(root: Path) -> Path:
    return root / "reports"


def dagster_home(root: Path) -> Path:
    return root / "dagster"


def run_lock_path(root: Path) -> Path:
    """The lock a `ketenmonitor run` holds while it runs (pipelines/lock.py)."""
    return root / ".ketenmonitor.lock"


def toegang_dir(root: Path) -> Path:
    """Who may read the region exports over HTTPS (`ketenmonitor toegang`, `ketenmonitor serve`)."""
    return root / "toegang"


def tokens_path(root: Path) -> Path:
    """The region tokens: only their sha256, with region, label and dates (serve/toegang.py)."""
    return toegang_dir(root) / "tokens.json"


def audit_log_path(root: Path) -> Path:
    """Every request to the export server, one JSON object a line, for the board (serve/audit.py)."""
    return toegang_dir(root) / "audit.jsonl"
