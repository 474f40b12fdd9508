"""Building the report files of a data dir: `reports/regio/<code>.html` and `reports/bestuur.html`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from marts import warehouse
from reports.board import build_board_report
from reports.export_data import RegionExport, read_region_export
from reports.region import build_region_report
from reports.render import write_board_report, write_region_report
from sources.definitions import Definitions, current_definitions
from sources.paths import exports_dir, reports_dir

REGION_DIR = "regio"
BOARD_FILE = "bestuur.html"


@dataclass
class ReportSummary:
    paths: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def region_exports(root: Path) -> list[RegionExport]:
    """Every published region export (the exports/<region> links, not the version folders)."""
    folder = exports_dir(root)
    if not folder.is_dir():
        return []
    return [
        read_region_export(entry)
        for entry in sorted(folder.iterdir())
        if not entry.name.startswith(".") and (entry / "manifest.json").is_file()
    ]


def write_region_reports(root: Path, defs: Definitions | None = None) -> ReportSummary:
    """One report per published region export; reports of regions no longer exported are removed."""
    defs = defs or current_definitions()
    target = reports_dir(root) / REGION_DIR
    summary = ReportSummary()
    for export in region_exports(root):
        summary.paths.append(write_region_report(build_region_report(export, defs), target))
    if target.is_dir():
        current = set(summary.paths)
        for old in sorted(target.glob("*.html")):
            if old not in current:
                old.unlink()
                summary.removed.append(old)
    return summary


def write_board(root: Path, defs: Definitions | None = None) -> Path:
    """The board overview; reads the warehouse on a short read-only connection."""
    defs = defs or current_definitions()
    exports = region_exports(root)
    with warehouse.connect(root, read_only=True) as con:
        report = build_board_report(
            exports, con, defs, reports_dir(root), datetime.now(UTC).isoformat(timespec="seconds")
        )
    return write_board_report(report, reports_dir(root) / BOARD_FILE)
