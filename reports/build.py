"""Building the report files of a data dir: `reports/regio/<code>.html` and `reports/bestuur.html`.

A region report is made from its region's export only, so it is rebuilt only when that export
changed: `reports/.staat.json` records per region a digest of the export's manifest (which names
every file's sha256, the run that wrote it and when) together with the report code and the
definitions it was made with. A region whose export was kept as it was (exports/regions.py
publishes only changed regions) keeps its report. The board is always rebuilt: it shows today's
delivery status; its row per region (norms, sparklines, backlog) is kept in
`reports/.bestuur_staat.json` under the same kind of digest, so only changed exports are read.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from marts import warehouse
from reports.board import NormCell, RegionRow, build_board_report, region_rows
from reports.export_data import RegionExport, Waarde, read_region_export
from reports.region import build_region_report
from reports.render import write_board_report, write_region_report
from sources.definitions import Definitions, current_definitions
from sources.paths import exports_dir, reports_dir

REGION_DIR = "regio"
BOARD_FILE = "bestuur.html"
MANIFEST = "manifest.json"
# Hidden, beside the reports: what each region report was made from.
STATE_FILE = ".staat.json"
BOARD_STATE_FILE = ".bestuur_staat.json"
STATE_FORMAT = 1


@dataclass
class ReportSummary:
    paths: list[Path] = field(default_factory=list)  # every region report in force (written or kept)
    written: list[Path] = field(default_factory=list)  # made by this run: their export changed
    unchanged: list[Path] = field(default_factory=list)  # kept: made from the export in force
    removed: list[Path] = field(default_factory=list)  # reports of regions no longer exported


def _export_folders(root: Path) -> list[Path]:
    """Every published region export: the exports/<region> links, not the version folders."""
    folder = exports_dir(root)
    if not folder.is_dir():
        return []
    return [e for e in sorted(folder.iterdir()) if not e.name.startswith(".") and (e / MANIFEST).is_file()]


def region_exports(root: Path) -> list[RegionExport]:
    """Every published region export (its marts are read when first used)."""
    return [read_region_export(entry) for entry in _export_folders(root)]


@cache
def _code_digest() -> str:
    """The report code and templates: a change in them remakes every report."""
    package = Path(__file__).parent
    digest = hashlib.sha256(f"{STATE_FORMAT}".encode())
    for path in sorted([*package.glob("*.py"), *package.glob("templates/*")]):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _made_from(manifest: bytes, basis: str) -> str:
    return hashlib.sha256(basis.encode() + b"\0" + manifest).hexdigest()


def _read_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state.get("regio", {}) if isinstance(state, dict) and state.get("formaat") == STATE_FORMAT else {}


def _write_state(path: Path, regions: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.nieuw")
    tmp.write_text(json.dumps({"formaat": STATE_FORMAT, "regio": regions}, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def write_region_reports(root: Path, defs: Definitions | None = None) -> ReportSummary:
    """One report per published region export, remade only when its export changed; reports of
    regions no longer exported are removed."""
    defs = defs or current_definitions()
    target = reports_dir(root) / REGION_DIR
    state_path = reports_dir(root) / STATE_FILE
    before = _read_state(state_path)
    # The definitions give names, labels and the report's settings: part of what a report is made from.
    basis = _code_digest() + defs.model_dump_json()
    made: dict[str, str] = {}
    summary = ReportSummary()
    for folder in _export_folders(root):
        # The manifest of the version the link points at now (read once: it may be switched meanwhile).
        version = folder.resolve()
        key = _made_from((version / MANIFEST).read_bytes(), basis)
        path = target / f"{folder.name}.html"
        if before.get(folder.name) == key and path.is_file():
            summary.unchanged.append(path)
        else:
            path = write_region_report(build_region_report(read_region_export(version), defs), target)
            summary.written.append(path)
        summary.paths.append(path)
        made[path.stem] = key
    if target.is_dir():
        current = set(summary.paths)
        for old in sorted(target.glob("*.html")):
            if old not in current:
                old.unlink()
                summary.removed.append(old)
    # Last: a crash before this leaves the old state, and the next run remakes what it names wrongly.
    _write_state(state_path, made)
    return summary


def _waarde_json(value: Waarde) -> list:
    return [value.value, value.state]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _row_json(row: RegionRow) -> dict:
    """A board row as JSON (the state file keeps it until the region's export changes)."""
    return {
        "code": row.code,
        "naam": row.naam,
        "month": row.month.isoformat() if row.month else None,
        "normen": {
            kader: [
                {
                    "pct": _waarde_json(c.pct),
                    "n": _waarde_json(c.n),
                    "periode": c.periode.isoformat() if c.periode else None,
                    "spark": c.spark,
                }
                for c in cells
            ]
            for kader, cells in row.normen.items()
        },
        "backlog_date": row.backlog_date.isoformat() if row.backlog_date else None,
        "backlog": {kader: [_waarde_json(v) for v in values] for kader, values in row.backlog.items()},
        "report": row.report,
    }


def _row_from_json(data: dict) -> RegionRow:
    return RegionRow(
        code=data["code"],
        naam=data["naam"],
        month=_day(data["month"]),
        normen={
            kader: [NormCell(Waarde(*c["pct"]), Waarde(*c["n"]), _day(c["periode"]), c["spark"]) for c in cells]
            for kader, cells in data["normen"].items()
        },
        backlog_date=_day(data["backlog_date"]),
        backlog={kader: [Waarde(*v) for v in values] for kader, values in data["backlog"].items()},
        report=data["report"],
    )


def _board_rows(root: Path, defs: Definitions) -> list[RegionRow]:
    """Each region's row on the board: kept from the last board while its export is the same, so a
    run in which no export changed reads none (reports/.bestuur_staat.json)."""
    state_path = reports_dir(root) / BOARD_STATE_FILE
    before = _read_state(state_path)
    basis = _code_digest() + defs.model_dump_json()
    rows, kept = [], {}
    for folder in _export_folders(root):
        version = folder.resolve()
        key = _made_from((version / MANIFEST).read_bytes(), basis)
        cached = before.get(folder.name)
        row = None
        if isinstance(cached, dict) and cached.get("sleutel") == key:
            try:
                row = _row_from_json(cached["rij"])
            except (KeyError, TypeError, ValueError):
                row = None  # written by other code: made again
        if row is None:
            (row,) = region_rows([read_region_export(version)], defs)
        rows.append(row)
        kept[folder.name] = {"sleutel": key, "rij": _row_json(row)}
    _write_state(state_path, kept)
    return rows


def write_board(root: Path, defs: Definitions | None = None) -> Path:
    """The board overview, always made anew (it shows today's delivery status); reads the warehouse
    on a short read-only connection, and only the region exports that changed since the last board."""
    defs = defs or current_definitions()
    rows = _board_rows(root, defs)
    with warehouse.connect(root, read_only=True) as con:
        report = build_board_report(
            [], con, defs, reports_dir(root), datetime.now(UTC).isoformat(timespec="seconds"), rows=rows
        )
    return write_board_report(report, reports_dir(root) / BOARD_FILE)
