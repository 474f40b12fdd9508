"""Great Expectations custom metrics and expectations that reuse the rule masks of `expectations.rules`.

The row logic of a rule exists once: the mask functions in `expectations/rules.py`. GX does not
get a second copy of it; its custom metrics call `rules.failing_rows` on a `DeliveryFrame` that
they rebuild from the batch.

The batch is a delivery's `raw` frame (every column as trimmed strings, the readers' normalised
names) plus the column `Rij`, the spreadsheet row number of each record (header = row 1, first
record = row 2). `Rij` starts with a capital so that it can never collide with a delivery column:
the readers lowercase every name, and a supplier may well add a column "rij" of their own, which
must be checked (and rejected) like any unknown column instead of being overwritten.

Two expectations carry every rule:

* `ExpectRowsToPassKetenmonitorRule`, a ColumnMapExpectation on `Rij`. Its condition is "this row
  is not in the rule's failing mask", so the unexpected values GX reports, stores and renders are
  ROW NUMBERS, never a data value: no pseudonym, record id or BSN reaches a result or Data Docs.
  `kolom` names the delivery column; `kolom="*"` (ALG-PRIV-001 only) means every column of the
  delivery that has no expectation of its own for the rule: the known columns of other types and
  every unknown column, which the suite cannot list in advance.
* `ExpectDeliveryToPassKetenmonitorRule`, a BatchExpectation for the file-level rules: exact
  columns, forbidden column names and "has records" are evaluated from the batch (its column names
  and rows, through `rules.column_problems` / `rules.forbidden_columns`); the row-count change is
  evaluated from the batch and the previous delivery's count (suite parameter `aantal_vorig`) or,
  without that count, taken from the rules engine; the checks that happen before a file can be read
  (path, organisation, bron, readability) arrive as suite parameters `bevindingen_<code>` holding
  the rules engine's findings.

A batch without any delivery column is a placeholder: the file could not be read (or its bron is
unknown), there are no rows to check, and only the findings passed in as parameters count.

The metrics need the `Definitions`; `active_definitions(defs)` sets them for a validation run
(the adapter in `expectations.gx.validation` does), otherwise the repository's definitions are loaded.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, ClassVar, Dict, List, Literal, Optional, Tuple, Union  # noqa: UP035 # GX models are pydantic v1

import numpy as np
import pandas as pd

# Public GX API only (issue 11); what GX offers no public way for is in compat.py. Custom Expectations,
# Metrics and renderers are GX's documented extension mechanism, and these are the paths its docs use:
# - the custom-expectation templates (examples/expectations/*_template.py, "Create a Custom Batch / Column
#   Map Expectation"): ExecutionEngine, PandasExecutionEngine, BatchExpectation, ColumnMapExpectation,
#   ExpectationConfiguration, ColumnMapMetricProvider, column_condition_partial, MetricConfiguration,
#   metric_value, TableMetricProvider;
# - the documented custom query metrics: execution_engine.get_compute_domain(..., MetricDomainTypes.TABLE);
# - "How to create renderers for custom Expectations": the @renderer decorator, the renderer types and the
#   Rendered*Content classes (exported by great_expectations.render);
# - FailureSeverity: the type of the public Expectation.severity field (and of the @public_api
#   ExpectationSuiteValidationResult.get_max_severity_failure).
# The underscored methods below (`_validate`, `_get_evaluation_dependencies`, `_pandas` metric functions,
# @renderer methods) are the hooks those docs and GX 1.24's base-class docstrings tell custom classes to
# implement, not private accessors; the private kwarg accessors GX has no hook for are in compat.py.
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import ExecutionEngine, PandasExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation, ColumnMapExpectation
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial
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
from sources.definitions import Definitions, current_definitions
from sources.readers import FIRST_RECORD_ROW, DeliveryFrame, type_columns

ROW_COLUMN = "Rij"
OTHER_COLUMNS = "*"
# The file's own column names travel with the batch (pandas `attrs`): a repeated name ("kind_id" twice)
# is only visible there, the batch itself has the readers' de-duplicated names ("kind_id.1").
HEADER_ATTR = "ketenmonitor_kopregel"
FORMAT_ATTR = "ketenmonitor_formaat"
MAX_ROWS = rules.MAX_EXAMPLES
NOT_EVALUATED = "niet beoordeeld: bestand niet gelezen / not evaluated: file not read"

SEVERITY = {"error": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}

FRAME_METRIC = "ketenmonitor.levering"
ROW_FINDINGS_METRIC = "ketenmonitor.regel.bevindingen"
ROW_CONDITION = "column_values.ketenmonitor_regel"
FILE_FINDINGS_METRIC = "ketenmonitor.bestandsregel.bevindingen"

# Kwargs of the row expectation that the metrics need (metric value keys must be success keys in GX).
ROW_KEYS = ("regel_code", "kolom", "bron", "peildatum", "behalve_kolommen")
FILE_KEYS = ("regel_code", "bron", "bevindingen", "aantal_vorig")


# --- the definitions of the current run ---------------------------------------------------------

_ACTIVE: ContextVar[Definitions | None] = ContextVar("ketenmonitor_definitions", default=None)
# The batch being validated and the DeliveryFrame it was made from: the frame metric takes the reader's
# typed columns instead of parsing the raw strings a second time (seconds on a national delivery).
_KNOWN: ContextVar[tuple[pd.DataFrame, DeliveryFrame] | None] = ContextVar("ketenmonitor_frame", default=None)


@contextmanager
def active_definitions(defs: Definitions) -> Iterator[Definitions]:
    """Let the metrics use `defs` (instead of the repository's definitions) within the block."""
    token = _ACTIVE.set(defs)
    try:
        yield defs
    finally:
        _ACTIVE.reset(token)


@contextmanager
def known_frame(batch: pd.DataFrame, frame: DeliveryFrame) -> Iterator[None]:
    """Within the block, a metric on `batch` (made by `delivery_batch(frame)`) uses `frame` as it is."""
    token = _KNOWN.set((batch, frame))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def metric_definitions() -> Definitions:
    """The definitions the metrics evaluate against: those of `active_definitions`, else the loader's."""
    defs = _ACTIVE.get()
    return defs if defs is not None else current_definitions()


# --- batch <-> DeliveryFrame ----------------------------------------------------------------------


def delivery_batch(frame: DeliveryFrame) -> pd.DataFrame:
    """The GX batch of a delivery: its raw strings plus `Rij`, the spreadsheet row of each record."""
    if frame.source_rows is not None:
        rows = np.asarray(frame.source_rows, dtype=np.int64)
    else:
        rows = np.arange(FIRST_RECORD_ROW, len(frame) + FIRST_RECORD_ROW, dtype=np.int64)
    batch = frame.raw.copy(deep=False)  # copy-on-write: no data is copied
    batch[ROW_COLUMN] = rows
    batch.attrs[HEADER_ATTR] = list(frame.header)
    batch.attrs[FORMAT_ATTR] = frame.fmt
    return batch


def placeholder_batch() -> pd.DataFrame:
    """A one-row batch without delivery columns, for a file that could not be read as a table."""
    return pd.DataFrame({ROW_COLUMN: pd.array([None], dtype="Int64")})


def is_placeholder(batch: pd.DataFrame) -> bool:
    return all(c == ROW_COLUMN for c in batch.columns)


def frame_from_batch(batch: pd.DataFrame, bron: str, defs: Definitions) -> DeliveryFrame | None:
    """Rebuild the DeliveryFrame the rules engine saw from a batch; None for a placeholder."""
    if is_placeholder(batch):
        return None
    columns = [c for c in batch.columns if c != ROW_COLUMN]
    raw = batch[columns]
    if not isinstance(raw.index, pd.RangeIndex) or raw.index.start != 0:
        raw = raw.reset_index(drop=True)  # the masks are positional, like the readers' frames
    typed = type_columns(raw, defs.bronnen[bron], defs)
    rows = batch[ROW_COLUMN].to_numpy(dtype=np.int64, na_value=0)
    regular = np.array_equal(rows, np.arange(FIRST_RECORD_ROW, len(rows) + FIRST_RECORD_ROW))
    header = batch.attrs.get(HEADER_ATTR)
    if not isinstance(header, list) or len(header) != len(columns):
        header = columns
    return DeliveryFrame(
        raw=raw,
        typed=typed,
        header=list(header),
        fmt=str(batch.attrs.get(FORMAT_ATTR, "")),
        source_rows=None if regular else rows,
    )


def safe_column_names(names: list[str]) -> dict[str, str]:
    """Column names as a result may show them (`rules.safe_column_names`): a BSN or pseudonym is "(kolom n)"."""
    return rules.safe_column_names(names)


def shown(value: Any) -> str:
    """Text a delivery controls, for a Data Docs page: masked (`rules.safe_text`), then HTML-escaped.

    GX puts a string that a diagnostic renderer returns, and each cell of a RenderedTableContent, into
    the page as HTML without escaping it (GX 1.24 escapes only the `$params` of a string template), so
    our renderers escape what they return themselves.
    """
    return html.escape(rules.safe_text(value), quote=True)


def _table_domain(metric: MetricConfiguration) -> dict:
    # Always the same domain (the whole batch), whichever expectation asks: GX resolves a metric once
    # per distinct (name, domain, value kwargs), so the frame and each rule's mask are computed once.
    return {"batch_id": metric.metric_domain_kwargs.get("batch_id")}


def _batch(execution_engine: ExecutionEngine, metric_domain_kwargs: dict) -> pd.DataFrame:
    df, _, _ = execution_engine.get_compute_domain(metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE)
    return df


def _peildatum(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# --- metrics ------------------------------------------------------------------------------------


class DeliveryFrameMetric(TableMetricProvider):
    """The batch as the rules engine's DeliveryFrame (typed values parsed once per batch).

    Every rule expectation of a suite depends on this one metric configuration, and GX resolves
    each configuration once per validation: the 2M-row parse happens once, not 40 times.
    """

    metric_name = FRAME_METRIC
    value_keys = ("bron",)

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: Dict[str, Any],  # noqa: UP006
        runtime_configuration: dict,
    ) -> DeliveryFrame | None:
        defs = metric_definitions()
        bron = metric_value_kwargs.get("bron")
        if bron not in defs.bronnen:
            return None
        batch = _batch(execution_engine, metric_domain_kwargs)
        known = _KNOWN.get()
        if known is not None and known[0] is batch:
            return known[1]
        return frame_from_batch(batch, bron, defs)


class RuleFindingsMetric(TableMetricProvider):
    """One rule on one column (or on every other column, `kolom="*"`): the failing mask and a summary.

    The mask is `rules.failing_rows`; the summary per failing column holds its name, the number of
    failing rows and the first row numbers, never a value.
    """

    metric_name = ROW_FINDINGS_METRIC
    value_keys = ROW_KEYS

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: Dict[str, Any],  # noqa: UP006
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        frame: DeliveryFrame | None = metrics[FRAME_METRIC]
        batch_rows = int(metrics["table.row_count"])
        mask = np.zeros(batch_rows, dtype=bool)
        kolommen: list[dict[str, Any]] = []
        if frame is None:
            return {"mask": mask, "kolommen": kolommen, "beoordeeld": False}
        defs = metric_definitions()
        kw = metric_value_kwargs
        regel = defs.regel(kw["regel_code"])
        ctx = rules.RuleContext(defs=defs, bron=defs.bronnen[kw["bron"]], peildatum=_peildatum(kw.get("peildatum")))
        applicable = rules.applicable_columns(regel, frame, ctx)
        if kw["kolom"] == OTHER_COLUMNS:
            skip = set(kw.get("behalve_kolommen") or ())
            targets = [c for c in applicable if c not in skip]
        else:
            # A missing column (ALG-KOL-001 reports it) leaves the rule nothing to check, as in the engine.
            targets = [kw["kolom"]] if kw["kolom"] in applicable else []
        names = safe_column_names(list(frame.raw.columns))
        for kolom in targets:
            failing = rules.failing_rows(regel, kolom, frame, ctx).to_numpy(dtype=bool)
            aantal = int(failing.sum())
            if aantal:
                mask |= failing
                kolommen.append(
                    {"kolom": names[kolom], "aantal": aantal, "rijen": frame.row_numbers(failing, limit=MAX_ROWS)}
                )
        return {"mask": mask, "kolommen": kolommen, "beoordeeld": True}

    @classmethod
    def _get_evaluation_dependencies(
        cls,
        metric: MetricConfiguration,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
    ) -> dict:
        dependencies = super()._get_evaluation_dependencies(
            metric=metric,
            configuration=configuration,
            execution_engine=execution_engine,
            runtime_configuration=runtime_configuration,
        )
        domain = _table_domain(metric)
        dependencies[FRAME_METRIC] = MetricConfiguration(
            FRAME_METRIC, domain, {"bron": metric.metric_value_kwargs.get("bron")}
        )
        dependencies["table.row_count"] = MetricConfiguration("table.row_count", domain)
        return dependencies


class RowPassesRuleMetric(ColumnMapMetricProvider):
    """Condition on `Rij`: the row is not in the rule's failing mask."""

    condition_metric_name = ROW_CONDITION
    condition_value_keys = ROW_KEYS
    # The placeholder row has no row number; a real batch never has a missing `Rij`. Not filtering
    # also spares GX a copy of the whole batch per expectation.
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, _metrics: dict, **kwargs: Any) -> pd.Series:
        findings = _metrics[ROW_FINDINGS_METRIC]
        return pd.Series(~findings["mask"], index=column.index)

    @classmethod
    def _get_evaluation_dependencies(
        cls,
        metric: MetricConfiguration,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
    ) -> dict:
        dependencies = super()._get_evaluation_dependencies(
            metric=metric,
            configuration=configuration,
            execution_engine=execution_engine,
            runtime_configuration=runtime_configuration,
        )
        if metric.metric_name == f"{ROW_CONDITION}.condition":
            value_kwargs = {k: metric.metric_value_kwargs.get(k) for k in ROW_KEYS}
            dependencies[ROW_FINDINGS_METRIC] = MetricConfiguration(
                ROW_FINDINGS_METRIC, _table_domain(metric), value_kwargs
            )
        return dependencies


class FileFindingsMetric(TableMetricProvider):
    """A file-level rule's findings ({kolom, aantal, ...} each, none when it passes) and whether it was evaluated.

    Evaluated from the batch where the batch holds the answer (its column names, its rows);
    passed in by the caller (`bevindingen`) for what was decided before the file was read.
    """

    metric_name = FILE_FINDINGS_METRIC
    value_keys = FILE_KEYS

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: Dict[str, Any],  # noqa: UP006
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        kw = metric_value_kwargs
        given = [dict(b) for b in kw.get("bevindingen") or []]
        frame: DeliveryFrame | None = metrics[FRAME_METRIC]
        defs = metric_definitions()
        regel = defs.regel(kw["regel_code"])
        from_batch = {"niet_leeg", "exacte_kolommen", "verboden_kolomnamen"}
        if frame is None or kw.get("bron") not in defs.bronnen:
            # Nothing was read: what the caller found counts, the checks on the batch were not made.
            return {"bevindingen": given, "beoordeeld": regel.controle not in from_batch}
        bron = defs.bronnen[kw["bron"]]
        names = safe_column_names(list(frame.raw.columns))
        found = given
        match regel.controle:
            case "niet_leeg":
                found = [] if len(frame) else [_finding(None, 1)]
            case "exacte_kolommen":
                found = [_finding(names.get(k, k), 1, nl, en) for k, nl, en in rules.column_problems(frame, bron)]
            case "verboden_kolomnamen":
                found = [_finding(names[k], 1) for k in rules.forbidden_columns(frame, regel.patronen)]
            case "aantal_rijen_verandering" if kw.get("aantal_vorig") is not None:
                change = rules.row_count_change(len(frame), int(kw["aantal_vorig"]), defs)
                found = [] if change is None else [_finding(None, len(frame), params=change)]
        return {"bevindingen": found, "beoordeeld": True}

    @classmethod
    def _get_evaluation_dependencies(
        cls,
        metric: MetricConfiguration,
        configuration: Optional[ExpectationConfiguration] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
    ) -> dict:
        dependencies = super()._get_evaluation_dependencies(
            metric=metric,
            configuration=configuration,
            execution_engine=execution_engine,
            runtime_configuration=runtime_configuration,
        )
        dependencies[FRAME_METRIC] = MetricConfiguration(
            FRAME_METRIC, _table_domain(metric), {"bron": metric.metric_value_kwargs.get("bron")}
        )
        return dependencies


def _finding(
    kolom: str | None, aantal: int, reden_nl: str | None = None, reden_en: str | None = None, params: dict | None = None
) -> dict[str, Any]:
    """A file-level finding; `reden_*` and `params` fill the rule's message placeholders later."""
    finding: dict[str, Any] = {"kolom": kolom, "aantal": aantal}
    if reden_nl is not None:
        finding["reden_nl"], finding["reden_en"] = reden_nl, reden_en
    if params:
        finding["params"] = params
    return finding


# --- rendering helpers ----------------------------------------------------------------------------

_STYLE = {
    "params": {
        "regel_code": {"classes": ["badge", "badge-secondary"]},
        "ernst": {"tag": "strong"},
        "kolom": {"tag": "code"},
    }
}


def _configuration(
    configuration: ExpectationConfiguration | None, result: Any | None
) -> ExpectationConfiguration | None:
    if configuration is None and result is not None:
        return getattr(result, "expectation_config", None)
    return configuration


def _rule_text(configuration: ExpectationConfiguration | None) -> RenderedStringTemplateContent:
    """The rule as a board member reads it.

    E.g. "GIM-003 (error) — datum_in_kennisstelling: niet meer dan 7 dagen voor datum_uitspraak / not more
    than 7 days before datum_uitspraak", instead of the class name and its kwargs.
    """
    if configuration is None:
        return RenderedStringTemplateContent(
            content_block_type="string_template", string_template={"template": "Ketenmonitor-regel", "params": {}}
        )
    kwargs = configuration.kwargs
    eis = (configuration.meta or {}).get("eis") or {}
    kolom = kwargs.get("kolom")
    if kolom == OTHER_COLUMNS:
        kolom = "alle overige kolommen / all other columns"
    params = {
        "regel_code": kwargs.get("regel_code", "?"),
        "ernst": kwargs.get("ernst", "?"),
        "kolom": kolom or "bestand / file",
        "eis": " / ".join(t for t in (eis.get("nl"), eis.get("en")) if t) or kwargs.get("controle", ""),
    }
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={"template": "$regel_code ($ernst) — $kolom: $eis", "params": params, "styling": _STYLE},
    )


def _text(template: str, params: dict[str, Any] | None = None, classes: list[str] | None = None) -> Any:
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={"template": template, "params": params or {}, "styling": {"classes": classes or []}},
    )


# --- expectations ---------------------------------------------------------------------------------


class ExpectRowsToPassKetenmonitorRule(FastExpectationKwargs, ColumnMapExpectation):
    """Every row passes one Ketenmonitor rule (definitions/) on one delivery column.

    The expectation's column is always `Rij` (the row number), so its unexpected values are the
    failing rows' numbers: a report names rows, never values.
    """

    regel_code: str
    kolom: str
    controle: str
    ernst: Literal["error", "warning"]
    bron: str
    peildatum: Union[str, dict, None] = None  # noqa: UP007 # a date, or {"$PARAMETER": "peildatum"}
    behalve_kolommen: List[str] = []  # noqa: UP006, RUF012 # only for kolom "*": columns with their own expectation

    map_metric: ClassVar[str] = ROW_CONDITION
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly", *ROW_KEYS)  # noqa: UP006
    library_metadata: ClassVar[dict] = {"tags": ["ketenmonitor"], "contributors": ["Ketenmonitor"]}

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
    ) -> Any:
        result = super()._validate(metrics, runtime_configuration, execution_engine)
        findings = metrics.get(ROW_FINDINGS_METRIC)
        if findings is not None:
            # Per column, for kolom "*" where one expectation covers several columns; row numbers only.
            result.setdefault("result", {})["details"] = {
                "kolommen": findings["kolommen"],
                "beoordeeld": findings["beoordeeld"],
            }
        return result

    def get_validation_dependencies(
        self,
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> Any:
        dependencies = super().get_validation_dependencies(
            execution_engine=execution_engine, runtime_configuration=runtime_configuration
        )
        domain = {"batch_id": self.batch_id}
        value_kwargs = self.kwarg_values(ROW_KEYS)
        dependencies.set_metric_configuration(
            ROW_FINDINGS_METRIC, MetricConfiguration(ROW_FINDINGS_METRIC, domain, value_kwargs)
        )
        return dependencies

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
        if not (result.result.get("details") or {}).get("beoordeeld", True):
            return NOT_EVALUATED
        aantal = result.result.get("unexpected_count") or 0
        totaal = result.result.get("element_count") or 0
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
        return [
            _text(
                "\n\n$aantal rij(en) voldoen niet / $aantal row(s) fail.",
                {"aantal": result.result.get("unexpected_count", 0)},
                ["text-danger"],
            )
        ]

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
    bevindingen: Union[List[dict], dict, None] = None  # noqa: UP006, UP007 # findings before reading, as a parameter
    aantal_vorig: Union[int, dict, None] = None  # noqa: UP007 # ALG-OMV-001: the previous delivery's record count

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FILE_FINDINGS_METRIC,)  # noqa: UP006
    success_keys: ClassVar[Tuple[str, ...]] = FILE_KEYS  # noqa: UP006
    library_metadata: ClassVar[dict] = {"tags": ["ketenmonitor"], "contributors": ["Ketenmonitor"]}

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: Optional[dict] = None,  # noqa: UP045
        execution_engine: Optional[ExecutionEngine] = None,  # noqa: UP045
    ) -> dict:
        outcome = metrics[FILE_FINDINGS_METRIC]
        findings = outcome["bevindingen"]
        return {
            "success": not findings,
            "result": {
                "observed_value": sum(f["aantal"] for f in findings),
                "details": {"bevindingen": findings, "beoordeeld": outcome["beoordeeld"]},
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
    parts = [f"kolom {finding['kolom']}"] if finding.get("kolom") else []
    if finding.get("reden_nl"):
        parts.append(f"{finding['reden_nl']} / {finding['reden_en']}")
    if finding.get("params"):
        parts.append(", ".join(f"{k} {v}" for k, v in sorted(finding["params"].items())))
    return " ".join(parts) or "niet in orde / failed"


__all__ = [
    "FILE_FINDINGS_METRIC",
    "OTHER_COLUMNS",
    "ROW_COLUMN",
    "ROW_FINDINGS_METRIC",
    "SEVERITY",
    "ExpectDeliveryToPassKetenmonitorRule",
    "ExpectRowsToPassKetenmonitorRule",
    "active_definitions",
    "metric_definitions",
    "delivery_batch",
    "frame_from_batch",
    "is_placeholder",
    "placeholder_batch",
    "safe_column_names",
    "shown",
]
