"""Validate one delivery file end to end: path, organisation, bron, readability, then every rule.

`ketenmonitor check` (for suppliers, before sending) and delivery intake both come here; the
rules themselves and their results are in expectations/rules.py.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from expectations.rules import RuleResult, ValidationReport, checks, make_result
from sources.archive import sha256_of
from sources.definitions import Definitions, Regel, vandaag
from sources.inbox import DeliveryRef, InboxPathError, delivery_format, parse_delivery_path, parse_peildatum
from sources.readers import ExtraSheets, RefusedDelivery, UncachedFormulas, cell_ranges, read_delivery


def _general(defs: Definitions, controle: str) -> Regel:
    return defs.algemene_regel(controle)


def _reason_result(defs: Definitions, controle: str, base: dict[str, Any], nl: str, en: str) -> RuleResult:
    return make_result(_general(defs, controle), None, 1, base, nl={"reden": nl}, en={"reden": en})


def _resolve_ref(
    path: Path,
    inbox: Path | None,
    organisatie_code: str | None,
    bron: str | None,
    peildatum: date | str | None,
) -> tuple[str | None, str | None, date | None, InboxPathError | None]:
    """Organisation, bron and peildatum: the arguments, else from the inbox-style path."""
    if isinstance(peildatum, str):
        parsed = parse_peildatum(peildatum)
        if parsed is None:
            return (
                organisatie_code,
                bron,
                None,
                InboxPathError(
                    path, f"peildatum {peildatum!r} is not YYYY-MM-DD", f"peildatum {peildatum!r} is geen JJJJ-MM-DD"
                ),
            )
        peildatum = parsed
    error = None
    if organisatie_code is None or bron is None or peildatum is None:
        root = Path(inbox) if inbox is not None else (path.parents[2] if len(path.parents) >= 3 else path.parent)
        try:
            ref = parse_delivery_path(path, root)
        except InboxPathError as exc:
            error = exc
        else:
            organisatie_code = organisatie_code or ref.organisatie_code
            bron = bron or ref.bron
            peildatum = peildatum or ref.peildatum
    elif delivery_format(path) is None:
        error = InboxPathError(
            path,
            f"unknown extension {path.suffix or '(none)'}; deliver .csv, .xlsx or .parquet",
            f"onbekende extensie {path.suffix or '(geen)'}; lever .csv, .xlsx of .parquet",
        )
    return organisatie_code, bron, peildatum, error


def _refusal_result(defs: Definitions, refusal: RefusedDelivery, base: dict[str, Any]) -> RuleResult:
    """The reader's refusal as a result of its rule: unreadable, past a limit, xlsx formulas or sheets."""
    regel = _general(defs, refusal.controle)
    if isinstance(refusal, UncachedFormulas):
        cellen = cell_ranges(refusal.cells, getattr(regel, "max_bereiken", None))
        return make_result(regel, None, len(refusal.cells), base | {"werkblad": refusal.sheet, "cellen": cellen})
    if isinstance(refusal, ExtraSheets):
        werkbladen = ", ".join(refusal.sheets)
        return make_result(regel, None, len(refusal.sheets), base | {"werkbladen": werkbladen})
    return _reason_result(defs, refusal.controle, base, refusal.reden_nl, refusal.reason)


def _inbox_name(path: Path, inbox: Path | None) -> str:
    """The file as the supplier knows it: its place in the inbox, else its name."""
    if inbox is not None:
        try:
            return path.relative_to(inbox).as_posix()
        except ValueError:
            pass
    return path.name


def _organisation_results(
    defs: Definitions, organisatie_code: str | None, bron: str | None, base: dict[str, Any]
) -> list[RuleResult]:
    results = []
    organisatie = defs.organisaties_by_code.get(organisatie_code or "")
    if organisatie_code is not None and organisatie is None:
        results.append(make_result(_general(defs, "bekende_organisatie"), None, 1, base))
    if bron is None:
        return results
    org_type = organisatie.organisatie_type if organisatie else "?"
    known_bron = defs.bronnen.get(bron)
    if known_bron is None or (organisatie is not None and org_type not in known_bron.organisatie_types):
        results.append(make_result(_general(defs, "bron_toegestaan"), None, 1, base | {"organisatie_type": org_type}))
    return results


def validate_file(
    path: Path,
    defs: Definitions,
    inbox: Path | None = None,
    organisatie_code: str | None = None,
    bron: str | None = None,
    peildatum: date | str | None = None,
    previous_row_count: int | None = None,
    sha256: str | None = None,
    examples: bool = True,
) -> ValidationReport:
    """Validate one delivery file; organisation, bron and peildatum default to what its inbox path says.

    `sha256` spares hashing the file again when the caller has done so. The checks made after reading
    are kept in `report.checks`: delivery intake has Great Expectations validate them. `examples=False`
    leaves the failing values out of the results (`rules.checks`), as the Great Expectations path does.
    """
    path = Path(path)
    organisatie_code, bron, peildatum, path_error = _resolve_ref(path, inbox, organisatie_code, bron, peildatum)
    fmt = delivery_format(path)
    report = ValidationReport(
        file=path,
        organisatie_code=organisatie_code,
        bron=bron,
        peildatum=peildatum,
        fmt=fmt,
        sha256=sha256 or sha256_of(path),
        row_count=None,
    )
    label = f"{organisatie_code}/{bron}/{path.name}" if organisatie_code and bron else _inbox_name(path, inbox)
    base = {"bestand": label, "organisatie_code": organisatie_code, "bron": bron}
    if peildatum is not None:
        base["peildatum"] = peildatum.isoformat()
    if path_error is not None:
        report.results.append(_reason_result(defs, "bestandsnaam", base, path_error.reden_nl, path_error.reason))
    report.results += _organisation_results(defs, organisatie_code, bron, base)
    if peildatum is not None and peildatum > (today := vandaag(defs)):
        # Decided before reading; the file is still read, so the supplier learns every other problem too.
        future = _general(defs, "peildatum_niet_in_toekomst")
        report.results.append(make_result(future, None, 1, base | {"vandaag": today.isoformat()}))
    if path_error is not None or bron not in defs.bronnen or fmt is None:
        return report  # without a known bron, format and peildatum there is nothing to read against
    ref = DeliveryRef(organisatie_code or "?", bron, peildatum, fmt, path)
    started = time.time()
    try:
        frame = read_delivery(path, defs.bronnen[bron], defs)
    except RefusedDelivery as exc:
        report.results += [_refusal_result(defs, refusal, base) for refusal in exc.all]
        return report
    finally:
        report.timings["read"] = (started, time.time())
    report.row_count = len(frame)
    report.frame = frame
    started = time.time()
    report.checks = checks(frame, ref, defs, previous_row_count, examples)
    report.results += [r for check in report.checks for r in check.results]
    report.timings["rules"] = (started, time.time())
    return report
