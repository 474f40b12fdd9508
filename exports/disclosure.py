"""Disclosure control for the region exports (docs/contract.md section 5): small-number suppression.

Pure functions on an arrow table shaped like a mart; no Dagster, no warehouse.

- Primary suppression: a count from 1 to `drempel - 1` becomes empty.
- Complementary suppression: a `TOTAAL` row is the sum of the rows it rolls up along one
  roll-up dimension (the other key columns equal). If exactly one value of such a group
  (members and total) is suppressed, it could be recomputed as total - the other members, so
  the next smallest member is suppressed as well (a positive one first; when the group has no
  other member, the total). Suppressing a cell can leave another group it belongs to with one
  suppressed cell, so this repeats until nothing changes. Only additive counts form groups.
- Periods (contract version 2: `periode_type` maand, kwartaal, halfjaar, jaar, rollend_12): a
  quarter's count is the sum of its three months, a half-year's of its two quarters, a year's
  of its two half-years, so these nest like a roll-up and take part in the complementary
  suppression (a row of the larger period is the group's total). Rolling 12-month windows
  overlap and are no such sum; they are left to the later suppression by kind of row.
- Derived figures (mean, median, p90, percentage, ratio) become empty when their basis (the sum
  of their count columns) is below the threshold (a p90 below twice the threshold: over fewer
  cases it lies next to one child's value, the maximum), and also when a basis count of the
  same row was suppressed: a percentage or mean with its published total and the other cells
  would otherwise give the suppressed count back (pct = 100 * binnen / (binnen + buiten)).
- `onderdrukt` is true on every row where a value was emptied.
- Optional rounding of the published counts to a base (definitions `onderdrukking.afronding`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from marts.catalog import TOTAAL, ModelSpec

ONDERDRUKT = "onderdrukt"
PERIODE, PERIODE_TYPE = "periode", "periode_type"
# A derived figure named like a 90th percentile needs a basis of twice the threshold.
P90 = re.compile(r"(^|_)p90($|_)")
P90_FACTOR = 2
# Calendar periods that are the sum of the next smaller kind: (part, whole, months per whole).
PERIOD_NESTING = (("maand", "kwartaal", 3), ("kwartaal", "halfjaar", 6), ("halfjaar", "jaar", 12))


@dataclass(frozen=True)
class DisclosureSpec:
    """What disclosure control needs to know about a table (derived from a mart's `.yml`)."""

    key: tuple[str, ...]
    # Dimension columns holding TOTAAL on roll-up rows: each defines groups that sum to a total.
    rollups: tuple[str, ...] = ()
    # Count columns suppressed from 1 to drempel - 1.
    counts: tuple[str, ...] = ()
    # Of those, the ones whose TOTAAL rows are the sum of their parts (complementary suppression).
    additive: tuple[str, ...] = ()
    # Derived column -> the count columns summing to its number of cases.
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Derived column -> how many times the threshold its basis needs (default 1; p90: 2).
    factor: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_model(cls, spec: ModelSpec) -> DisclosureSpec:
        counts = tuple(c.name for c in spec.columns if c.role == "count" and c.suppressed)
        derived = {c.name: tuple(c.basis) for c in spec.columns if c.role == "derived" and c.suppressed}
        return cls(
            key=tuple(spec.key),
            rollups=tuple(spec.rollups),
            counts=counts,
            additive=tuple(c for c in counts if spec.column(c).additive),
            derived=derived,
            factor={c: P90_FACTOR for c in derived if P90.search(c)},
        )

    @property
    def has_periods(self) -> bool:
        return PERIODE in self.key and PERIODE_TYPE in self.key


@dataclass(frozen=True)
class DisclosureResult:
    table: pa.Table  # sorted by key, suppressed values empty, plus column `onderdrukt`
    primary_cells: int  # counts emptied for being 1 to drempel - 1
    complementary_cells: int  # counts emptied so that no suppressed count can be recomputed
    derived_cells: int  # derived figures emptied
    suppressed_rows: int  # rows with onderdrukt = true


def _numeric(table: pa.Table, column: str) -> np.ndarray:
    """The column as float64 with NaN for empty values."""
    return table.column(column).to_pandas().to_numpy(dtype="float64", na_value=np.nan)


def _group_ids(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, int]:
    if not columns:
        return np.zeros(len(frame), dtype=np.int64), 1 if len(frame) else 0
    gid = frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
    return gid, int(gid.max()) + 1 if len(gid) else 0


def _period_groups(frame: pd.DataFrame, key: tuple[str, ...]) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Groups of calendar periods: the parts of a larger period (same other key columns) and its row.

    Per nesting level (months in a quarter, quarters in a half-year, half-years in a year) every
    row of the part kind or the whole kind that starts the whole belongs to the group of the whole
    that contains it; the other rows each get a group of their own, which never needs anything.
    """
    others = [k for k in key if k not in (PERIODE, PERIODE_TYPE)]
    kind = frame[PERIODE_TYPE].to_numpy()
    start = pd.to_datetime(frame[PERIODE])
    groups = []
    for part, whole, months in PERIOD_NESTING:
        whole_start = start.dt.year * 12 + (start.dt.month - 1) // months * months
        aligned = (start.dt.year * 12 + start.dt.month - 1) == whole_start
        member = (kind == part) | ((kind == whole) & aligned.to_numpy())
        if not member.any():
            groups.append((np.arange(len(frame), dtype=np.int64), np.zeros(len(frame), dtype=bool), len(frame)))
            continue
        sub = frame.loc[member, others].copy()
        sub["_geheel"] = whole_start[member].to_numpy()
        gid_member, n_member = _group_ids(sub, [*others, "_geheel"])
        gid = np.empty(len(frame), dtype=np.int64)
        gid[member] = gid_member
        gid[~member] = n_member + np.arange(int((~member).sum()))
        groups.append((gid, member & (kind == whole), len(frame) - int(member.sum()) + n_member))
    return groups


def _groups(frame: pd.DataFrame, spec: DisclosureSpec) -> list[tuple[str, np.ndarray, np.ndarray, int]]:
    """Every way rows sum to a total: (name, group id per row, whether the row is its group's total, groups).

    One per roll-up dimension (the rows equal in the other key columns, the TOTAAL row the total),
    then, for a mart with periods, one per level of calendar nesting.
    """
    out = []
    for dim in spec.rollups:
        gid, n = _group_ids(frame, [k for k in spec.key if k != dim])
        out.append((dim, gid, (frame[dim] == TOTAAL).to_numpy(dtype=bool), n))
    if spec.has_periods and len(frame):
        for (part, whole, _), (gid, is_total, n) in zip(PERIOD_NESTING, _period_groups(frame, spec.key), strict=True):
            out.append((f"{PERIODE_TYPE}:{part}->{whole}", gid, is_total, n))
    return out


def complementary(
    values: np.ndarray, suppressed: np.ndarray, groups: list[tuple[np.ndarray, np.ndarray, int]]
) -> np.ndarray:
    """Extend `suppressed` until no group holds exactly one suppressed value; returns the new mask.

    `values`: one count column (NaN = no value); `groups`: per roll-up dimension (group id per
    row, whether the row is the group's TOTAAL row, number of groups). Rows are assumed in key
    order, which breaks ties between equal candidates deterministically.
    """
    supp = suppressed.copy()
    valid = ~np.isnan(values)
    order = np.arange(len(values))
    changed = True
    while changed:
        changed = False
        for gid, is_total, n in groups:
            if n == 0:
                continue
            cells = supp & valid
            count = np.bincount(gid, weights=cells, minlength=n)
            has_total = np.bincount(gid, weights=is_total & valid, minlength=n) > 0
            need = has_total & (count == 1)
            if not need.any():
                continue
            cand = np.flatnonzero(need[gid] & ~is_total & valid & ~supp)
            chosen_groups = np.zeros(n, dtype=bool)
            if len(cand):
                # Smallest positive member first (a zero reveals nothing), then by key order.
                v = values[cand]
                cand = cand[np.lexsort((order[cand], v, v == 0, gid[cand]))]
                _, first = np.unique(gid[cand], return_index=True)
                picked = cand[first]
                supp[picked] = True
                chosen_groups[gid[picked]] = True
                changed = True
            # A group whose only member is suppressed: the total equals it, so the total goes too.
            totals = np.flatnonzero(is_total & valid & ~supp & need[gid] & ~chosen_groups[gid])
            if len(totals):
                supp[totals] = True
                changed = True
    return supp


def _round(values: pa.Array, base: int) -> pa.Array:
    """Round to the nearest multiple of `base` (halves up), keeping empty values and the type."""
    as_float = pc.cast(values, pa.float64())
    rounded = pc.multiply(pc.floor(pc.add(pc.divide(as_float, float(base)), 0.5)), float(base))
    return pc.cast(rounded, values.type)


def suppress(table: pa.Table, spec: DisclosureSpec, drempel: int, afronding: int | None = None) -> DisclosureResult:
    """Apply primary and complementary suppression (and optional rounding) to a mart-shaped table."""
    if drempel < 1:
        raise ValueError(f"drempel must be at least 1, not {drempel}")
    table = table.sort_by([(k, "ascending") for k in spec.key]) if table.num_rows else table
    n_rows = table.num_rows
    frame = table.select(list(spec.key)).to_pandas()
    groups = [(gid, is_total, n) for _, gid, is_total, n in _groups(frame, spec)]

    row_flag = np.zeros(n_rows, dtype=bool)
    masks: dict[str, np.ndarray] = {}
    primary_cells = complementary_cells = derived_cells = 0
    for col in spec.counts:
        values = _numeric(table, col)
        primary = (values >= 1) & (values < drempel)
        mask = complementary(values, primary, groups) if col in spec.additive else primary
        primary_cells += int(primary.sum())
        complementary_cells += int((mask & ~primary).sum())
        masks[col] = mask
    for col, basis in spec.derived.items():
        present = ~np.asarray(table.column(col).is_null().to_numpy(zero_copy_only=False), dtype=bool)
        total = np.zeros(n_rows)
        basis_suppressed = np.zeros(n_rows, dtype=bool)
        for b in basis:
            total += np.nan_to_num(_numeric(table, b))
            if b in masks:
                basis_suppressed |= masks[b]
        mask = present & ((total < drempel * spec.factor.get(col, 1)) | basis_suppressed)
        derived_cells += int(mask.sum())
        masks[col] = mask

    columns = {}
    for name in table.column_names:
        array = table.column(name).combine_chunks()
        if name in masks:
            mask = masks[name]
            row_flag |= mask & ~np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            array = pc.if_else(pa.array(mask), pa.nulls(n_rows, array.type), array)
        if afronding and name in spec.counts:
            array = _round(array, afronding)
        columns[name] = array
    columns[ONDERDRUKT] = pa.array(row_flag, pa.bool_())
    out = pa.table(columns)
    return DisclosureResult(
        table=out,
        primary_cells=primary_cells,
        complementary_cells=complementary_cells,
        derived_cells=derived_cells,
        suppressed_rows=int(row_flag.sum()),
    )


def recomputable_cells(table: pa.Table, spec: DisclosureSpec) -> list[dict]:
    """Groups (a TOTAAL row and the rows it rolls up) in which exactly one additive count is empty.

    Such an empty cell equals the total minus the other cells; a correctly suppressed table has
    none. Returns one dict per offending group (column, roll-up dimension, the group's key).
    """
    if not table.num_rows:
        return []
    frame = table.select(list(spec.key)).to_pandas()
    found = []
    for name, gid, is_total, n in _groups(frame, spec):
        others = [k for k in spec.key if k != name] if name in spec.rollups else list(spec.key)
        has_total = np.bincount(gid, weights=is_total, minlength=n) > 0
        for col in spec.additive:
            empty = np.asarray(table.column(col).is_null().to_numpy(zero_copy_only=False), dtype=bool)
            count = np.bincount(gid, weights=empty, minlength=n)
            for g in np.flatnonzero(has_total & (count == 1)):
                # Named by the group's total row (for a period group: the larger period).
                row = int(np.flatnonzero((gid == g) & is_total)[0])
                found.append({"column": col, "dimension": name, **{k: frame[k].iloc[row] for k in others}})
    return found
