"""Region by month (docs/contract.md section 4.5): the municipality of every record in every month.

A record's municipality in month M is the one in its organisation's accepted delivery with the
earliest peildatum on or after M's last day (the delivery in force when none is that late), so
a child who moves does not take its history to the new region. Every delivery is a full
snapshot, so this history cannot be read from the delivery in force: it is folded in, delivery
by delivery in order of peildatum, into `historie.gemeenten` (intervals of months per record).
A new delivery adds only its own changes (one join against the open intervals); only a delivery
that arrives out of order (an older peildatum, or a new version of a peildatum already folded
in) makes its organisation's history be folded in again from its deliveries.

Retention (marts/opschonen.py) removes the typed copies of old superseded deliveries. Before it
does, `freeze_history` keeps the organisation's history as folded up to the last of them (the
purge horizon) in `historie.basis_gemeenten` and `historie.basis_opgenomen`; a refold starts from
that baseline and folds only the deliveries after the horizon. An accepted delivery with a
peildatum on or before the horizon that was not folded in then (one arriving years late) is
left out of the history: the deliveries it would be folded between are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

import duckdb

from marts.registry import accepted_deliveries, ensure_schema
from marts.sql import run_sql
from sources.definitions import Definitions


def record_key_sql(defs: Definitions, bron: str) -> str:
    """The SQL expression of a record's key (`record_sleutel`): its key columns joined by '|'."""
    b = defs.bronnen[bron]
    columns = list(getattr(b, "sleutel", None) or [b.record_id])
    if len(columns) == 1:
        return f"CAST({columns[0]} AS VARCHAR)"
    # An empty key part (an anonymous advice request's kind_id) stays distinguishable from '|'.
    return "concat_ws('|', " + ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in columns) + ")"


def has_history(defs: Definitions, bron: str) -> bool:
    """Only a bron whose records carry a municipality has a region history."""
    return any(k.naam == "gemeente_code" for k in defs.bronnen[bron].kolommen)


@dataclass(frozen=True)
class HistoryResult:
    bron: str
    # Deliveries folded in by this call, and organisations whose history was folded in again.
    added: int
    refolded: list[str]


class HistoryNotCurrent(RuntimeError):
    """The history of an organisation is not folded from its deliveries in force (run the pipeline first)."""


def _baselines(con: duckdb.DuckDBPyConnection, bron: str) -> dict[str, list[tuple]]:
    """organisation -> the deliveries in its frozen baseline, (peildatum, levering_id, sha256, versie) in order."""
    rows = run_sql(con, "historie/basis_opgenomen", fetch=True, bron=bron)
    return {
        org: [(p, lid, sha, versie) for _, p, lid, sha, versie in group]
        for org, group in groupby(rows, key=lambda r: r[0])
    }


def _plan(basis: list[tuple], done: list[tuple], rows: list[tuple], versie: str) -> tuple[list[tuple], bool]:
    """The deliveries to fold in (after the baseline's horizon) and whether the history must start over.

    `rows` are the organisation's accepted deliveries (organisatie_code, peildatum, levering_id,
    sha256, path) in order of peildatum; `done` what historie.opgenomen holds for it.
    """
    horizon = basis[-1][0] if basis else None
    rows = [r for r in rows if horizon is None or r[1] > horizon]
    target = basis + [(p, lid, sha, versie) for _, p, lid, sha, _ in rows]
    if len(done) >= len(basis) and done == target[: len(done)]:
        return rows[len(done) - len(basis) :], False
    return rows, True


def _fold(
    con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str, org: str, rows: list[tuple], previous: date | None
) -> int:
    """Fold deliveries (organisatie_code, peildatum, levering_id, sha256, path) in, in order."""
    sleutel = record_key_sql(defs, bron)
    for _, peildatum, levering_id, sha256, path in rows:
        run_sql(
            con,
            "historie/voeg_toe",
            format_args={"sleutel": sleutel},
            bron=bron,
            organisatie_code=org,
            bestand=path,
            vorige_peildatum=previous,
            peildatum=peildatum,
            levering_id=levering_id,
            sha256=sha256,
            definities_versie=defs.versie,
        )
        previous = peildatum
    return len(rows)


def _start_over(con: duckdb.DuckDBPyConnection, bron: str, org: str, basis: list[tuple]) -> None:
    """Forget an organisation's history, back to its baseline when a purge froze one."""
    run_sql(con, "historie/vergeet", bron=bron, organisatie_code=org)
    if basis:
        run_sql(con, "historie/herstel_basis", bron=bron, organisatie_code=org)


def update_history(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str) -> HistoryResult:
    """Fold every accepted delivery of `bron` not yet in the history into it (the caller commits)."""
    ensure_schema(con)
    wanted = {org: list(rows) for org, rows in groupby(accepted_deliveries(con, defs, bron), key=lambda r: r[0])}
    folded = run_sql(con, "historie/opgenomen", fetch=True, bron=bron)
    folded_by_org = {org: [tuple(r[1:]) for r in rows] for org, rows in groupby(folded, key=lambda r: r[0])}
    baselines = _baselines(con, bron)
    added, refolded = 0, []
    # An organisation whose deliveries were all purged still has its baseline.
    for org in sorted(set(wanted) | set(baselines)):
        basis = baselines.get(org, [])
        done = folded_by_org.pop(org, [])
        todo, again = _plan(basis, done, wanted.get(org, []), defs.versie)
        if again:
            # An older peildatum arrived late, a peildatum was delivered again, or the
            # definitions changed: fold this organisation's deliveries in again, in order
            # (from its baseline, if a purge froze one).
            _start_over(con, bron, org, basis)
            refolded.append(org)
            previous = basis[-1][0] if basis else None
        else:
            previous = done[-1][0] if done else None
        added += _fold(con, defs, bron, org, todo, previous)
    # An organisation with no accepted delivery and no baseline left keeps no history.
    for org in folded_by_org:
        run_sql(con, "historie/vergeet", bron=bron, organisatie_code=org)
        refolded.append(org)
    return HistoryResult(bron, added, refolded)


def history_current(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str, organisatie_code: str) -> bool:
    """Whether an organisation's history is folded from exactly its accepted deliveries (nothing to fold)."""
    ensure_schema(con)
    rows = [r for r in accepted_deliveries(con, defs, bron) if r[0] == organisatie_code]
    rows_folded = run_sql(con, "historie/opgenomen", fetch=True, bron=bron)
    folded = [tuple(r[1:]) for r in rows_folded if r[0] == organisatie_code]
    basis = _baselines(con, bron).get(organisatie_code, [])
    todo, again = _plan(basis, folded, rows, defs.versie)
    return not (again or todo)


def freeze_history(
    con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str, organisatie_code: str, horizon: date
) -> int:
    """Keep an organisation's history as folded from its deliveries up to `horizon` (a peildatum) as its
    baseline, so that their typed copies may go; returns how many deliveries the baseline holds.

    Needs the history folded from the deliveries in force (else `HistoryNotCurrent`, and nothing
    changes) and the typed copies of the deliveries after the previous baseline. Folds them in
    again from that baseline, keeps the state at the horizon, folds the later ones, and checks
    that the result is the history it started from (else RuntimeError): a later refold from the
    baseline gives the same region by month. The caller holds the transaction.
    """
    org = organisatie_code
    if not history_current(con, defs, bron, org):
        raise HistoryNotCurrent(f"the region history of {org} ({bron}) is not up to date with its deliveries")
    rows = [r for r in accepted_deliveries(con, defs, bron) if r[0] == org]
    basis = _baselines(con, bron).get(org, [])
    if basis and horizon <= basis[-1][0]:
        return len(basis)
    later = [r for r in rows if not basis or r[1] > basis[-1][0]]
    run_sql(con, "historie/bewaar_stand", bron=bron, organisatie_code=org)
    _start_over(con, bron, org, basis)
    previous = basis[-1][0] if basis else None
    before = [r for r in later if r[1] <= horizon]
    _fold(con, defs, bron, org, before, previous)
    run_sql(con, "historie/bevries_basis", bron=bron, organisatie_code=org)
    _fold(con, defs, bron, org, [r for r in later if r[1] > horizon], before[-1][1] if before else previous)
    [(verschil,)] = run_sql(con, "historie/vergelijk_stand", fetch=True, bron=bron, organisatie_code=org)
    if verschil:
        raise RuntimeError(f"the baseline of {org} ({bron}) does not give back its history ({verschil} rows differ)")
    return len(basis) + len(before)
