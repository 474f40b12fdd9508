"""Writing the reports: Jinja2 templates in reports/templates, the stylesheet inlined.

A report is one HTML file with everything inside it (CSS, SVG charts; no script), so it can
be opened offline, mailed on, and printed.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports import dutch
from reports.board import BoardReport
from reports.region import RegionReport

TEMPLATES = Path(__file__).parent / "templates"


@cache  # compiling the templates once per process, not once per report
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # Every template is HTML, and names a delivery controls reach them (board: levering ids, columns,
        # messages): escape everything, whatever a template's file name.
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        maand=dutch.maand,
        datum=dutch.datum,
        kwartaal=dutch.kwartaal,
        dagen=dutch.dagen,
        procent=dutch.procent,
        getal=dutch.getal,
    )
    return env


def _write(path: Path, text: str) -> None:
    """Write via a temporary file and a rename: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.nieuw")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@cache
def _css() -> str:
    return (TEMPLATES / "rapport.css").read_text(encoding="utf-8")


def render_region(report: RegionReport) -> str:
    env = _environment()
    css = _css()
    return env.get_template("regio.html.j2").render(r=report, css=css)


def render_board(report: BoardReport) -> str:
    env = _environment()
    css = _css()
    return env.get_template("bestuur.html.j2").render(b=report, css=css)


def write_region_report(report: RegionReport, folder: Path) -> Path:
    path = folder / f"{report.code}.html"
    _write(path, render_region(report))
    return path


def write_board_report(report: BoardReport, path: Path) -> Path:
    _write(path, render_board(report))
    return path
