"""Reading one region export (`exports/<region>/`) and looking up its cells as the reports show them.

A cell is a `Waarde`: a number, or why there is none. `onderdrukt` (suppressed for small
numbers, docs/contract.md section 5) is never turned into 0; a missing row is "geen gegevens", not 0 either,
because an organisation that did not deliver a month has no row for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path

import pyarrow.parquet as pq

from reports.dutch import getal, is_number

TOTAAL = "TOTAAL"
# The period kinds the reports read (contract version 2: periode_type maand, kwartaal, ...).
MAAND = {"periode_type": "maand"}
KWARTAAL = {"periode_type": "kwartaal"}
ROLLEND_12 = {"periode_type": "rollend_12"}
OK, ONDERDRUKT, GEEN, NVT, NIET_AFGEREKEND = "ok", "onderdrukt", "geen", "nvt", "niet_afgerekend"
TEXT = {ONDERDRUKT: "onderdrukt", GEEN: "geen gegevens", NVT: "n.v.t.", NIET_AFGEREKEND: "nog niet afgerekend"}


@dataclass(frozen=True)
class Waarde:
    value: float | None
    # ok, onderdrukt, geen (no row), nvt (row without this figure, e.g. no finished cases),
    # niet_afgerekend (a norm percentage of a period not yet settled: none is given)
    state: str

    @property
    def ok(self) -> bool:
        return self.state == OK

    def text(self, fmt: Callable[[float], str] = getal) -> str:
        return fmt(self.value) if self.ok and self.value is not None else TEXT[self.state]


class Mart:
    """The rows of one export file as plain dicts, with a lookup index per set of filter columns.

    A report asks a few thousand single-cell questions of files of up to some hundred thousand
    rows: one pass to build an index per question shape, then dictionary lookups.
    """

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self._groups: dict[tuple[str, ...], dict[tuple, list[dict]]] = {}

    @property
    def empty(self) -> bool:
        return not self.rows

    def _group(self, columns: tuple[str, ...]) -> dict[tuple, list[dict]]:
        """The rows by their values of `columns`, in file order: built once per set of columns."""
        groups = self._groups.get(columns)
        if groups is None and not columns:
            groups = self._groups[columns] = {(): self.rows} if self.rows else {}
        if groups is None:
            groups = {}
            try:  # every row of a file has every column: itemgetter is the fast path
                get = itemgetter(*columns) if len(columns) > 1 else (lambda row, c=columns[0]: (row[c],))
                for row in self.rows:
                    groups.setdefault(get(row), []).append(row)
            except KeyError:  # a column the rows lack: None, as row.get gives
                groups = {}
                for row in self.rows:
                    groups.setdefault(tuple(row.get(c) for c in columns), []).append(row)
            self._groups[columns] = groups
        return groups

    def find(self, **filters: object) -> dict | None:
        """The row whose columns equal the given values (the first, if several)."""
        columns = tuple(sorted(filters))
        found = self._group(columns).get(tuple(filters[c] for c in columns))
        return found[0] if found else None

    def where(self, **filters: object) -> list[dict]:
        """The rows whose columns equal the given values, in file order."""
        columns = tuple(sorted(filters))
        return list(self._group(columns).get(tuple(filters[c] for c in columns), ()))


@dataclass
class RegionExport:
    code: str
    folder: Path
    manifest: dict
    tables: dict[str, Mart]
    # The files of the marts not read yet: a mart is read when first asked for, so the board,
    # which looks at two or three marts, does not read all ten.
    files: dict[str, Path] = field(default_factory=dict)

    def table(self, mart: str) -> Mart:
        if mart not in self.tables and mart in self.files:
            self.tables[mart] = _read_mart(self.files.pop(mart))
        return self.tables.get(mart, Mart([]))


def _read_mart(path: Path) -> Mart:
    per_gemeente = "gemeente_code" in pq.read_schema(path).names
    table = pq.read_table(path, filters=[("gemeente_code", "=", TOTAAL)] if per_gemeente else None)
    # Column by column, then zipped: the same dicts as Table.to_pylist(), several times faster.
    names = table.column_names
    columns = [c.to_pylist() for c in table.columns]
    return Mart([dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)])


def read_region_export(folder: Path) -> RegionExport:
    """The manifest, and every mart file listed in it, read when first used (dates as datetime.date).

    Only the region-wide rows of the marts per municipality (gemeente_code TOTAAL) are read:
    the reports show no municipality, and those rows are most of the file.
    """
    # The version folder the link points at now: a later file read comes from the same version
    # as the manifest, even when the link is switched meanwhile (versions outlive one more run).
    version = folder.resolve()
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    files = {entry["mart"]: version / entry["bestand"] for entry in manifest["bestanden"]}
    return RegionExport(code=manifest["regio"], folder=folder, manifest=manifest, tables={}, files=files)


def _waarde(row: dict | None, column: str) -> Waarde:
    if row is None:
        return Waarde(None, GEEN)
    value = row.get(column)
    if is_number(value):
        return Waarde(float(value), OK)
    return Waarde(None, ONDERDRUKT if row.get("onderdrukt") else NVT)


def cell(mart: Mart, column: str, **filters: object) -> Waarde:
    """One figure: the value of `column` in the row matching `filters`."""
    return _waarde(mart.find(**filters), column)


def monthly(mart: Mart, column: str, days: list[date], date_column: str, **filters: object) -> list[Waarde]:
    """`column` for each day in `days` (first days for periode, last days for peildatum)."""
    return [_waarde(mart.find(**{date_column: day}, **filters), column) for day in days]


def norm_pct(row: dict | None) -> Waarde:
    """pct_binnen_norm of one normen row: "nog niet afgerekend" where the period is not settled for
    the norm (afgerekend false: the warehouse gives no percentage), and "n.v.t." rather than
    "onderdrukt" where the visible counts show there was nothing to divide by (binnen + buiten = 0)."""
    if row is not None and row.get("afgerekend") is False:
        return Waarde(None, NIET_AFGEREKEND)
    pct, binnen, buiten = (_waarde(row, c) for c in ("pct_binnen_norm", "binnen_norm", "buiten_norm"))
    nothing = pct.state != OK and binnen.ok and buiten.ok and binnen.value + buiten.value == 0
    return Waarde(None, NVT) if nothing else pct


def norm_n(row: dict | None) -> Waarde:
    """The basis of a norm percentage, n = binnen + buiten, when both counts are visible."""
    return total(row, "binnen_norm", "buiten_norm")


def total(row: dict | None, *columns: str) -> Waarde:
    """The sum of visible counts of one row (all of them visible, else why not)."""
    parts = [_waarde(row, c) for c in columns]
    hidden = next((p for p in parts if not p.ok), None)
    return hidden or Waarde(sum(p.value for p in parts), OK)


def share(row: dict | None, part: str, whole: str) -> Waarde:
    """100 * part / whole of one row, from two visible counts (a ratio of a row shown whole)."""
    a, b = _waarde(row, part), _waarde(row, whole)
    if not (a.ok and b.ok):
        return a if not a.ok else b
    return Waarde(100 * a.value / b.value, OK) if b.value else Waarde(None, NVT)


def pct_binnen_norm(normen: Mart, periods: list[date], *, kind: dict = MAAND, **filters: object) -> list[Waarde]:
    """pct_binnen_norm per period of one kind (default the monthly rows), as `norm_pct`."""
    return [norm_pct(normen.find(**kind, periode=p, **filters)) for p in periods]


def latest_settled(normen: Mart, kind: dict, **filters: object) -> date | None:
    """The latest period of a kind that is settled (afgerekend) for the rows matching `filters`."""
    return max((r["periode"] for r in normen.where(**kind, **filters) if r.get("afgerekend") is True), default=None)


def values(cells: list[Waarde]) -> list[float | None]:
    """What a chart draws: the number, or a gap."""
    return [c.value if c.ok else None for c in cells]
