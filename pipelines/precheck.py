"""Before a run: is there anything to do? Imports neither Dagster nor Great Expectations.

`check` answers two questions about a data dir, in this order:

- nothing new: every inbox file holds a version processed under these definitions (the one last
  seen under its name), and staging, the models and the region exports are up to date, but for
  the delivery monitor (`marts/aanlevering`), which judges today. Then `ketenmonitor run` is the
  quiet run: the deliveries, the delivery monitor and the reports (pipelines/run.py `QUIET_RUN`).
- up to date: nothing new, and the quiet run would make nothing that is not there already: the
  delivery monitor was built for today from the registry as it is (its fingerprint in
  meta.model_inhoud, marts/incremental.py, holds "today"), no blocking mart check failed last time
  (the quiet run would check it again), every region report was made from the export in force,
  and the board was made for today from the same inputs (reports/build.py `board_record`). Then
  `ketenmonitor run` starts no Dagster run at all.

"Today" is `sources.definitions.vandaag`, the delivery monitor's: $KETENMONITOR_VANDAAG or the
date in `planning.tijdzone`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from exports.regions import up_to_date as exports_up_to_date
from marts import incremental
from marts.checks import blocking_failed
from marts.intake import inbox_file, inbox_name
from marts.registry import current_deliveries, inbox_state, processed_versions
from marts.runner import staging_up_to_date
from marts.warehouse import WarehouseUnavailable, connect
from reports.build import board_inputs, board_record, region_reports_up_to_date
from sources.archive import sha256_of
from sources.definitions import Definitions, vandaag
from sources.inbox import scan_inbox
from sources.paths import inbox_dir, warehouse_path

# The one model a quiet run may rebuild: the delivery monitor judges today.
AANLEVERING = "aanlevering"

# sha256 per (file, size, mtime) in this process: the check before the run and the deliveries
# step hash each file once.
_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    stat = path.lstat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_of(path)
    return _HASHES[key]


def inbox_keys(inbox_root: Path) -> list[str]:
    """Every delivery file in the inbox, misplaced ones included (they are rejected, not ignored).

    Keyed by `inbox_name`: a name that is not valid UTF-8 or holds a control character is
    written with escapes (its file is quarantined), so it never stops the other deliveries.
    """
    refs, errors = scan_inbox(inbox_root)
    keys = [r.path.relative_to(inbox_root).as_posix() for r in refs]
    keys += [e.path.relative_to(inbox_root).as_posix() for e in errors if e.path.is_file()]
    return sorted({inbox_name(k) for k in keys})


def inbox_versions(root: Path) -> dict[str, str] | None:
    """levering_id -> sha256 of every inbox file; None when one cannot be read (the deliveries step
    says which and why)."""
    inbox = inbox_dir(root)
    keys = inbox_keys(inbox) if inbox.is_dir() else []
    try:
        return {key: file_sha256(inbox_file(inbox, key)) for key in keys}
    except OSError:
        return None


def _processed(con: duckdb.DuckDBPyConnection, done: dict, versions: dict[str, str]) -> bool:
    """Every inbox file holds a version processed under these definitions (`done`), the one last seen
    under its name."""
    last_seen = inbox_state(con)
    return all((k, v) in done and last_seen.get(k) == v for k, v in versions.items())


@dataclass
class Verdict:
    """What `check` found; `deliveries`, `missing` and the last run only when `up_to_date`."""

    nothing_new: bool = False  # a quiet run: the deliveries, the delivery monitor and the reports
    up_to_date: bool = False  # no run at all
    # Every inbox file (sorted): levering_id -> (status, its rule codes as the registry holds them).
    deliveries: dict[str, tuple[str, str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # in force, no longer in the inbox
    run_id: str | None = None  # the run that made the board in place
    made_at: str | None = None  # when (UTC, ISO 8601)


def check(root: Path, defs: Definitions) -> Verdict:
    """Whether a run of data dir `root` has nothing new, and whether it has nothing to do (module docstring).

    Reads only. A warehouse that cannot be opened says neither: the run then says why.
    """
    if not warehouse_path(root).is_file():
        return Verdict()
    today = vandaag(defs)
    # The files first (cheap): the board made for today as it is, every region report current.
    record = board_record(root, defs, today)
    reports_current = record is not None and region_reports_up_to_date(root, defs)
    verdict = Verdict()
    try:
        with connect(root) as con:
            versions = inbox_versions(root)
            done = processed_versions(con, defs)
            if versions is None or not _processed(con, done, versions):
                return Verdict()
            if not all(staging_up_to_date(con, defs, bron) for bron in defs.bronnen):
                return Verdict()
            stale, _ = incremental.stale(con, defs)
            if set(stale) - {AANLEVERING}:
                return Verdict()
            verdict.nothing_new = True
            if not stale and reports_current and not blocking_failed(con):
                verdict.up_to_date = board_inputs(con, root, defs, today) == record["invoer"]
            if verdict.up_to_date:
                verdict.deliveries = {key: done[(key, versions[key])] for key in sorted(versions)}
                in_force = {row[2] for bron in defs.bronnen for row in current_deliveries(con, defs, bron)}
                verdict.missing = sorted(in_force - set(versions))
                verdict.run_id, verdict.made_at = record.get("run_id"), record.get("gemaakt")
        if not exports_up_to_date(root, defs):
            return Verdict()
    except WarehouseUnavailable:
        return Verdict()
    return verdict
