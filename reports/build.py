"""Building the report files of a data dir: `reports/regio/<code>.html` and `reports/bestuur.html`.

A region report is made from its region's export only, so it is rebuilt only when that export
changed: `reports/.staat.json` records per region a digest of the export's manifest (which names
every file's sha256, the run that wrote it and when) together with the report code and the
definitions it was made with. A region whose export was kept as it was (exports/regions.py
publishes only changed regions) keeps its report. The board is rebuilt by every run that writes
reports: it shows today's delivery status; its row per region (norms, sparklines, backlog) is
kept in `reports/.bestuur_staat.json` under the same kind of digest, so only changed exports
are read. That file also records what the board was made from (`bestuur`: the day it judged,
a digest of its inputs, the sha256 of the file written, the run and when), so a run can tell
that a new board would be the same one (`board_record`, `board_inputs`; pipelines/precheck.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb

from marts import incremental, warehouse
from marts.registry import table_exists
from reports.board import SQL, NormCell, RegionRow, build_board_report, region_rows
from reports.export_data import RegionExport, Waarde, read_region_export
from reports.region import build_region_report
from reports.render import write_board_report, write_region_report
from sources.definitions import Definitions, current_definitions, vandaag
from sources.paths import exports_dir, reports_dir

REGION_DIR = "regio"
BOARD_FILE = "bestuur.html"
MANIFEST = "manifest.json"
# Hidden, beside the reports: what each region report was made from.
STATE_FILE = ".staat.json"
BOARD_STATE_FILE = ".bestuur_staat.json"
STATE_FORMAT = 1
# The warehouse tables a board query names (reports/sql): the board's inputs besides the exports.
_TABLE = re.compile(r"\b((?:meta|marts|modellen|staging|historie|referentie)\.[a-z_]+)\b")


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


def _read_state_file(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("formaat") == STATE_FORMAT else {}


def _read_state(path: Path) -> dict:
    regions = _read_state_file(path).get("regio", {})
    return regions if isinstance(regions, dict) else {}


def _write_state(path: Path, regions: dict, **extra: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.nieuw")
    state = {"formaat": STATE_FORMAT, "regio": regions, **extra}
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _basis(defs: Definitions) -> str:
    # The definitions give names, labels and the report's settings: part of what a report is made from.
    return _code_digest() + defs.model_dump_json()


def _region_keys(root: Path, basis: str) -> dict[str, tuple[Path, str]]:
    """region -> (the export version its link points at now, what a report of it is made from)."""
    out = {}
    for folder in _export_folders(root):
        # The manifest of the version the link points at now (read once: it may be switched meanwhile).
        version = folder.resolve()
        out[folder.name] = (version, _made_from((version / MANIFEST).read_bytes(), basis))
    return out


def write_region_reports(root: Path, defs: Definitions | None = None) -> ReportSummary:
    """One report per published region export, remade only when its export changed; reports of
    regions no longer exported are removed."""
    defs = defs or current_definitions()
    target = reports_dir(root) / REGION_DIR
    state_path = reports_dir(root) / STATE_FILE
    before = _read_state(state_path)
    made: dict[str, str] = {}
    summary = ReportSummary()
    for name, (version, key) in _region_keys(root, _basis(defs)).items():
        path = target / f"{name}.html"
        if before.get(name) == key and path.is_file():
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


def region_reports_up_to_date(root: Path, defs: Definitions | None = None) -> bool:
    """Whether `write_region_reports` would write, keep and remove nothing: every region report there
    and made from the export in force now, no report of a region no longer exported. Writes nothing."""
    defs = defs or current_definitions()
    target = reports_dir(root) / REGION_DIR
    keys = {name: key for name, (_, key) in _region_keys(root, _basis(defs)).items()}
    there = {p.stem for p in target.glob("*.html")} if target.is_dir() else set()
    return _read_state(reports_dir(root) / STATE_FILE) == keys and there == set(keys)


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


def _board_rows_kept(root: Path, defs: Definitions) -> tuple[list[RegionRow], dict]:
    """Each region's board row, and the state that keeps them: a row is kept from the last board
    while its export is the same, so a run in which no export changed reads none."""
    before = _read_state(reports_dir(root) / BOARD_STATE_FILE)
    rows, kept = [], {}
    for name, (version, key) in _region_keys(root, _basis(defs)).items():
        cached = before.get(name)
        row = None
        if isinstance(cached, dict) and cached.get("sleutel") == key:
            try:
                row = _row_from_json(cached["rij"])
            except (KeyError, TypeError, ValueError):
                row = None  # written by other code: made again
        if row is None:
            (row,) = region_rows([read_region_export(version)], defs)
        rows.append(row)
        kept[name] = {"sleutel": key, "rij": _row_json(row)}
    return rows, kept


def _board_rows(root: Path, defs: Definitions) -> list[RegionRow]:
    """Each region's row on the board, kept in reports/.bestuur_staat.json (without a board record:
    the board is about to be made anew)."""
    rows, kept = _board_rows_kept(root, defs)
    _write_state(reports_dir(root) / BOARD_STATE_FILE, kept)
    return rows


@cache
def board_tables() -> tuple[str, ...]:
    """Every warehouse table a board query names (reports/sql/*.sql)."""
    found: set[str] = set()
    for path in (Path(__file__).parent / "sql").glob("*.sql"):
        found.update(_TABLE.findall(path.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def board_inputs(con: duckdb.DuckDBPyConnection, root: Path, defs: Definitions, today: date) -> str:
    """A digest of everything the board shows but the time it was made: the day it judges, the report
    code and definitions, each region's export (its manifest), and what its queries read from the
    warehouse: a model by the fingerprint it was last built with (meta.model_inhoud, marts/incremental.py,
    which holds the delivery monitor's "today"), any other table by its contents, and which Data Docs
    pages it links to are there. Reads only: any connection to the warehouse will do."""
    basis = _basis(defs)
    regions = {name: key for name, (_, key) in _region_keys(root, basis).items()}
    built = incremental.recorded(con)
    parts = [today.isoformat(), hashlib.sha256(basis.encode()).hexdigest(), json.dumps(regions, sort_keys=True)]
    for table in board_tables():
        if table.split(".")[0] in ("marts", "modellen"):
            parts.append(f"{table}={built.get(table, 'absent')}")
        else:
            parts.append(f"{table}={incremental.content_fingerprint(con, table)}")
    pages: set[str] = set()
    if table_exists(con, "meta", "leveringen"):
        pages = {row[8] for row in SQL.run(con, "validaties", fetch=True, definities_versie=defs.versie) if row[8]}
    parts += [f"{page}={Path(page).is_file()}" for page in sorted(pages)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def board_record(root: Path, defs: Definitions, today: date) -> dict | None:
    """What the board in place was made from (`write_board` records it), when it was made for `today`
    and is the file it wrote, and its regions' rows are those of the exports in force; else None.
    The warehouse is not read: compare `board_inputs` with the record's `invoer` for that."""
    state = _read_state_file(reports_dir(root) / BOARD_STATE_FILE)
    record = state.get("bestuur")
    if not isinstance(record, dict) or record.get("vandaag") != today.isoformat():
        return None
    try:
        written = hashlib.sha256((reports_dir(root) / BOARD_FILE).read_bytes()).hexdigest()
    except OSError:
        return None
    regions = state.get("regio") if isinstance(state.get("regio"), dict) else {}
    keys = {name: key for name, (_, key) in _region_keys(root, _basis(defs)).items()}
    kept = {name: row.get("sleutel") if isinstance(row, dict) else None for name, row in regions.items()}
    if record.get("sha256") != written or kept != keys:
        return None
    return record


def write_board(root: Path, defs: Definitions | None = None, run_id: str | None = None) -> Path:
    """The board overview, always made anew (it shows today's delivery status); reads the warehouse
    on a short read-only connection, and only the region exports that changed since the last board.
    Records what it was made from (and by which run) in reports/.bestuur_staat.json, last."""
    defs = defs or current_definitions()
    today = vandaag(defs)
    rows, kept = _board_rows_kept(root, defs)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    with warehouse.connect(root, read_only=True) as con:
        report = build_board_report([], con, defs, reports_dir(root), generated_at, rows=rows)
        inputs = board_inputs(con, root, defs, today)
    path = write_board_report(report, reports_dir(root) / BOARD_FILE)
    record = {
        "vandaag": today.isoformat(),
        "invoer": inputs,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "run_id": run_id,
        "gemaakt": generated_at,
    }
    _write_state(reports_dir(root) / BOARD_STATE_FILE, kept, bestuur=record)
    return path
