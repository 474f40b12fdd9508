"""The board overview: all regions side by side on the three norms for JB and JR (settled rolling
12 months with n, and a sparkline of the settled quarters) and on the backlog of the latest
month-end (from the region exports), the delivery monitor, the validation results with links into
the Data Docs, and the warnings.

The norms and the backlog come from the exports, like the region reports; deliveries, validations and
warnings are about organisations and files, read from the warehouse's registry and delivery
monitor on a short read-only connection.

A delivery controls its file and folder names (the levering_id), its column names and so the
messages quoting them: each is shown as `expectations.rules.safe_text` shows it (a pseudonym or
BSN masked, no control characters), and the template's autoescape escapes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import duckdb

from expectations.rules import safe_text
from marts.registry import table_exists
from marts.sql import SqlFolder
from reports.dutch import datum
from reports.export_data import KWARTAAL, TOTAAL, RegionExport, Waarde, pct_binnen_norm, values
from reports.figures import (
    ACHTERSTAND,
    KADER_NAMEN,
    KWARTALEN,
    backlog,
    kaders,
    latest_backlog_date,
    rolling_norm,
    settled_quarters,
)
from reports.region import latest_month, region_names
from reports.svg import sparkline
from sources.definitions import Definitions

SQL = SqlFolder(Path(__file__).parent / "sql")


@dataclass
class NormCell:
    pct: Waarde  # the latest settled rolling-12 percentage
    n: Waarde  # binnen + buiten of that window
    periode: date | None  # the window's last month
    spark: str  # the settled quarters


@dataclass
class RegionRow:
    code: str
    naam: str
    month: date | None
    normen: dict[str, list[NormCell]]  # per kader, the three norms
    backlog_date: date | None
    backlog: dict[str, list[Waarde]]  # per kader, the ACHTERSTAND columns of the region
    report: str  # relative link to the region report


@dataclass
class DeliveryRow:
    organisatie: str
    bron: str
    # per month: status code, symbol, label, rules, key warning (koppelgraad drop, fingerprint conflict)
    cells: list[tuple[str, str, str, str, str]]
    verouderd: bool


@dataclass
class ValidationRow:
    levering_id: str
    status: str
    fouten: int
    waarschuwingen: int
    regels: str
    link: str | None
    verwerkt_op: str


@dataclass
class BoardReport:
    generated_at: str
    definities_versie: str
    month: date | None
    norm_labels: list[str]
    kaders: list[tuple[str, str]]  # (kader, its name), the kader of the definitions first
    spark_quarters: int
    backlog_columns: list[str]
    regions: list[RegionRow]
    delivery_months: list[date]
    deliveries: list[DeliveryRow] | None
    statuses: list[tuple[str, str, str]]  # legend: code, symbol, label
    validations: list[ValidationRow]
    warnings: list[str] = field(default_factory=list)


def _link(target: str | None, reports: Path) -> str | None:
    """A relative, URL-quoted link from reports/ to a Data Docs page (None when it does not exist)."""
    if not target or not Path(target).is_file():
        return None
    return quote(os.path.relpath(target, reports).replace(os.sep, "/"))


def region_rows(exports: list[RegionExport], defs: Definitions) -> list[RegionRow]:
    config = defs.rapportage
    names = region_names(defs)
    out = []
    for export in exports:
        normen = export.table("normen")
        month = latest_month(export)
        cells: dict[str, list[NormCell]] = {}
        for kader in kaders(config.kader_normen):
            cells[kader] = []
            for norm, label in config.normlabels.items():
                rolling = rolling_norm(normen, kader, norm, label, month)
                quarters = settled_quarters(normen, kader, norm)
                series = pct_binnen_norm(
                    normen, quarters, kind=KWARTAAL, organisatie_code=TOTAAL, kader=kader, norm=norm
                )
                cells[kader].append(
                    NormCell(
                        pct=rolling.latest.pct,
                        n=rolling.latest.n,
                        periode=rolling.latest.periode,
                        spark=sparkline(
                            values(series), label=f"{label}, {kader}, {export.code}, {len(quarters)} kwartalen"
                        ),
                    )
                )
        peildatum = latest_backlog_date(export)
        out.append(
            RegionRow(
                export.code,
                names.get(export.code, export.code),
                month,
                cells,
                peildatum,
                {k: backlog(export, peildatum, TOTAAL, k) for k in kaders(config.kader_normen)},
                f"regio/{export.code}.html",
            )
        )
    return out


def check_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every mart check whose latest outcome failed (meta.controles), as a sentence."""
    if not table_exists(con, "meta", "controles"):
        return []
    level = {"ERROR": "fout", "WARN": "waarschuwing"}
    return [
        f"{tabel.replace('.', '/')}: controle {controle} niet geslaagd ({level[ernst]})."
        for tabel, controle, ernst in SQL.run(con, "controlewaarschuwingen", fetch=True)
    ]


def key_warnings(con: duckdb.DuckDBPyConnection, maanden: int) -> list[str]:
    """Key mismatch warnings (issue 16): deliveries in force whose koppelgraad dropped sharply, and
    jeugdregio's whose partners delivered a month of the last `maanden` with different key fingerprints."""
    warnings = []
    if table_exists(con, "marts", "koppelgraad"):
        for lid, melding in SQL.run(con, "koppelgraadwaarschuwingen", fetch=True):
            warnings.append(f"{safe_text(lid)}: {safe_text(melding)}")
    if table_exists(con, "marts", "sleutelconflicten"):
        for _regio, _maand, melding in SQL.run(con, "sleutelconflictwaarschuwingen", fetch=True, maanden=maanden):
            warnings.append(f"Sleutelvingerafdrukken: {safe_text(melding)}")
    return warnings


def key_marks(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, date], str]:
    """(organisation, bron, month) -> the key warning of its delivery that month, for the delivery grid."""
    marks: dict[tuple[str, str, date], list[str]] = {}
    if table_exists(con, "marts", "koppelgraad"):
        for org, bron, maand, melding in SQL.run(con, "koppelgraad_raster", fetch=True):
            marks.setdefault((org, bron, maand), []).append(melding)
    if table_exists(con, "marts", "sleutelconflicten"):
        for org, bron, maand, regios in SQL.run(con, "sleutelconflict_raster", fetch=True):
            marks.setdefault((org, bron, maand), []).append(f"andere sleutelvingerafdruk dan partners in {regios}")
    return {key: safe_text("; ".join(texts)) for key, texts in marks.items()}


def build_board_report(
    exports: list[RegionExport],
    con: duckdb.DuckDBPyConnection,
    defs: Definitions,
    reports: Path,
    generated_at: str,
    rows: list[RegionRow] | None = None,
) -> BoardReport:
    """Everything the board overview shows; `con` is a read-only warehouse connection. `rows`: the
    regions' rows when already made (reports/build.py keeps them per export), else from `exports`."""
    config = defs.rapportage
    rows = region_rows(exports, defs) if rows is None else rows
    month = max((r.month for r in rows if r.month), default=None)

    has_monitor = table_exists(con, "marts", "aanlevering")
    deliveries = None
    delivery_months: list[date] = []
    warnings = check_warnings(con)
    if has_monitor:
        grid: dict[tuple[str, str], dict] = {}
        for org, naam, bron, expected, status, regels, verouderd in SQL.run(
            con, "aanlevering_raster", fetch=True, maanden=config.maanden_aanlevering
        ):
            row = grid.setdefault((org, bron), {"naam": naam, "cells": {}, "verouderd": bool(verouderd)})
            row["cells"][expected] = (status, regels.replace(",", ", "))
        delivery_months = sorted({m for row in grid.values() for m in row["cells"]})
        marks = key_marks(con)
        deliveries = []
        for (org, bron), row in sorted(grid.items()):
            cells = []
            for m in delivery_months:
                status, regels = row["cells"].get(m, ("", ""))
                look = config.aanleverstatus.get(status)
                label = look.label if look else "niet verwacht"
                cells.append((status, look.symbool if look else "", label, regels, marks.get((org, bron, m), "")))
            naam = f"{safe_text(row['naam'])} ({safe_text(org)})"
            deliveries.append(DeliveryRow(naam, safe_text(bron), cells, row["verouderd"]))
            if row["verouderd"]:
                warnings.append(f"{naam}, {safe_text(bron)}: de volgende levering is te laat (leveringsmonitor).")

    validations = [
        ValidationRow(
            levering_id=safe_text(lid),
            status=status,
            fouten=fouten,
            waarschuwingen=waarsch,
            regels=regels.replace(",", ", "),
            link=_link(pad, reports),
            verwerkt_op=datum(verwerkt.date()),
        )
        for lid, _org, _bron, _peil, status, fouten, waarsch, regels, pad, verwerkt in SQL.run(
            con, "validaties", fetch=True, definities_versie=defs.versie
        )
    ]
    for lid, code, kolom, aantal, melding in SQL.run(
        con, "leveringswaarschuwingen", fetch=True, definities_versie=defs.versie
    ):
        kolom = f" ({safe_text(kolom)})" if kolom else ""
        warnings.append(f"{safe_text(lid)}: {code}{kolom}, {aantal} rij(en): {safe_text(melding)}")
    warnings += key_warnings(con, config.maanden_aanlevering)

    return BoardReport(
        generated_at=generated_at,
        definities_versie=defs.versie,
        month=month,
        norm_labels=list(config.normlabels.values()),
        kaders=[(k, KADER_NAMEN[k]) for k in kaders(config.kader_normen)],
        spark_quarters=KWARTALEN,
        backlog_columns=[label for _, label, _ in ACHTERSTAND],
        regions=rows,
        delivery_months=delivery_months,
        deliveries=deliveries,
        statuses=[(code, s.symbool, s.label) for code, s in config.aanleverstatus.items()],
        validations=validations,
        warnings=warnings,
    )
