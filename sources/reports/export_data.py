"""Reading one region export (`exports/<region>/`) and looking up its cells as the reports show them.

A cell is a `Waarde`: a number, or why there is none. `onderdrukt` (suppressed for small
numbers, CONTRACT 5) is never turned into 0; a missing row is "geen gegevens", not 0 either,
because an organisation that did not deliver a month has no row for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sources.reports.dutch import getal, is_number

TOTAAL = "TOTAAL"
OK, ONDERDRUKT, GEEN, NVT = "ok", "onderdrukt", "geen", "nvt"
TEXT = {ONDERDRUKT: "onderdrukt", GEEN: "geen gegevens", NVT: "n.v.t."}


@dataclass(frozen=True)
class Waarde:
    value: float | None
    state: str  # ok, onderdrukt, geen (no row), nvt (row without this figure, e.g. no finished cases)

    @property
    def ok(self) -> bool:
        return self.state == OK

    def text(self, fmt: Callable[[float], str] = getal) -> str:
        return fmt(self.value) if self.ok and self.value is not None else TEXT[self.state]


@dataclass
class RegionExport:
    code: str
    folder: Path
    manifest: dict
    tables: dict[str, pd.DataFrame]

    def table(self, mart: str) -> pd.DataFrame:
        return self.tables.get(mart, pd.DataFrame())


def read_region_export(folder: Path) -> RegionExport:
    """The manifest and every mart file listed in it (dates as datetime.date)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables = {}
    for entry in manifest["bestanden"]:
        table = pq.read_table(folder / entry["bestand"])
        tables[entry["mart"]] = table.to_pandas(date_as_object=True)
    return RegionExport(code=manifest["regio"], folder=folder, manifest=manifest, tables=tables)


def rows(frame: pd.DataFrame, **filters: object) -> pd.DataFrame:
    """The rows whose columns equal the given values (a missing column matches nothing)."""
    if frame.empty:
        return frame
    mask = pd.Series(True, index=frame.index)
    for column, value in filters.items():
        if column not in frame.columns:
            return frame.iloc[0:0]
        mask &= frame[column] == value
    return frame[mask]


def cell(frame: pd.DataFrame, column: str, **filters: object) -> Waarde:
    """One figure: the value of `column` in the single row matching `filters`."""
    found = rows(frame, **filters)
    if found.empty:
        return Waarde(None, GEEN)
    row = found.iloc[0]
    value = row[column]
    if is_number(value) and not pd.isna(value):
        return Waarde(float(value), OK)
    return Waarde(None, ONDERDRUKT if bool(row.get("onderdrukt", False)) else NVT)


def monthly(frame: pd.DataFrame, column: str, months: list[date], date_column: str, **filters: object) -> list[Waarde]:
    """`column` per month; `date_column` holds the month's first day (periode) or last day (peildatum)."""
    found = rows(frame, **filters)
    by_month: dict[tuple[int, int], pd.Series] = {}
    for _, row in found.iterrows():
        day = row[date_column]
        by_month[(day.year, day.month)] = row
    out = []
    for month in months:
        row = by_month.get((month.year, month.month))
        if row is None:
            out.append(Waarde(None, GEEN))
            continue
        value = row[column]
        if is_number(value) and not pd.isna(value):
            out.append(Waarde(float(value), OK))
        else:
            out.append(Waarde(None, ONDERDRUKT if bool(row.get("onderdrukt", False)) else NVT))
    return out


def values(cells: list[Waarde]) -> list[float | None]:
    """What a chart draws: the number, or a gap."""
    return [c.value if c.ok else None for c in cells]


def pct_binnen_norm(normen: pd.DataFrame, months: list[date], **filters: object) -> list[Waarde]:
    """pct_binnen_norm per month (periode); "n.v.t." rather than "onderdrukt" where the visible
    counts show there was nothing to divide by (binnen + buiten = 0)."""
    pct = monthly(normen, "pct_binnen_norm", months, "periode", **filters)
    binnen = monthly(normen, "binnen_norm", months, "periode", **filters)
    buiten = monthly(normen, "buiten_norm", months, "periode", **filters)
    return [
        Waarde(None, NVT) if p.state == ONDERDRUKT and b.ok and u.ok and b.value + u.value == 0 else p
        for p, b, u in zip(pct, binnen, buiten, strict=True)
    ]
