"""Disclosure control for the region exports (docs/contract.md section 5.2): suppression by kind of row.

Pure functions on an arrow table shaped like a mart; no Dagster, no warehouse. Every mart is
named in `definitions/instellingen.yaml` (`onderdrukking.marts`) with its kind of rows:

- **persoonsniveau** (person-level detail: instroom, uitstroom, stand; and in any mart a row
  with a gemeente_code other than TOTAAL): every count is rounded to a multiple of `afronding`
  (halves up, CBS practice) and a rounded count under `drempel` (0 included) becomes empty; a
  mean or median over fewer than `drempel` cases (a p90 over fewer than twice) becomes empty.
  So with threshold 10 and base 5 a published r means "r - 2 to r + 2" (10 means 8 to 12),
  an empty cell "0 to 7" (`klein`). Emptying by the unrounded count instead would add "and at
  least 10" to every published count, and sums of cells then pin hidden ones (a published
  quarter of 10 whose other months are known to be 0 or 1 pins the hidden month to 9). A row
  whose counts are all empty is left out, as zero rows are: an absent row and an empty count
  both mean "0 to 7" (emptying only 1-9 and keeping the rows lets the region count rows: a
  year of 9 at most with nine month rows present pins every month to 1). No complementary
  suppression: the region's files are linked by many identities (stand(t-1) + instroom -
  uitstroom = stand(t), months = quarters, TOTAAL = sum of parts, exact performance counts =
  sums of person-level counts), and the rounding is what keeps a hidden count from being
  pinned by them. The attack test (tests/exports/test_differencing.py) propagates all of them
  by interval arithmetic.
- **prestatie** (performance rows: normen, wachttijden, achterstand, doorlooptijden,
  doorstroom, caseload; organisation, region or TOTAAL level): the row is shown whole, with
  exact counts, when its basis (the sum of the mart's `basis` count columns) is at least
  `drempel`, and emptied whole (every count and derived column) below it. Within a shown row a
  derived figure whose own basis is below the threshold (a p90: twice) is still emptied.
  Percentages are exported in whole percents (halves up, from the exact counts), and only on
  settled rows (`afgerekend`).
- **geen** (personeel: staff, not children): as delivered.

`onderdrukt` is true on every row where a value was emptied (not on a row that was only
rounded). Maxima are never exported (exports/regions.py drops them before this step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marts.catalog import TOTAAL, ModelSpec
from sources.definitions.models import Onderdrukking, Rijsoort

ONDERDRUKT = "onderdrukt"
GEMEENTE = "gemeente_code"
AFGEREKEND = "afgerekend"
PERSOONSNIVEAU, PRESTATIE, GEEN = "persoonsniveau", "prestatie", "geen"
# A derived figure named like a 90th percentile needs a basis of twice the threshold.
P90 = re.compile(r"(^|_)p90($|_)")
P90_FACTOR = 2
# Count column X of a person-level mart comes with its cell key `celsleutel_X` (marts/*.yml,
# `intern`): the rounding reads it, the export never holds it.
CELSLEUTEL = "celsleutel_"
KEY_RANGE = 2.0**32


@dataclass(frozen=True)
class DisclosureSpec:
    """What disclosure control needs to know about a table (its `.yml` plus its kind of rows)."""

    key: tuple[str, ...]
    soort: str = PERSOONSNIVEAU
    # prestatie: the count columns whose sum decides whether the row is shown.
    basis: tuple[str, ...] = ()
    # Count columns (rounded and emptied on person-level rows, emptied with a performance row).
    counts: tuple[str, ...] = ()
    # Derived column -> the count columns summing to its number of cases.
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Derived column -> how many times the threshold its basis needs (default 1; p90: 2).
    factor: dict[str, int] = field(default_factory=dict)
    # Derived percentages: exported in whole percents, numerator = the first basis column.
    percentages: tuple[str, ...] = ()
    # The column whose non-TOTAAL rows are person-level in any mart (gemeente_code), if any.
    gemeente: str | None = None

    @classmethod
    def from_model(cls, spec: ModelSpec, rijsoort: Rijsoort) -> DisclosureSpec:
        if rijsoort.soort == GEEN:
            return cls(key=tuple(spec.key), soort=GEEN)
        counts = tuple(c.name for c in spec.columns if c.role == "count" and c.suppressed)
        derived = {c.name: tuple(c.basis) for c in spec.columns if c.role == "derived" and c.suppressed}
        missing = [b for b in rijsoort.basis if b not in counts]
        if missing:
            raise ValueError(f"mart {spec.name}: basis {', '.join(missing)} is not a count column")
        return cls(
            key=tuple(spec.key),
            soort=rijsoort.soort,
            basis=tuple(rijsoort.basis),
            counts=counts,
            derived=derived,
            factor={c: P90_FACTOR for c in derived if P90.search(c)},
            percentages=tuple(c for c in derived if spec.column(c).unit == "percentage"),
            gemeente=GEMEENTE if GEMEENTE in spec.column_names else None,
        )

    @classmethod
    def for_mart(cls, spec: ModelSpec, rules: Onderdrukking) -> DisclosureSpec:
        """The spec of a mart by the kind of rows the definitions give it (an error when they name none)."""
        if spec.name not in rules.marts:
            raise ValueError(
                f"mart {spec.name} has no kind of rows in definitions/instellingen.yaml (onderdrukking.marts)"
            )
        return cls.from_model(spec, rules.marts[spec.name])


@dataclass(frozen=True)
class DisclosureResult:
    table: pa.Table  # sorted by key (or as given), suppressed values empty, counts rounded, plus column `onderdrukt`
    primary_cells: int  # person-level counts emptied (rounded under drempel)
    derived_cells: int  # derived figures emptied (small basis, or with their performance row)
    suppressed_rows: int  # rows with onderdrukt = true
    whole_rows: int = 0  # performance rows emptied whole
    dropped_rows: int = 0  # person-level rows left out (every count under the threshold)
    # No complementary suppression any more (see the module docstring); kept for the run's metadata.
    complementary_cells: int = 0


def _numeric(table: pa.Table, column: str) -> np.ndarray:
    """The column as float64 with NaN for empty values."""
    return table.column(column).to_pandas().to_numpy(dtype="float64", na_value=np.nan)


def round_by_cell_key(values: np.ndarray, keys: np.ndarray, base: int) -> np.ndarray:
    """Round to a multiple of `base` by the cell-key method: down or up, up with probability
    (value mod base) / base, decided by the cell's key (the sum of its records' keys, modulo
    2^32; uniform on [0, 1) after dividing). Unbiased, and the same records give the same
    published value in every file. A published r then only says "r - base + 1 to r + base - 1",
    and no region can compute the keys (they come from the pseudonyms), so combining files
    cannot undo the rounding (tests/exports/test_differencing.py)."""
    u = keys / KEY_RANGE
    down = np.floor(values / base) * base
    return down + base * (u < (values - down) / base)


def round_half_up(values: np.ndarray, base: int) -> np.ndarray:
    """Round to the nearest multiple of `base`, halves up (12.5 -> 15 for base 5); NaN stays NaN."""
    return np.floor(values / base + 0.5) * base


def whole_percent(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """100 * numerator / denominator in whole percents, halves up, computed exactly on integers."""
    out = np.full(len(numerator), np.nan)
    ok = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator > 0)
    num = numerator[ok].astype(np.int64)
    den = denominator[ok].astype(np.int64)
    out[ok] = (200 * num + den) // (2 * den)
    return out


def klein(drempel: int, afronding: int | None) -> int:
    """The largest true count a person-level cell can leave empty: its rounded value (down or
    up, round_by_cell_key) is under the threshold. Threshold 10, base 5: 9 (9 rounds to 5 or
    10); a published 10 means 6 to 14."""
    base = afronding or 1
    return -(-drempel // base) * base - 1


def _to_arrow(values: np.ndarray, like: pa.Array) -> pa.Array:
    mask = np.isnan(values)
    if pa.types.is_integer(like.type):
        return pa.array(np.where(mask, 0, values).astype(np.int64), like.type, mask=mask)
    if pa.types.is_boolean(like.type):
        return pa.array(values.astype(bool), pa.bool_(), mask=mask)
    return pa.array(values, like.type, mask=mask)


def _basis_total(table: pa.Table, columns: tuple[str, ...]) -> np.ndarray:
    total = np.zeros(table.num_rows)
    for c in columns:
        total += np.nan_to_num(_numeric(table, c))
    return total


def suppress(
    table: pa.Table, spec: DisclosureSpec, drempel: int, afronding: int | None = None, *, presorted: bool = False
) -> DisclosureResult:
    """Apply the rules of the table's kind of rows (module docstring) to a mart-shaped table.

    The result is sorted by key; with `presorted` the rows keep the order they came in (the
    caller's: every rule looks at one row only), which saves sorting millions of rows twice.
    """
    if drempel < 1:
        raise ValueError(f"drempel must be at least 1, not {drempel}")
    if table.num_rows and not presorted:
        table = table.sort_by([(k, "ascending") for k in spec.key])
    n = table.num_rows
    if spec.soort == GEEN:
        return DisclosureResult(
            table=table.append_column(ONDERDRUKT, pa.array(np.zeros(n, dtype=bool))),
            primary_cells=0,
            derived_cells=0,
            suppressed_rows=0,
        )

    # Which rows are person-level: all of a persoonsniveau mart, and any row per gemeente.
    if spec.soort == PERSOONSNIVEAU:
        person = np.ones(n, dtype=bool)
    elif spec.gemeente:
        person = pc.fill_null(pc.not_equal(table.column(spec.gemeente), TOTAAL), False).to_numpy(zero_copy_only=False)
    else:
        person = np.zeros(n, dtype=bool)
    performance = ~person
    # A performance row below the threshold is emptied whole.
    basis = _basis_total(table, spec.basis) if spec.basis else np.zeros(n)
    whole = performance & (basis < drempel)

    values = {c: _numeric(table, c) for c in (*spec.counts, *spec.derived)}
    emptied = np.zeros(n, dtype=bool)
    primary_cells = derived_cells = 0
    out = {}
    for col in spec.counts:
        v = values[col]
        present = ~np.isnan(v)
        new = v.copy()
        if afronding:
            key = CELSLEUTEL + col
            rounded = (
                round_by_cell_key(v, _numeric(table, key), afronding)
                if key in table.column_names
                else round_half_up(v, afronding)
            )
            new = np.where(person, rounded, v)
        # Empty when the published (rounded) count would be under the threshold; zero too: a
        # published 0 next to empty cells would say "the empty ones are 1 or more".
        small = person & present & (new < drempel)
        gone = small | (whole & present)
        new[gone] = np.nan
        primary_cells += int(small.sum())
        emptied |= gone
        out[col] = new
    afgerekend = (
        pc.fill_null(table.column(AFGEREKEND), False).to_numpy(zero_copy_only=False)
        if AFGEREKEND in table.column_names
        else np.ones(n, dtype=bool)
    )
    for col, col_basis in spec.derived.items():
        v = values[col]
        present = ~np.isnan(v)
        cases = _basis_total(table, col_basis)
        gone = present & (whole | (cases < drempel * spec.factor.get(col, 1)))
        new = v.copy()
        if col in spec.percentages:
            new = whole_percent(values[col_basis[0]], cases)
            new[~present] = np.nan
            # Only a settled period is given a percentage (contract 4.2).
            gone |= present & ~afgerekend
        new[gone] = np.nan
        derived_cells += int(gone.sum())
        emptied |= gone
        out[col] = new

    # A person-level row with every count hidden is left out, like a zero row: an absent row
    # then means 0 to drempel - 1, so the presence of a row tells nothing about its count.
    hidden_row = person.copy()
    for col in spec.counts:
        hidden_row &= np.isnan(out[col])
    keep = ~hidden_row if spec.counts else np.ones(n, dtype=bool)
    columns = {}
    for name in table.column_names:
        if name.startswith(CELSLEUTEL):
            continue  # the cell keys stay inside the warehouse
        array = table.column(name).combine_chunks()
        columns[name] = _to_arrow(out[name], array) if name in out else array
    columns[ONDERDRUKT] = pa.array(emptied, pa.bool_())
    return DisclosureResult(
        table=pa.table(columns).filter(pa.array(keep)),
        dropped_rows=int(hidden_row.sum()),
        primary_cells=primary_cells,
        derived_cells=derived_cells,
        suppressed_rows=int((emptied & keep).sum()),
        whole_rows=int((whole & emptied).sum()),
    )


__all__ = [
    "ONDERDRUKT",
    "DisclosureResult",
    "klein",
    "round_by_cell_key",
    "DisclosureSpec",
    "round_half_up",
    "suppress",
    "whole_percent",
]
