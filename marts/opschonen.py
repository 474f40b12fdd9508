"""Retention (issue 16): remove the files of superseded deliveries once the bewaartermijn has passed.

The deliveries are pseudonymised personal data; the archive would keep every one of them for
ever. `bewaren.bewaartermijn_maanden` in definitions/instellingen.yaml (24) bounds that: a file
version goes when

- it is superseded: its organisation has an accepted delivery of the bron with a later peildatum
  (the peildatum in force, under the current definitions). Such a version can never be in force
  again; versions of the peildatum in force are kept, since one can be put back;
- its peildatum lies before the grens: today (KETENMONITOR_VANDAAG or the date in
  planning.tijdzone) minus the bewaartermijn.

Accepted and quarantined versions alike. What goes: its archive copy, its typed copy, and the inbox
file when that still holds this very version (same sha256), else the next definitions version would
take it in again. What stays: its rows in meta.leveringen (sha256, verdict), meta.regelresultaten
and meta.quarantaine, its Data Docs page (rule codes and row numbers, never values), its key
checks (meta.koppelgraad, meta.sleutel_vingerafdrukken), and the region by month it told
(docs/contract.md section 4.5): before a typed copy that the history was folded from goes, the
organisation's history up to the last purged peildatum is frozen as its baseline
(marts/historie.py `freeze_history`), and the purge proceeds only when that baseline gives back
the history exactly. A delivery in force is never touched, nor any file a kept version names.

`plan` lists what would go (the dry run); `execute` freezes the histories and records the purge in
meta.opgeschoond in one transaction, then removes the files. A purge that stopped halfway is
completed by the next one, and a purge with nothing left to remove changes nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from marts.historie import freeze_history, has_history, history_current
from marts.intake import inbox_file
from marts.registry import current_deliveries, ensure_schema
from marts.sql import run_sql
from sources.archive import normalised_path, sha256_of
from sources.definitions import Definitions, vandaag
from sources.paths import archive_dir, inbox_dir


def grens(today: date, maanden: int) -> date:
    """`today` minus `maanden` months (the day clamped to the month's length): older peildatums are past the term."""
    year, month = divmod(today.year * 12 + today.month - 1 - maanden, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Versie:
    """One file version past the term, with its files that are still there."""

    levering_id: str
    sha256: str
    organisatie_code: str
    bron: str
    peildatum: date
    status: str
    # Folded into the region history: frozen into the baseline before its typed copy goes.
    in_historie: bool
    bestanden: tuple[Path, ...]


@dataclass
class Opschoonplan:
    root: Path
    vandaag: date
    bewaartermijn_maanden: int
    grens: date
    versies: list[Versie] = field(default_factory=list)
    # (organisatie_code, bron) -> why its versions are left alone this time.
    overgeslagen: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def bestanden(self) -> list[Path]:
        return [p for v in self.versies for p in v.bestanden]

    def format_text(self, executed: bool = False) -> str:
        lines = [
            f"Bewaartermijn {self.bewaartermijn_maanden} months: superseded deliveries with a peildatum before "
            f"{self.grens} (today {self.vandaag}).",
        ]
        if not self.versies:
            lines.append("Nothing to remove.")
        else:
            verb = "Removed" if executed else "Would remove"
            lines.append(f"{verb} {len(self.bestanden)} file(s) of {len(self.versies)} delivery version(s):")
            for v in self.versies:
                lines.append(f"  {v.levering_id} (peildatum {v.peildatum}, {v.status}, sha256 {v.sha256[:16]})")
                lines += [f"    {_relative(p, self.root)}" for p in v.bestanden]
        for (org, bron), reason in sorted(self.overgeslagen.items()):
            lines.append(f"  left alone: {org} {bron}: {reason}")
        if self.versies and not executed:
            lines.append("Nothing was removed: run `ketenmonitor opschonen --uitvoeren` to remove these files.")
        return "\n".join(lines)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve(strict=False).is_relative_to(folder.resolve(strict=False))


def archive_paths(root: Path, levering_id: str, sha256: str) -> list[Path]:
    """Where the archive keeps a file version, as sources/archive.py `archive_delivery` names it
    (a symbolic link is kept as text under the same name plus `.symlink`)."""
    rel = Path(levering_id)
    target = archive_dir(root) / rel.parent / f"{rel.stem}.{sha256[:16]}{rel.suffix.lower()}"
    return [target, target.with_name(target.name + ".symlink")]


def _exists(path: Path) -> bool:
    return path.is_symlink() or path.is_file()


def _files(root: Path, row: tuple) -> list[Path]:
    """The files of one file version still there: archive copy, typed copy, and the inbox file when
    it holds this version. Paths are derived from the data dir (also when it moved since intake);
    a registered path counts only inside the data dir."""
    levering_id, sha256, org, bron, peildatum, _status, archived, typed, _folded = row
    candidates = archive_paths(root, levering_id, sha256) + [normalised_path(root, org, bron, peildatum, sha256)]
    candidates += [Path(p) for p in [*archived, *typed] if _inside(Path(p), root)]
    files: list[Path] = []
    seen = set()
    for path in candidates:
        if path.resolve(strict=False) not in seen and _exists(path):
            seen.add(path.resolve(strict=False))
            files.append(path)
    inbox = inbox_dir(root)
    in_inbox = inbox_file(inbox, levering_id)
    if _inside(in_inbox, inbox) and _exists(in_inbox) and sha256_of(in_inbox) == sha256:
        files.append(in_inbox)
    return files


def _protected(con: duckdb.DuckDBPyConnection, root: Path, defs: Definitions, purged: set[tuple[str, str]]) -> set:
    """Every file a version that stays names, and the files of every delivery in force."""
    keep = set()
    for levering_id, sha256, path in run_sql(con, "meta/geregistreerde_bestanden", fetch=True):
        if (levering_id, sha256) not in purged:
            keep.add(Path(path).resolve(strict=False))
    for bron in defs.bronnen:
        for org, peildatum, levering_id, sha256, typed in current_deliveries(con, defs, bron):
            paths = [*archive_paths(root, levering_id, sha256), normalised_path(root, org, bron, peildatum, sha256)]
            keep |= {p.resolve(strict=False) for p in [*paths, Path(typed)]}
            keep.add(inbox_file(inbox_dir(root), levering_id).resolve(strict=False))
    return keep


def plan(con: duckdb.DuckDBPyConnection, root: Path, defs: Definitions, today: date | None = None) -> Opschoonplan:
    """What a purge would remove now (nothing changes)."""
    ensure_schema(con)
    root = Path(root).resolve()
    termijn = defs.instellingen.bewaren.bewaartermijn_maanden
    today = today or vandaag(defs)
    result = Opschoonplan(root, today, termijn, grens(today, termijn))
    rows = run_sql(con, "meta/opschoonbaar", fetch=True, definities_versie=defs.versie, grens=result.grens)
    # A region history that is not folded from the deliveries in force (a run is due) cannot be
    # frozen safely: that organisation and bron wait for the next purge.
    for org, bron in sorted({(r[2], r[3]) for r in rows}):
        if bron in defs.bronnen and has_history(defs, bron) and not history_current(con, defs, bron, org):
            result.overgeslagen[(org, bron)] = "its region history is not up to date; run `ketenmonitor run` first"
    rows = [r for r in rows if (r[2], r[3]) not in result.overgeslagen]
    protected = _protected(con, root, defs, {(r[0], r[1]) for r in rows})
    for row in rows:
        files = [p for p in _files(root, row) if p.resolve(strict=False) not in protected]
        if files:
            result.versies.append(Versie(*row[:6], bool(row[8]), tuple(files)))
    return result


def execute(
    con: duckdb.DuckDBPyConnection,
    defs: Definitions,
    opschoonplan: Opschoonplan,
    now: datetime | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Carry out a plan: freeze the histories and record the purge (one transaction), then remove the
    files; returns the files removed. Nothing is removed when freezing fails."""
    now = now or datetime.now()
    horizons: dict[tuple[str, str], date] = {}
    for v in opschoonplan.versies:
        if v.in_historie and has_history(defs, v.bron):
            key = (v.bron, v.organisatie_code)
            horizons[key] = max(horizons.get(key, v.peildatum), v.peildatum)
    con.begin()
    try:
        for (bron, org), horizon in sorted(horizons.items()):
            kept = freeze_history(con, defs, bron, org, horizon)
            log(f"  region history of {org} ({bron}) frozen up to {horizon} ({kept} deliveries)")
        for v in opschoonplan.versies:
            run_sql(
                con,
                "meta/registreer_opgeschoond",
                levering_id=v.levering_id,
                sha256=v.sha256,
                organisatie_code=v.organisatie_code,
                bron=v.bron,
                peildatum=v.peildatum,
                bewaartermijn_maanden=opschoonplan.bewaartermijn_maanden,
                grens=opschoonplan.grens,
                bestanden=[_relative(p, opschoonplan.root) for p in v.bestanden],
                opgeschoond_op=now,
            )
        con.commit()
    except Exception:
        con.rollback()
        raise
    removed = []
    for path in opschoonplan.bestanden:
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def opschonen(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    defs: Definitions,
    uitvoeren: bool = False,
    today: date | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[Opschoonplan, list[Path]]:
    """What the bewaartermijn lets go now, and, with `uitvoeren`, remove it: (the plan, the files removed)."""
    opschoonplan = plan(con, root, defs, today)
    if not uitvoeren or not opschoonplan.versies:
        return opschoonplan, []
    return opschoonplan, execute(con, defs, opschoonplan, log=log)
