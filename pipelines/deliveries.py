"""Deliveries: every inbox file is a partition of `levering` (intake in marts/intake.py, validated
by Great Expectations through expectations/gx/); `data_docs` publishes the validation results.
The inbox sensor that adds and runs new partitions is in pipelines/automation.py.
"""

import warnings
from pathlib import Path

import dagster as dg

from expectations.gx.validation import GxValidator
from expectations.rules import ValidationReport, safe_text
from marts.intake import GxHook, GxRecord, IntakeResult, inbox_name, process_delivery
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import Definitions, current_definitions
from sources.inbox import scan_inbox

# One partition per delivery file, keyed by its place in the inbox: <org>/<bron>/<peildatum>.<ext>.
leveringen_partitions = dg.DynamicPartitionsDefinition(name="leveringen")

# Per-delivery check results need partitioned check specs, a preview feature in Dagster 1.13;
# pinned to 1.13.x in pyproject.toml, so the warning says nothing new at every import.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
)

CHECK_FOUTEN = "fouten"
CHECK_WAARSCHUWINGEN = "waarschuwingen"
MAX_RULES_IN_METADATA = 50


# One validator per data dir and definitions version per process: reopening the GX project costs ~0.3 s.
_VALIDATORS: dict[tuple[Path, str], GxValidator] = {}


def validator(defs: Definitions, root: Path) -> GxValidator:
    key = (Path(root).resolve(), defs.versie)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = GxValidator(defs, root)
    return _VALIDATORS[key]


def gx_hook(defs: Definitions, root: Path) -> GxHook:
    """Intake's hook that runs the delivery's GX checkpoint."""
    gx = validator(defs, root)

    def run(report: ValidationReport, levering_id: str, previous_row_count: int | None) -> GxRecord:
        outcome = gx.validate(report, levering_id, previous_row_count=previous_row_count)
        return GxRecord(outcome.run_id, outcome.results, outcome.data_docs_page)

    return run


def inbox_keys(inbox_root) -> list[str]:
    """Every delivery file in the inbox, misplaced ones included (they are rejected, not ignored).

    Keyed by `inbox_name`: a name that is not valid UTF-8 or holds a control character is
    written with escapes (its file is quarantined), so it never stops the other deliveries.
    """
    refs, errors = scan_inbox(inbox_root)
    keys = [r.path.relative_to(inbox_root).as_posix() for r in refs]
    keys += [e.path.relative_to(inbox_root).as_posix() for e in errors if e.path.is_file()]
    return sorted({inbox_name(k) for k in keys})


def _rule_rows(results) -> list[dict]:
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


def _check_result(
    name: str, failing: list, severity: dg.AssetCheckSeverity, description: str, docs: dict
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        passed=not failing,
        severity=severity,
        description=description,
        metadata={
            "failing_rules": len(failing),
            "rule_codes": ", ".join(sorted({r.code for r in failing})) or "-",
            "rules": dg.MetadataValue.json(_rule_rows(failing)),
            **docs,
        },
    )


def _check_results(outcome: IntakeResult) -> list[dg.AssetCheckResult]:
    docs = {"data_docs": dg.MetadataValue.path(safe_text(outcome.data_docs_page))} if outcome.data_docs_page else {}
    return [
        _check_result(
            CHECK_FOUTEN,
            outcome.errors,
            dg.AssetCheckSeverity.ERROR,
            "error rules: a failing delivery is quarantined and not loaded",
            docs,
        ),
        _check_result(
            CHECK_WAARSCHUWINGEN,
            outcome.warnings,
            dg.AssetCheckSeverity.WARN,
            "warning rules: reported, not blocking",
            docs,
        ),
    ]


@dg.asset(
    group_name="deliveries",
    partitions_def=leveringen_partitions,
    pool=DUCKDB_POOL,
    kinds={"duckdb", "great_expectations"},
    description=(
        "One delivery file from the inbox: archived byte for byte with its sha256, validated against "
        "definitions/ (Great Expectations checkpoint, Data Docs), then accepted (typed copy for staging) "
        "or quarantined (meta.quarantaine). The same file twice changes nothing."
    ),
    check_specs=[
        dg.AssetCheckSpec(CHECK_FOUTEN, asset="levering", partitions_def=leveringen_partitions),
        dg.AssetCheckSpec(CHECK_WAARSCHUWINGEN, asset="levering", partitions_def=leveringen_partitions),
    ],
)
def levering(context: dg.AssetExecutionContext, warehouse: Warehouse):
    defs = current_definitions()
    with warehouse.connect() as con:
        outcome = process_delivery(con, warehouse.root, defs, context.partition_key, gx=gx_hook(defs, warehouse.root))
    verdict = "already processed: " if outcome.already_processed else ""
    # What the delivery controls (its path, column names, the messages quoting them) is logged as
    # safe_text shows it: no pseudonym or BSN in the event log, no escape sequence on a console.
    context.log.info(
        f"{safe_text(outcome.levering_id)}: {verdict}{outcome.status} ({len(outcome.errors)} error rule(s))"
    )
    for r in outcome.errors:
        context.log.warning(f"{r.code} {safe_text(r.kolom)}: {safe_text(r.melding_en)}")
    yield dg.MaterializeResult(
        metadata={
            "status": outcome.status,
            "organisatie_code": safe_text(outcome.organisatie_code) or "?",
            "bron": safe_text(outcome.bron) or "?",
            "peildatum": str(outcome.peildatum or "?"),
            "sha256": outcome.sha256,
            "rows": outcome.aantal_rijen if outcome.aantal_rijen is not None else -1,
            "archive": dg.MetadataValue.path(safe_text(outcome.archief_pad)),
            "already_processed": outcome.already_processed,
            "definitions_version": defs.versie,
            # Wall-clock start and end of each phase (archive, read, rules, gx, store): the benchmark's stages.
            "timings": dg.MetadataValue.json({k: [round(a, 3), round(b, 3)] for k, (a, b) in outcome.timings.items()}),
        },
        data_version=dg.DataVersion(f"{outcome.sha256[:16]}-{defs.versie}"),
    )
    yield from _check_results(outcome)


@dg.asset(
    group_name="deliveries",
    deps=[levering],
    # Not a DuckDB writer, but the GX project is single-writer too: serialise it with the deliveries.
    pool=DUCKDB_POOL,
    kinds={"great_expectations"},
    description=(
        "The Great Expectations Data Docs at <data dir>/reports/data_docs/: one validation per delivery, "
        "named organisation · bron · peildatum, readable offline by the governance board."
    ),
    automation_condition=dg.AutomationCondition.eager(),
)
def data_docs(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    index = validator(current_definitions(), warehouse.root).build_docs()
    context.log.info(f"Data Docs: {index}")
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(index))})
