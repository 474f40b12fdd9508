"""Region by month (docs/contract.md section 4.5): the municipality of every record in every month.

A record's municipality in month M is the one in its organisation's accepted delivery with the
earliest peildatum on or after M's last day (the delivery in force when none is that late), so
a child who moves does not take its history to the new region. Every delivery is a full
snapshot, so this history cannot be read from the delivery in force: it is folded in, delivery
by delivery in order of peildatum, into `historie.gemeenten` (intervals of months per record).
A new delivery adds only its own changes (one join against the open intervals); only a delivery
that arrives out of order (an older peildatum, or a new version of a peildatum already folded
in) makes its organisation's history be folded in again from its deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def update_history(con: duckdb.DuckDBPyConnection, defs: Definitions, bron: str) -> HistoryResult:
    """Fold every accepted delivery of `bron` not yet in the history into it (the caller commits)."""
    ensure_schema(con)
    wanted = accepted_deliveries(con, defs, bron)
    folded = run_sql(con, "historie/opgenomen", fetch=True, bron=bron)
    folded_by_org = {org: list(rows) for org, rows in groupby(folded, key=lambda r: r[0])}
    added, refolded = 0, []
    sleutel = record_key_sql(defs, bron)
    for org, rows in groupby(wanted, key=lambda r: r[0]):
        rows = list(rows)
        done = [(p, lid, sha, versie) for _, p, lid, sha, versie in folded_by_org.pop(org, [])]
        target = [(p, lid, sha, defs.versie) for _, p, lid, sha, _ in rows]
        if done == target[: len(done)]:
            todo = rows[len(done) :]
            previous = done[-1][0] if done else None
        else:
            # An older peildatum arrived late, a peildatum was delivered again, or the
            # definitions changed: fold this organisation's deliveries in again, in order.
            run_sql(con, "historie/vergeet", bron=bron, organisatie_code=org)
            refolded.append(org)
            todo, previous = rows, None
        for _, peildatum, levering_id, sha256, path in todo:
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
            added += 1
    # An organisation with no accepted delivery left keeps no history.
    for org in folded_by_org:
        run_sql(con, "historie/vergeet", bron=bron, organisatie_code=org)
        refolded.append(org)
    return HistoryResult(bron, added, refolded)
