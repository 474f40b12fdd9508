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
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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
    """The rows of one export file, with a lookup index per set of filter columns.

    A report asks a few thousand single-cell questions of files of up to some hundred thousand
    rows, and uses a few hundred of those rows. The rows are kept as Arrow columns, each column
    dictionary-encoded once (a small integer code per row); an index per question shape is built
    from the codes with numpy, and a row becomes a plain dict only when a question returns it
    (the same dict each time).
    """

    def __init__(self, rows: pa.Table | list[dict]) -> None:
        table = pa.Table.from_pylist(rows) if isinstance(rows, list) else rows
        # One chunk per column, with one dictionary: a code means the same value in every row.
        self._table = table.unify_dictionaries().combine_chunks()
        self._names = self._table.column_names
        self._encoded: dict[str, tuple[np.ndarray, list]] = {}
        self._keyed: dict[str, tuple[np.ndarray, dict, int]] = {}
        self._groups: dict[tuple[str, ...], _Index] = {}
        self._rows: dict[int, dict] = {}  # row number -> the row as a dict, made when first asked for
        self._columns: list[tuple[str, np.ndarray, np.ndarray]] = []  # name, codes, value per code

    @property
    def empty(self) -> bool:
        return self._table.num_rows == 0

    @property
    def rows(self) -> list[dict]:
        """Every row, in file order."""
        return self._rows_at(list(range(self._table.num_rows)))

    def _encode(self, column: str) -> tuple[np.ndarray, list]:
        """(the code of each row, the value of each code) of a column, the values as to_pylist gives them."""
        found = self._encoded.get(column)
        if found is None:
            n = self._table.num_rows
            if column not in self._names:  # a column the rows lack: None, as row.get gives
                found = (np.zeros(n, np.int64), [None])
            else:
                array = self._table.column(column).combine_chunks()
                try:
                    if not pa.types.is_dictionary(array.type):
                        array = pc.dictionary_encode(array, null_encoding="encode")
                except (pa.ArrowNotImplementedError, pa.ArrowTypeError, pa.ArrowInvalid):  # a type Arrow cannot encode
                    found = (np.arange(n, dtype=np.int64), array.to_pylist())
                else:
                    values = array.dictionary.to_pylist()
                    indices = array.indices
                    if indices.null_count:  # a dictionary column read from a file: nulls are null codes
                        indices = indices.fill_null(len(values))
                        values.append(None)
                    found = (indices.to_numpy().astype(np.int64), values)
            self._encoded[column] = found
        return found

    def _key_codes(self, column: str) -> tuple[np.ndarray, dict, int]:
        """(the lookup code of each row, the code of each value, how many codes) of a column. Values
        equal in Python (0.0 and -0.0) share a code, so a lookup matches what == matches."""
        found = self._keyed.get(column)
        if found is None:
            codes, values = self._encode(column)
            lookup: dict = {}
            canonical = np.fromiter((lookup.setdefault(v, i) for i, v in enumerate(values)), np.int64, len(values))
            found = self._keyed[column] = (canonical[codes], lookup, len(values))
        return found

    def _group(self, columns: tuple[str, ...]) -> _Index:
        """The rows by their values of `columns`, in file order: built once per set of columns."""
        index = self._groups.get(columns)
        if index is None:
            n = self._table.num_rows
            key = np.zeros(n, np.int64)
            span, steps = 1, []
            for c in columns:
                codes, _, size = self._key_codes(c)
                dense = None
                if span * size >= 1 << 62:  # the combined key would overflow: number the keys so far 0..k
                    dense, key = np.unique(key, return_inverse=True)
                    span = len(dense)
                key = key * size + codes
                span *= size
                steps.append((c, size, dense))
            order = np.argsort(key, kind="stable")  # stable: a key's rows stay in file order
            keys, starts = np.unique(key[order], return_index=True)
            starts = starts.tolist()
            spans = zip(starts, [*starts[1:], n] if starts else [], strict=True)
            index = self._groups[columns] = _Index(steps, order, dict(zip(keys.tolist(), spans, strict=True)))
        return index

    def _found(self, filters: dict[str, object]) -> np.ndarray:
        """The numbers of the rows whose columns equal the given values, in file order."""
        index = self._group(tuple(sorted(filters)))
        key = 0
        for column, size, dense in index.steps:
            if dense is not None:
                at = int(np.searchsorted(dense, key))
                if at == len(dense) or dense[at] != key:
                    return index.order[:0]
                key = at
            code = self._key_codes(column)[1].get(filters[column])
            if code is None:  # a value no row has
                return index.order[:0]
            key = key * size + code
        start, end = index.spans.get(key, (0, 0))
        return index.order[start:end]

    def _rows_at(self, numbers: list[int]) -> list[dict]:
        """The rows with these numbers as dicts (as Table.to_pylist gives them), each made once."""
        made = self._rows
        new = [i for i in numbers if i not in made]
        if new:
            if not self._columns:
                for name in self._names:
                    codes, values = self._encode(name)
                    self._columns.append((name, codes, _objects(values)))
            columns = self._columns
            if len(new) < 8:  # a few rows (a find): value by value
                for i in new:
                    made[i] = {name: objects[codes[i]] for name, codes, objects in columns}
            else:  # many (a where): column by column, then zipped
                at = np.array(new)
                cells = [objects[codes[at]].tolist() for _, codes, objects in columns]
                names = [name for name, _, _ in columns]
                for i, row in zip(new, zip(*cells, strict=True) if cells else [()] * len(new), strict=True):
                    made[i] = dict(zip(names, row, strict=True))
        return [made[i] for i in numbers]

    def find(self, **filters: object) -> dict | None:
        """The row whose columns equal the given values (the first, if several)."""
        found = self._found(filters)
        return self._rows_at([int(found[0])])[0] if len(found) else None

    def where(self, **filters: object) -> list[dict]:
        """The rows whose columns equal the given values, in file order."""
        return self._rows_at(self._found(filters).tolist())


def _objects(values: list) -> np.ndarray:
    """A list as a numpy array of the same Python objects (never an array of arrays)."""
    return np.fromiter(values, dtype=object, count=len(values))


@dataclass(frozen=True)
class _Index:
    steps: list[tuple[str, int, np.ndarray | None]]  # per column: its number of codes; the keys renumbered before it
    order: np.ndarray  # the row numbers sorted by key, in file order within a key
    spans: dict[int, tuple[int, int]]  # key -> its rows' positions in `order`


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
    schema = pq.read_schema(path)
    per_gemeente = "gemeente_code" in schema.names
    # Text columns as dictionaries: the file stores them so, and reading them so skips making a
    # string per row (several times faster); Mart encodes every column so anyway.
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    table = pq.read_table(
        path, filters=[("gemeente_code", "=", TOTAAL)] if per_gemeente else None, read_dictionary=text
    )
    return Mart(table)


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
