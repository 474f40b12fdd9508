"""Deliveries: the whole inbox in one step (asset `leveringen`), and the Data Docs (asset `data_docs`).

One step takes in every new or changed inbox file (marts/intake.py: archive, rules, a Great
Expectations checkpoint, the verdict, a typed copy), then publishes the validation results as
Data Docs. A file version processed before under these definitions is not processed again.
Every delivery is named in the step's metadata with its verdict and rule results, and in the
two checks `fouten` and `waarschuwingen`. Why one batch asset and not one partition per file:
docs/benchmark.md ("One run").

Great Expectations is imported only when a delivery is new: a run with nothing new never pays
its ~4 s import.
"""

import contextlib
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dagster as dg

from expectations.rules import RuleResult, ValidationReport, safe_text
from marts.intake import GEACCEPTEERD, GxHook, GxRecord, inbox_file, process_delivery, usable_name
from marts.registry import current_deliveries, inbox_state, processed_versions, record_inbox
from pipelines.precheck import file_sha256, inbox_keys
from pipelines.progress import Progress
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.archive import sha256_text
from sources.definitions import Definitions, current_definitions
from sources.paths import inbox_dir

LEVERINGEN = dg.AssetKey("leveringen")
DATA_DOCS = dg.AssetKey("data_docs")
CHECK_FOUTEN = "fouten"
CHECK_WAARSCHUWINGEN = "waarschuwingen"
MAX_RULES_IN_METADATA = 50

# Verdicts of one delivery in one run.
NIEUW = "nieuw"  # processed in this run
ONGEWIJZIGD = "ongewijzigd"  # this version was processed before
TERUG = "terug"  # an earlier version, processed before, put back under its name
MISLUKT = "mislukt"  # could not be processed (unreadable file, an error in the pipeline)


# One validator per data dir and definitions version per process: opening the GX project costs ~0.3 s.
_VALIDATORS: dict[tuple[Path, str], object] = {}


def validator(defs: Definitions, root: Path):
    """The GX validator of a data dir (imports great_expectations on first use)."""
    from expectations.gx.validation import GxValidator

    key = (Path(root).resolve(), defs.versie)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = GxValidator(defs, root)
    return _VALIDATORS[key]


def gx_hook(defs: Definitions, root: Path) -> GxHook:
    """Intake's hook that runs the delivery's GX checkpoint (GX is opened on the first delivery)."""

    def run(report: ValidationReport, levering_id: str, previous_row_count: int | None) -> GxRecord:
        outcome = validator(defs, root).validate(report, levering_id, previous_row_count=previous_row_count)
        return GxRecord(outcome.run_id, outcome.results, outcome.data_docs_page)

    return run


@dataclass
class Delivery:
    """One inbox file's outcome in a run, as the run summary and the asset's metadata show it."""

    levering_id: str
    verloop: str  # NIEUW, ONGEWIJZIGD, TERUG or MISLUKT
    status: str | None = None  # geaccepteerd | quarantaine (None: MISLUKT)
    fouten: list[str] = field(default_factory=list)  # codes of the failing error rules
    waarschuwingen: list[str] = field(default_factory=list)
    rijen: int | None = None
    sha256: str | None = None
    data_docs: str | None = None
    reden: str | None = None  # why it failed
    # The rule results of a delivery processed in this run (code, ernst, kolom, aantal, rijen, melding).
    regels: list[dict] = field(default_factory=list)


@dataclass
class Intake:
    deliveries: list[Delivery]
    missing: list[str]  # in force, no longer in the inbox
    validated: int  # deliveries that went through GX in this run
    # Wall-clock (start, end) of each phase of each delivery taken in (archive, read, rules, gx,
    # store; docs for the Data Docs): the benchmark's stages.
    timings: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def _rule_rows(results: list[RuleResult]) -> list[dict]:
    return [
        {
            "code": r.code,
            "ernst": r.ernst,
            "kolom": safe_text(r.kolom) if r.kolom else r.kolom,
            "aantal": r.aantal,
            "rijen": r.rijen,
            "melding": safe_text(r.melding_en),
        }
        for r in results[:MAX_RULES_IN_METADATA]
    ]


def _codes(results: list[RuleResult], errors: bool) -> list[str]:
    return sorted({r.code for r in results if r.is_error == errors})


def take_in(root: Path, defs: Definitions, warehouse: Warehouse, progress: Progress) -> Intake:
    """Every inbox file: the new and changed ones processed, the others reported from the registry.

    What the inbox holds now is recorded first: the version under each name decides which
    delivery is in force (an earlier version put back is in force again). A file that cannot be
    read or processed fails alone; the other deliveries go on.
    """
    inbox = inbox_dir(root)
    keys = inbox_keys(inbox) if inbox.is_dir() else []
    deliveries: dict[str, Delivery] = {}
    versions = {}
    for key in keys:
        try:
            versions[key] = file_sha256(inbox_file(inbox, key))
        except OSError as exc:
            deliveries[key] = Delivery(key, MISLUKT, reden=f"cannot be read ({exc.strerror or exc})")
            progress.line(f"  {safe_text(key)}: FAILED, cannot be read ({exc.strerror or exc})")
    validated = 0
    timings: dict[str, list[tuple[float, float]]] = {}
    hook = gx_hook(defs, root)
    with warehouse.connect() as con:
        done = processed_versions(con, defs)
        last_seen = inbox_state(con)
        record_inbox(con, versions)
        new = [k for k in keys if k in versions and (k, versions[k]) not in done]
        progress.line(f"Deliveries in {inbox}: {len(keys)} ({len(new)} to process)")
        if any(usable_name(k) for k in new):
            # Opening GX (importing great_expectations, about 4 s, and its project) is a fixed cost of
            # a run with anything new to validate, timed as its own phase rather than inside the first
            # delivery's. (A file whose name is unusable is reported without GX.)
            started = time.time()
            # Should it fail, it fails again in each delivery, which reports it.
            with contextlib.suppress(Exception):
                validator(defs, root)
            timings["gx_open"] = [(started, time.time())]
        for i, key in enumerate(keys, 1):
            if key not in versions:
                continue
            sha256 = versions[key]
            if (key, sha256) in done:
                status, codes = done[(key, sha256)]
                restored = last_seen.get(key, sha256) != sha256
                fouten = [c for c in codes.split(",") if c] if status != GEACCEPTEERD else []
                deliveries[key] = Delivery(
                    key, TERUG if restored else ONGEWIJZIGD, status, fouten=fouten, sha256=sha256
                )
                if restored and status == GEACCEPTEERD:
                    progress.line(f"  [{i}/{len(keys)}] {safe_text(key)}: accepted (an earlier version, back in force)")
                elif restored:
                    progress.line(
                        f"  [{i}/{len(keys)}] {safe_text(key)}: QUARANTINED ({', '.join(fouten)}; "
                        "an earlier version, rejected before)"
                    )
                continue
            try:
                outcome = process_delivery(con, root, defs, key, gx=hook)
            except Exception as exc:  # one broken delivery must not stop the others
                deliveries[key] = Delivery(key, MISLUKT, sha256=sha256, reden=f"{type(exc).__name__}: {exc}")
                progress.line(f"  [{i}/{len(keys)}] {safe_text(key)}: FAILED ({safe_text(type(exc).__name__)})")
                continue
            validated += 1
            for phase, span in outcome.timings.items():
                timings.setdefault(phase, []).append(span)
            deliveries[key] = Delivery(
                key,
                NIEUW,
                outcome.status,
                fouten=_codes(outcome.results, errors=True),
                waarschuwingen=_codes(outcome.results, errors=False),
                rijen=outcome.aantal_rijen,
                sha256=outcome.sha256,
                data_docs=safe_text(outcome.data_docs_page) if outcome.data_docs_page else None,
                regels=_rule_rows(outcome.results),
            )
            verdict = (
                "accepted"
                if outcome.status == GEACCEPTEERD
                else "QUARANTINED (" + ", ".join(deliveries[key].fouten) + ")"
            )
            progress.line(f"  [{i}/{len(keys)}] {safe_text(key)}: {verdict}")
        in_force = {row[2] for bron in defs.bronnen for row in current_deliveries(con, defs, bron)}
    missing = sorted(in_force - set(keys))
    return Intake([deliveries[k] for k in sorted(deliveries)], missing, validated, timings)


def _check(
    name: str, failing: list[Delivery], severity: dg.AssetCheckSeverity, description: str, errors: bool
) -> dg.AssetCheckResult:
    def detail(d: Delivery) -> dict:
        codes = d.fouten if errors else d.waarschuwingen
        rules = [r for r in d.regels if (r["ernst"] == "error") == errors]
        return {"codes": codes, "rules": rules, "data_docs": d.data_docs}

    return dg.AssetCheckResult(
        asset_key=LEVERINGEN,
        check_name=name,
        passed=not failing,
        severity=severity,
        description=description,
        metadata={
            "deliveries": len(failing),
            "rule_codes": ", ".join(sorted({c for d in failing for c in (d.fouten if errors else d.waarschuwingen)}))
            or "-",
            "per_delivery": dg.MetadataValue.json({safe_text(d.levering_id): detail(d) for d in failing}),
        },
    )


@dg.multi_asset(
    name="leveringen",
    specs=[
        dg.AssetSpec(
            LEVERINGEN,
            group_name="deliveries",
            kinds={"duckdb", "great_expectations"},
            description=(
                "Every delivery file in the inbox: archived byte for byte with its sha256, validated against "
                "definitions/ (a Great Expectations checkpoint per delivery), then accepted (typed copy for "
                "staging) or quarantined (meta.quarantaine). A file version processed before is not processed "
                "again. The metadata names every delivery with its verdict and rule codes."
            ),
        ),
        dg.AssetSpec(
            DATA_DOCS,
            deps=[LEVERINGEN],
            group_name="deliveries",
            kinds={"great_expectations"},
            description=(
                "The Great Expectations Data Docs at <data dir>/reports/data_docs/: one validation per delivery, "
                "named organisation · bron · peildatum, readable offline by the governance board. Rebuilt when "
                "a delivery was validated."
            ),
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(CHECK_FOUTEN, asset=LEVERINGEN, description="no delivery in the inbox is quarantined"),
        dg.AssetCheckSpec(
            CHECK_WAARSCHUWINGEN, asset=LEVERINGEN, description="no delivery processed in this run has warnings"
        ),
    ],
    pool=DUCKDB_POOL,
)
def leveringen(
    context: dg.AssetExecutionContext, warehouse: Warehouse, progress: dg.ResourceParam[Progress]
) -> Iterator:
    started = time.monotonic()
    defs = current_definitions()
    intake = take_in(warehouse.root, defs, warehouse, progress)
    progress.intake = intake
    # The rules a new delivery broke, in the run's log; written as safe_text shows them (no pseudonym or
    # BSN in the event log, no escape sequence on a console). One message per delivery: every log
    # message is an event written to the run's storage (~10 ms each; 41 in the demo, one per rule).
    for d in intake.deliveries:
        broken = [r for r in (d.regels if d.verloop == NIEUW else []) if r["ernst"] == "error"]
        if broken:
            context.log.warning(
                "\n".join(f"{safe_text(d.levering_id)}: {r['code']} {r['kolom']}: {r['melding']}" for r in broken)
            )
    docs = None
    if intake.validated:
        begun = time.time()
        docs = validator(defs, warehouse.root).build_docs()
        intake.timings["docs"] = [(begun, time.time())]
    counts = {}
    for d in intake.deliveries:
        counts[d.status or MISLUKT] = counts.get(d.status or MISLUKT, 0) + 1
    yield dg.MaterializeResult(
        asset_key=LEVERINGEN,
        metadata={
            "deliveries": len(intake.deliveries),
            "processed": intake.validated,
            **{f"status_{k}": v for k, v in sorted(counts.items())},
            "missing": dg.MetadataValue.json([safe_text(k) for k in intake.missing]),
            # Everything a summary needs, per delivery; what a delivery controls is written as safe_text shows it.
            "leveringen": dg.MetadataValue.json(
                [
                    {k: (safe_text(v) if isinstance(v, str) else v) for k, v in asdict(d).items()}
                    for d in intake.deliveries
                ]
            ),
            "definitions_version": defs.versie,
            "timings": dg.MetadataValue.json(
                {phase: [[round(a, 3), round(b, 3)] for a, b in spans] for phase, spans in intake.timings.items()}
            ),
        },
        data_version=dg.DataVersion(
            sha256_text("\n".join(f"{d.levering_id}@{d.sha256}:{d.status}" for d in intake.deliveries))
        ),
    )
    yield dg.MaterializeResult(
        asset_key=DATA_DOCS,
        metadata={"index": dg.MetadataValue.path(str(docs) if docs else ""), "rebuilt": docs is not None},
    )
    quarantined = [d for d in intake.deliveries if d.status not in (GEACCEPTEERD, None)]
    yield _check(
        CHECK_FOUTEN,
        quarantined,
        dg.AssetCheckSeverity.ERROR,
        "quarantined deliveries: not loaded; the organisation's previous accepted delivery stays in force",
        errors=True,
    )
    yield _check(
        CHECK_WAARSCHUWINGEN,
        [d for d in intake.deliveries if d.waarschuwingen],
        dg.AssetCheckSeverity.WARN,
        "warning rules of the deliveries processed in this run: reported, not blocking",
        errors=False,
    )
    progress.step("deliveries", started, f"{intake.validated} processed" + (", Data Docs rebuilt" if docs else ""))
