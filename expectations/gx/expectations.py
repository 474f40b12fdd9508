"""Great Expectations custom metric and expectations that validate the checks of the rules engine.

The row logic of a rule exists once: the mask functions in `expectations/rules.py`. The rules engine
checks a delivery (`rules.checks`, one check per rule and column, or per file rule) and GX validates
what it found: the batch GX is given is the delivery's checks, a few dozen rows, never the delivery's
records. So GX does not hash millions of rows, and no data value ever reaches it: a check carries a
rule code, a column name (as `rules.safe_column_names` shows it), a failing count, the first failing
row numbers (spreadsheet rows: header = row 1, first record = row 2) and the rule's messages.

One expectation per rule, both BatchExpectations on that batch:

* `ExpectRowsToPassKetenmonitorRule`: every record passes one rule on the columns it applies to
  (`kolommen`; `"*"`, for ALG-PRIV-001 only, is every column of the delivery the suite does not name,
  unknown columns included). Its result lists per failing column the count and the first rows.
* `ExpectDeliveryToPassKetenmonitorRule`: the file passes one file-level rule (path, organisation,
  bron, readability, limits, columns, column names, "has records", the row-count change).

A rule with no row in the batch was not evaluated: the file could not be read, so only the checks made
before reading are there (`outcome_batch`).
"""

from __future__ import annotations

import html
from typing import Any, ClassVar, List, Literal, Optional, Tuple, Union  # noqa: UP035 # GX models are pydantic v1

import pandas as pd

# Public GX API only (issue 11); what GX offers no public way for is in compat.py. Custom Expectations,
# Metrics and renderers are GX's documented extension mechanism, and these are the paths its docs use:
# - the custom-expectation templates (examples/expectations/*_template.py, "Create a Custom Batch
#   Expectation"): ExecutionEngine, PandasExecutionEngine, BatchExpectation, ExpectationConfiguration,
#   MetricConfiguration, metric_value, TableMetricProvider;
# - the documented custom query metrics: execution_engine.get_compute_domain(..., MetricDomainTypes.TABLE);
# - "How to create renderers for custom Expectations": the @renderer decorator, the renderer types and the
#   Rendered*Content classes (exported by great_expectations.render);
# - FailureSeverity: the type of the public Expectation.severity field (and of the @public_api
#   ExpectationSuiteValidationResult.get_max_severity_failure).
# The underscored methods below (`_validate`, `_pandas` metric functions, @renderer methods) are the hooks
# those docs and GX 1.24's base-class docstrings tell custom classes to implement, not private accessors;
# the private kwarg accessors GX has no hook for are in compat.py.
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import ExecutionEngine, PandasExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.metrics.metric_provider import MetricConfiguration, metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider
from great_expectations.render import (
    LegacyDiagnosticRendererType,
    LegacyRendererType,
    RenderedStringTemplateContent,
    RenderedTableContent,
)
from great_expectations.render.renderer.renderer import renderer

from expectations import rules
from expectations.gx.compat import FastExpectationKwargs
from sources.definitions import PRE_READ_CHECKS, Regel

OTHER_COLUMNS = "*"
NOT_EVALUATED = "niet beoordeeld: bestand niet gelezen / not evaluated: file not read"

SEVERITY = {"error": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}

CHECKS_METRIC = "ketenmonitor.controles"

# The batch: one row per check (per finding when a file rule finds several); `getoetst` is the number of
# records checked (None before reading), `rijen` the first failing row numbers.
BATCH_COLUMNS = ("regel_code", "kolom", "aantal", "rijen", "getoetst", "melding_nl", "melding_en")
FINDING_KEYS = ("kolom", "aantal", "rijen", "melding_nl", "melding_en")


# --- the batch: the checks of one delivery ----------------------------------------------------------


def _row(regel: Regel, kolom: str | None, getoetst: int | None, result: rules.RuleResult | None) -> dict[str, Any]:
    if result is None:
        return {"regel_code": regel.code, "kolom": kolom, "aantal": 0, "rijen": [], "getoetst": getoetst}
    return {
        "regel_code": regel.code,
        "kolom": result.kolom,
        "aantal": int(result.aantal),
        "rijen": [int(r) for r in result.rijen],
        "getoetst": getoetst,
        "melding_nl": result.melding_nl,
        "melding_en": result.melding_en,
    }


def outcome_batch(
    regels: list[Regel],
    pre_read: list[rules.RuleResult],
    checks: list[rules.Check] | None,
    records: int | None,
) -> pd.DataFrame:
    """The GX batch of a delivery: a row per check of `regels` (the suite's rules, in its order).

    `pre_read` are the findings of the checks made before reading (every one of them was made); `checks`
    those made after reading (`rules.checks`) over `records` records, None when the file was not read:
    then the rules on the file's contents have no row, "not evaluated". A rule with no check of its own
    on a read file (its columns are missing, which ALG-KOL-001 reports) passed: one row without a column.
    """
    by_code: dict[str, list[rules.Check]] = {}
    for check in checks or []:
        by_code.setdefault(check.regel.code, []).append(check)
    rows: list[dict[str, Any]] = []
    for regel in regels:
        if regel.controle in PRE_READ_CHECKS:
            found = [r for r in pre_read if r.code == regel.code]
            rows += [_row(regel, r.kolom, None, r) for r in found] or [_row(regel, None, None, None)]
            continue
        if checks is None:
            continue
        made = by_code.pop(regel.code, None) or [rules.Check(regel, None, [])]
        for check in made:
            rows += [_row(regel, check.kolom, records, r) for r in check.results]
            rows += [] if check.results else [_row(regel, check.kolom, records, None)]
    # A check of a rule the suite has no expectation for stays in the batch: the validator refuses it.
    for made in by_code.values():
        for check in made:
            rows += [_row(check.regel, check.kolom, records, r) for r in check.results]
    batch = pd.DataFrame(rows, columns=list(BATCH_COLUMNS))
    batch["aantal"] = batch["aantal"].astype("int64")
    batch["getoetst"] = batch["getoetst"].astype("Int64")
    return batch


def unexpected_codes(batch: pd.DataFrame, codes: set[str]) -> list[str]:
    """Rule codes with a failing check in `batch` but no expectation among `codes`."""
    failing = batch.loc[batch["aantal"] > 0, "regel_code"]
    return sorted(set(failing) - codes)


def shown(value: Any) -> str:
    """Text a delivery controls, for a Data Docs page: masked (`rules.safe_text`), then HTML-escaped.

    GX puts a string that a diagnostic renderer returns, and each cell of a RenderedTableContent, into
    the page as HTML without escaping it (GX 1.24 escapes only the `$params` of a string template), so
    our renderers escape what they return themselves.
    """
    return html.escape(rules.safe_text(value), quote=True)


def _value(value: Any) -> Any:
    """A batch cell as plain JSON: GX stores the results, numpy scalars and NA do not serialise."""
    if isinstance(value, list):
        return [int(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


# --- the metric -----------------------------------------------------------------------------------


class ChecksMetric(TableMetricProvider):
    """The batch's checks by rule code (each a dict of BATCH_COLUMNS): computed once per validation."""

    metric_name = CHECKS_METRIC

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, list[dict[str, Any]]]:
        batch, _, _ = execution_engine.get_compute_domain(metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE)
        by_code: dict[str, list[dict[str, Any]]] = {}
        present = [c for c in BATCH_COLUMNS if c in batch.columns]
        for row in batch[present].to_dict("records"):
            check = {c: _value(row.get(c)) for c in BATCH_COLUMNS}
            by_code.setdefault(str(check["regel_code"]), []).append(check)
        return by_code


def _checks_dependency(expectation: Any, dependencies: Any) -> Any:
    # Every expectation asks for the same configuration (the whole batch, no value kwargs): GX resolves it once.
    dependencies.set_metric_configuration(
        CHECKS_METRIC, MetricConfiguration(CHECKS_METRIC, {"batch_id": expectation.batch_id}, {})
    )
    return dependencies


def _findings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: row[k] for k in FINDING_KEYS} for row in rows if row["aantal"]]


# --- rendering helpers ----------------------------------------------------------------------------

_BADGE = {"classes": ["badge", "badge-secondary"]}


def _configuration(
    configuration: ExpectationConfiguration | None, result: Any | None
) -> ExpectationConfiguration | None:
    if configuration is None and result is not None:
        return getattr(result, "expectation_config", None)
    return configuration


def _column_text(kolom: str | None) -> str:
    if kolom == OTHER_COLUMNS:
        return "alle overige kolommen / all other columns"
    return kolom or "bestand / file"


def _requirements(configuration: ExpectationConfiguration) -> list[tuple[str, str]]:
    """(columns, requirement) pairs: per group of columns with the same requirement, or the file's one.

    A validation stored before one expectation covered a rule's columns has `kolom` and `meta.eis`.
    """
    kwargs, meta = configuration.kwargs, configuration.meta or {}
    eisen = meta.get("eisen")
    if eisen is None:
        eisen = [{"kolommen": [kwargs.get("kolom")], **(meta.get("eis") or {})}]
    pairs = []
    for eis in eisen:
        kolommen = ", ".join(_column_text(k) for k in eis.get("kolommen") or [None])
        text = " / ".join(t for t in (eis.get("nl"), eis.get("en")) if t) or kwargs.get("controle", "")
        pairs.append((kolommen, text))
    return pairs


def _rule_text(configuration: ExpectationConfiguration | None) -> RenderedStringTemplateContent:
    """The rule as a board member reads it.

    E.g. "GIM-003 (error) — datum_in_kennisstelling: niet meer dan 7 dagen voor datum_uitspraak / not more
    than 7 days before datum_uitspraak", instead of the class name and its kwargs; a rule on columns of
    different types names each group: "ALG-TYPE-001 (error) — geboortejaar: ... geheel getal ...;
    datum_uitspraak, datum_einde: ... datum ...".
    """
    if configuration is None:
        return RenderedStringTemplateContent(
            content_block_type="string_template", string_template={"template": "Ketenmonitor-regel", "params": {}}
        )
    kwargs = configuration.kwargs
    params: dict[str, Any] = {"regel_code": kwargs.get("regel_code", "?"), "ernst": kwargs.get("ernst", "?")}
    styling: dict[str, Any] = {"regel_code": _BADGE, "ernst": {"tag": "strong"}}
    parts = []
    for i, (kolommen, eis) in enumerate(_requirements(configuration)):
        suffix = "" if i == 0 else f"_{i}"  # one group: the names the single-column rules always had
        params[f"kolom{suffix}"], params[f"eis{suffix}"] = kolommen, eis
        styling[f"kolom{suffix}"] = {"tag": "code"}
        parts.append(f"$kolom{suffix}: $eis{suffix}")
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$regel_code ($ernst) — " + "; ".join(parts),
            "params": params,
            "styling": {"params": styling},
        },
    )


def _text(template: str, params: dict[str, Any] | None = None, classes: list[str] | None = None) -> Any:
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={"template": template, "params": params or {}, "styling": {"classes": classes or []}},
    )


# --- expectations ---------------------------------------------------------------------------------


class ExpectRowsToPassKetenmonitorRule(FastExpectationKwargs, BatchExpectation):
    """Every record passes one Ketenmonitor rule (definitions/) on each column it applies to.

    Validated on the rules engine's checks (see the module docstring): the result names per failing
    column the number of failing records and the first row numbers, never a value.
    """

    regel_code: str
    kolommen: List[str] = []  # noqa: UP006, RUF012 # "*" (ALG-PRIV-001): every column the suite does not name
    controle: str
    ernst: Literal["error", "warning"]
    bron: str
    # What an earlier version stored (one expectation per rule and column, on the delivery's records): still
    # accepted, so that a GX project of that version opens (its suites are then replaced) and its stored
    # validations still render in Data Docs. Unused by the suites generated now.
    column: Optional[str] = None  # noqa: UP045
    kolom: Optional[str] = None  # noqa: UP045
    peildatum: Union[str, dict, None] = None  # noqa: UP007
    behalve_kolommen: List[str] = []  # noqa: UP006, RUF012
    mostly: float = 1.0

    success_keys: ClassVar[Tuple[str, ...]] = ("regel_code", "kolommen")  # noqa: UP006
    library_metadata: ClassVar[dict] = {"tags": ["ketenmonitor"], "contributors": ["Ketenmonitor"]}

    def get_validation_dependencies(
        self,
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> Any:
        dependencies = super().get_validation_dependencies(
            execution_engine=execution_engine, runtime_configuration=runtime_configuration
        )
        return _checks_dependency(self, dependencies)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
    ) -> dict:
        rows = metrics[CHECKS_METRIC].get(self.regel_code, [])
        failing = _findings(rows)
        aantal = sum(f["aantal"] for f in failing)
        return {
            "success": not failing,
            "result": {
                "observed_value": aantal,
                "element_count": next((r["getoetst"] for r in rows if r["getoetst"] is not None), 0),
                "unexpected_count": aantal,
                "details": {"kolommen": failing, "beoordeeld": bool(rows)},
            },
        }

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(
        cls,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        result: Any = None,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> list[RenderedStringTemplateContent]:
        return [_rule_text(_configuration(configuration, result))]

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(
        cls,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        result: Any = None,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> str:
        if result is None or not result.result:
            return "--"
        details = result.result.get("details") or {}
        if not details.get("beoordeeld", True):
            return NOT_EVALUATED
        aantal = result.result.get("unexpected_count") or 0
        totaal = result.result.get("element_count") or 0
        kolommen = len(details.get("kolommen") or [])
        if kolommen > 1:
            return (
                f"{aantal} fout(en) in {kolommen} kolommen van {totaal} rij(en) / "
                f"{aantal} failure(s) in {kolommen} columns of {totaal} row(s)"
            )
        return f"{aantal} van {totaal} rij(en) fout / {aantal} of {totaal} row(s) failing"

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.UNEXPECTED_STATEMENT)
    def _diagnostic_unexpected_statement_renderer(
        cls,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        result: Any = None,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> list:
        if result is None or result.success or not result.result:
            return []
        aantal = result.result.get("unexpected_count", 0)
        kolommen = len((result.result.get("details") or {}).get("kolommen") or [])
        if kolommen > 1:
            return [
                _text(
                    "\n\n$aantal fout(en) in $kolommen kolommen / $aantal failure(s) in $kolommen columns.",
                    {"aantal": aantal, "kolommen": kolommen},
                    ["text-danger"],
                )
            ]
        return [_text("\n\n$aantal rij(en) voldoen niet / $aantal row(s) fail.", {"aantal": aantal}, ["text-danger"])]

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.UNEXPECTED_TABLE)
    def _diagnostic_unexpected_table_renderer(
        cls,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        result: Any = None,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> list | None:
        if result is None or result.success or not result.result:
            return None
        kolommen = (result.result.get("details") or {}).get("kolommen") or []
        if not kolommen:
            return None
        table = [
            [
                shown(k["kolom"]),
                k["aantal"],
                ", ".join(map(str, k["rijen"])) + (", ..." if k["aantal"] > len(k["rijen"]) else ""),
            ]
            for k in kolommen
        ]
        return [
            RenderedTableContent(
                content_block_type="table",
                table=table,
                header_row=["Kolom / column", "Rijen fout / rows failing", "Eerste rijen / first rows"],
                styling={"body": {"classes": ["table-bordered", "table-sm", "mt-3"]}},
            )
        ]


class ExpectDeliveryToPassKetenmonitorRule(FastExpectationKwargs, BatchExpectation):
    """The delivery file passes one file-level Ketenmonitor rule (columns, names, records, path, organisation)."""

    regel_code: str
    controle: str
    ernst: Literal["error", "warning"]
    bron: Optional[str] = None  # noqa: UP045 # None in the file-only suite of a delivery without a known bron
    # What an earlier version stored (findings as suite parameters): accepted, see ExpectRowsToPassKetenmonitorRule.
    bevindingen: Union[List[dict], dict, None] = None  # noqa: UP006, UP007
    aantal_vorig: Union[int, dict, None] = None  # noqa: UP007

    success_keys: ClassVar[Tuple[str, ...]] = ("regel_code",)  # noqa: UP006
    library_metadata: ClassVar[dict] = {"tags": ["ketenmonitor"], "contributors": ["Ketenmonitor"]}

    def get_validation_dependencies(
        self,
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> Any:
        dependencies = super().get_validation_dependencies(
            execution_engine=execution_engine, runtime_configuration=runtime_configuration
        )
        return _checks_dependency(self, dependencies)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
    ) -> dict:
        rows = metrics[CHECKS_METRIC].get(self.regel_code, [])
        findings = _findings(rows)
        return {
            "success": not findings,
            "result": {
                "observed_value": sum(f["aantal"] for f in findings),
                "details": {"bevindingen": findings, "beoordeeld": bool(rows)},
            },
        }

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(
        cls,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        result: Any = None,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> list[RenderedStringTemplateContent]:
        return [_rule_text(_configuration(configuration, result))]

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(
        cls,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        result: Any = None,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> str:
        if result is None or not result.result:
            return "--"
        details = result.result.get("details") or {}
        findings = details.get("bevindingen") or []
        if not findings:
            return "in orde / passed" if details.get("beoordeeld", True) else NOT_EVALUATED
        return "; ".join(shown(_finding_text(f)) for f in findings)


def _finding_text(finding: dict[str, Any]) -> str:
    if finding.get("melding_nl"):
        return f"{finding['melding_nl']} / {finding.get('melding_en', '')}"
    # A validation stored before the findings carried their messages.
    parts = [f"kolom {finding['kolom']}"] if finding.get("kolom") else []
    if finding.get("reden_nl"):
        parts.append(f"{finding['reden_nl']} / {finding['reden_en']}")
    if finding.get("params"):
        parts.append(", ".join(f"{k} {v}" for k, v in sorted(finding["params"].items())))
    return " ".join(parts) or "niet in orde / failed"


__all__ = [
    "BATCH_COLUMNS",
    "CHECKS_METRIC",
    "OTHER_COLUMNS",
    "SEVERITY",
    "ExpectDeliveryToPassKetenmonitorRule",
    "ExpectRowsToPassKetenmonitorRule",
    "outcome_batch",
    "shown",
    "unexpected_codes",
]
