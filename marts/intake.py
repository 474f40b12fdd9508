"""Take in one delivery file: archive it, validate it, record the verdict, keep a typed copy.

The same file version (same sha256) under the same definitions version is processed once:
delivering it again changes nothing. A rejected delivery stays in the archive and is listed
in `meta.quarantaine`; it never replaces the organisation's last accepted delivery (staging
picks the delivery in force, see marts/meta/geaccepteerde_leveringen.sql). Every intake records
which version its file holds now (meta.inbox_versies), so an earlier version put back under
the same name is in force again.

A delivery is keyed (levering_id, the Dagster partition key) by its path in the inbox as
`inbox_name` writes it: a name that is not valid UTF-8, or holds a control character, a
backslash or "...", cannot be a key or a registry value as it is; it is written with `\\xNN`
escapes, and the file is archived and quarantined under the path rule ALG-BEST-003 without its
contents being checked (rename it and deliver it again).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from expectations.rules import RuleResult, ValidationReport, make_result
from expectations.validate import validate_file
from marts.registry import earlier_processing, ensure_schema, previous_row_count, record_inbox, stored_results
from marts.sql import run_sql
from sources.archive import archive_delivery, normalised_path, sha256_of, write_normalised
from sources.definitions import Definitions
from sources.inbox import InboxPathError, delivery_format, parse_delivery_path
from sources.paths import inbox_dir

GEACCEPTEERD = "geaccepteerd"
QUARANTAINE = "quarantaine"

# What a delivery's key cannot hold as it is: bytes that are not UTF-8 (lone surrogates, as
# Python decodes them), control characters (Dagster refuses them in a partition key), "..."
# (Dagster's key range separator) and the backslash (so that the escapes are unambiguous).
_UNUSABLE = re.compile(r"[\ud800-\udfff]|[\x00-\x1f\x7f-\x9f]|\\|\.\.\.")


def _escape(match: re.Match[str]) -> str:
    text = match.group()
    if text == "...":
        return ".\\x2e."
    code = ord(text)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as surrogateescape decoded it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def inbox_name(relative: str) -> str:
    """The key of an inbox file (its path relative to the inbox): the path itself when it can be one.

    Otherwise each byte that is not UTF-8 is written `\\xNN` (b"\\xff" as `\\xff`), each control
    character `\\xNN` or `\\uNNNN`, a backslash `\\x5c` and "..." `.\\x2e.`: readable, valid UTF-8, a valid
    Dagster partition key, and never the key of another file.
    """
    return _UNUSABLE.sub(_escape, relative)


def usable_name(relative: str) -> bool:
    """Whether an inbox path (relative to the inbox) is its own key: a name that can be validated.

    An unusable name (not UTF-8, control characters) is reported without reading or GX.
    """
    return inbox_name(relative) == relative


def inbox_file(inbox: Path, levering_id: str) -> Path:
    """The inbox file a key stands for (see `inbox_name`); `inbox / levering_id` when it is not there."""
    path = inbox / levering_id
    if "\\" not in levering_id:  # only an escaped name holds a backslash
        return path
    for candidate in sorted(inbox.rglob("*")):
        if candidate.is_file() and inbox_name(candidate.relative_to(inbox).as_posix()) == levering_id:
            return candidate
    return path


def _unusable_name_report(defs: Definitions, path: Path, levering_id: str, sha256: str) -> ValidationReport:
    """The verdict on a file whose name cannot be used as it is: the path rule, its contents unchecked."""
    relative = Path(levering_id)
    parts = relative.parts
    org, bron = (parts[0], parts[1]) if len(parts) == 3 else (None, None)
    if re.search(r"[\ud800-\udfff]", path.as_posix()):
        en, nl = "is not valid UTF-8", "is geen geldige UTF-8"
    else:
        en = "holds a control character, a backslash or '...'"
        nl = "bevat een stuurteken, een backslash of '...'"
    layout = "<organisatie_code>/<bron>/<peildatum>.<csv|xlsx|parquet>"
    result = make_result(
        defs.algemene_regel("bestandsnaam"),
        None,
        1,
        {"bestand": levering_id, "organisatie_code": org, "bron": bron},
        nl={
            "reden": f"de naam {nl} (hier met \\x-codes geschreven); hernoem het bestand naar {layout} "
            "en lever het opnieuw"
        },
        en={"reden": f"the name {en} (written here with \\x codes); rename the file to {layout} and deliver it again"},
    )
    return ValidationReport(
        file=path,
        organisatie_code=org,
        bron=bron,
        peildatum=None,
        fmt=delivery_format(relative),
        sha256=sha256,
        row_count=None,
        results=[result],
    )


@dataclass
class GxRecord:
    """What the Great Expectations validation of a delivery left behind."""

    run_id: str | None
    results: list[RuleResult]
    data_docs_page: Path | None


# Runs the GX checkpoint for a validated report (report, levering_id, previous row count);
# None skips GX, leaving the rules engine's results (pure-logic tests).
GxHook = Callable[[ValidationReport, str, int | None], GxRecord]


@dataclass
class IntakeResult:
    levering_id: str
    sha256: str
    status: str
    results: list[RuleResult]
    organisatie_code: str | None
    bron: str | None
    peildatum: object
    aantal_rijen: int | None
    archief_pad: Path
    data_docs_page: str | None = None
    gx_run_id: str | None = None
    already_processed: bool = False
    # Wall-clock (start, end) per phase: archive, read, rules (without GX), gx, store. For the benchmark.
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)
    errors: list[RuleResult] = field(init=False)
    warnings: list[RuleResult] = field(init=False)

    def __post_init__(self) -> None:
        self.errors = [r for r in self.results if r.is_error]
        self.warnings = [r for r in self.results if not r.is_error]


def process_delivery(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    defs: Definitions,
    levering_id: str,
    gx: GxHook | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Archive, validate and register the inbox file `levering_id` (its path relative to the inbox)."""
    inbox = inbox_dir(root)
    path = inbox_file(inbox, levering_id)
    usable = usable_name(path.relative_to(inbox).as_posix())
    started = time.time()
    sha256 = sha256_of(path)
    archived = archive_delivery(path, root, Path(levering_id), sha256)
    timings = {"archive": (started, time.time())}
    key = {"levering_id": levering_id, "sha256": sha256, "definities_versie": defs.versie}
    ensure_schema(con)
    # This version is the one under this name now (the inbox sensor's runs; `ketenmonitor run`
    # recorded the whole inbox already).
    record_inbox(con, {levering_id: sha256}, now)
    # The inbox path is parsed here once; validation takes what it says (and parses a misplaced file itself).
    try:
        ref = parse_delivery_path(path, inbox) if usable else None
    except InboxPathError:
        ref = None
    org, bron, peildatum = (ref.organisatie_code, ref.bron, ref.peildatum) if ref else (None, None, None)

    earlier = earlier_processing(con, key)
    if earlier:
        status, aantal, run_id, docs, _normalised, _ = earlier
        return IntakeResult(
            levering_id,
            sha256,
            status,
            stored_results(con, key),
            org,
            bron,
            peildatum,
            aantal,
            archived,
            docs,
            run_id,
            already_processed=True,
            timings=timings,
        )

    if not usable:
        report = _unusable_name_report(defs, path, levering_id, sha256)
        record = GxRecord(None, report.results, None)
    else:
        previous = previous_row_count(con, org, bron, peildatum) if ref else None
        # The rules engine checks the records once; with GX the checks are then validated by GX, whose
        # results count (they never show failing values, so the engine does not look them up).
        report = validate_file(
            path,
            defs,
            inbox=inbox,
            organisatie_code=org,
            bron=bron,
            peildatum=peildatum,
            previous_row_count=previous,
            sha256=sha256,
            examples=gx is None,
        )
        timings |= report.timings
        started = time.time()
        record = gx(report, levering_id, previous) if gx is not None else GxRecord(None, report.results, None)
        if gx is not None:
            timings["gx"] = (started, time.time())
    started = time.time()
    results = record.results
    accepted = not any(r.is_error for r in results)
    normalised = None
    if accepted and report.frame is not None:
        normalised = normalised_path(root, report.organisatie_code, report.bron, report.peildatum, sha256)
        write_normalised(
            report.frame.typed, defs, report.bron, report.organisatie_code, report.peildatum, levering_id, normalised
        )
    now = now or datetime.now()
    status = GEACCEPTEERD if accepted else QUARANTAINE
    broken = ",".join(sorted({r.code for r in results}))
    docs = str(record.data_docs_page) if record.data_docs_page else None
    con.begin()
    try:
        run_sql(
            con,
            "meta/registreer_levering",
            **key,
            organisatie_code=report.organisatie_code,
            bron=report.bron,
            peildatum=report.peildatum,
            formaat=report.fmt,
            aantal_rijen=report.row_count,
            status=status,
            fouten=sum(r.is_error for r in results),
            waarschuwingen=sum(not r.is_error for r in results),
            regels=broken,
            archief_pad=str(archived),
            genormaliseerd_pad=str(normalised) if normalised else None,
            gx_run_id=record.run_id,
            data_docs_pad=docs,
            verwerkt_op=now,
        )
        for r in results:
            run_sql(
                con,
                "meta/registreer_regelresultaat",
                **key,
                code=r.code,
                ernst=r.ernst,
                controle=r.controle,
                kolom=r.kolom,
                aantal=r.aantal,
                rijen=r.rijen,
                melding_nl=r.melding_nl,
                melding_en=r.melding_en,
            )
        if not accepted:
            run_sql(
                con,
                "meta/registreer_quarantaine",
                levering_id=levering_id,
                sha256=sha256,
                organisatie_code=report.organisatie_code,
                bron=report.bron,
                peildatum=report.peildatum,
                tijdstip=now,
                regels=broken,
                archief_pad=str(archived),
                data_docs_pad=docs,
            )
        con.commit()
    except Exception:
        con.rollback()
        raise
    timings["store"] = (started, time.time())
    return IntakeResult(
        levering_id,
        sha256,
        status,
        results,
        report.organisatie_code,
        report.bron,
        report.peildatum,
        report.row_count,
        archived,
        docs,
        record.run_id,
        timings=timings,
    )
