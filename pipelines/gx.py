"""Wiring of the Great Expectations validation into delivery intake and the Data Docs asset."""

from pathlib import Path

from expectations.gx_validation import GxValidator
from expectations.rules import ValidationReport
from sources.definitions import Definitions
from sources.intake import GxHook, GxRecord

# One validator per data dir and definitions version per process: reopening the GX project costs ~0.3 s.
_VALIDATORS: dict[tuple[Path, str], GxValidator] = {}


def validator(defs: Definitions, root: Path) -> GxValidator:
    key = (Path(root).resolve(), defs.versie)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = GxValidator(defs, root)
    return _VALIDATORS[key]


def gx_hook(defs: Definitions, root: Path) -> GxHook:
    gx = validator(defs, root)

    def run(report: ValidationReport, levering_id: str, previous_row_count: int | None) -> GxRecord:
        outcome = gx.validate(report, levering_id, previous_row_count=previous_row_count)
        return GxRecord(outcome.run_id, outcome.results, outcome.data_docs_page)

    return run
