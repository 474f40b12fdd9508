"""Checks on the marts, derived from their `.yml` (marts/catalog.py); the SQL is in `marts/checks/`.

`CHECK_KINDS` is the one table of the kinds of mart check: what each means, how severe a
failure is and whether it blocks what comes after (the region exports). Key, roll-up and
stock-flow checks block: complementary suppression relies on TOTAAL = the sum of its parts,
and a duplicate key counts a figure twice. Plausibility checks warn.

Which kinds apply to a model follows from its columns (`sleutel_uniek` for every model,
`geen_negatieve_aantallen` for count columns, `percentages_0_100` for percentages,
`regiocodes_bekend` for region columns, `rollup_is_som` for additive columns with TOTAAL
roll-ups, `binnen_maandraster` for an organisation's period rows) plus the kinds its `.yml`
names under `checks:` (`voorraad_stroom` for stand, `versheid` for the delivery monitor).
Each check query returns up to 5 offending rows with the total number in a `fouten` column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from marts.catalog import ModelSpec, catalog, marts, other_marts
from marts.registry import failing_checks
from marts.sql import run_sql, statements

Severity = Literal["ERROR", "WARN"]
REGION_COLUMNS = ("jeugdregio_code", "gemeente_code")
MAX_LATE_IN_METADATA = 100


@dataclass(frozen=True)
class CheckKind:
    name: str
    severity: Severity
    # A failure stops what reads the model downstream (the region exports).
    blocking: bool
    # Further tables the check reads besides the model itself (Dagster deps).
    reads: tuple[str, ...] = ()
    # Only by name in a model's `checks:` (else derived from the columns).
    named: bool = False


CHECK_KINDS: dict[str, CheckKind] = {
    k.name: k
    for k in (
        CheckKind("sleutel_uniek", "ERROR", blocking=True),
        CheckKind("rollup_is_som", "ERROR", blocking=True),
        CheckKind(
            "voorraad_stroom",
            "ERROR",
            blocking=True,
            reads=("marts.instroom", "marts.uitstroom", "modellen.maanden"),
            named=True,
        ),
        CheckKind("geen_negatieve_aantallen", "WARN", blocking=False),
        CheckKind("percentages_0_100", "WARN", blocking=False),
        CheckKind("regiocodes_bekend", "WARN", blocking=False, reads=("referentie.gemeenten",)),
        CheckKind("binnen_maandraster", "WARN", blocking=False, reads=("modellen.maanden",)),
        # A late partner is news for the board, not a failed run.
        CheckKind("versheid", "WARN", blocking=False, named=True),
        # A partner's chain links fell sharply (another key?), or one region's partners used different keys.
        CheckKind("koppelgraad_daling", "WARN", blocking=False, named=True),
        CheckKind("sleutelconflict", "WARN", blocking=False, named=True),
    )
}


@dataclass(frozen=True)
class CheckSpec:
    """One check of one model: its kind and what it says of that model."""

    kind: CheckKind
    description: str

    @property
    def name(self) -> str:
        return self.kind.name


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    failures: int
    examples: list[dict[str, Any]] = field(default_factory=list)
    # Further metadata of a check kind (versheid: the late organisations).
    metadata: dict[str, Any] = field(default_factory=dict)


def _descriptions(spec: ModelSpec) -> dict[str, Callable[[], str]]:
    additive = ", ".join(spec.columns_with(additive=True))
    return {
        "sleutel_uniek": lambda: f"Every key ({', '.join(spec.key)}) occurs once.",
        "geen_negatieve_aantallen": lambda: "No count is negative.",
        "percentages_0_100": lambda: "Every percentage lies between 0 and 100 (or is empty).",
        "regiocodes_bekend": lambda: (
            "Every jeugdregio_code and gemeente_code is TOTAAL or known in referentie.gemeenten."
        ),
        "rollup_is_som": lambda: (
            f"Every TOTAAL row of {', '.join(spec.rollups)} equals the sum of its parts for {additive}."
        ),
        "binnen_maandraster": lambda: (
            "No organisation has rows before the start date or after the month of its latest peildatum."
        ),
        "voorraad_stroom": lambda: (
            "Per GI and month: stand on the previous month-end + instroom - uitstroom = stand (CBS convention)."
        ),
        "versheid": lambda: (
            "Warns about every organisation and bron whose next delivery after its latest accepted one is more "
            "than aanlevering.signaal_na_dagen past that month's end (definitions/instellingen.yaml)."
        ),
        "koppelgraad_daling": lambda: (
            "Warns about every delivery in force whose share of records linking to the other partners fell "
            "sharply against the organisation's previous delivery (koppelgraad in definitions/instellingen.yaml)."
        ),
        "sleutelconflict": lambda: (
            "Warns about every jeugdregio and month in which partners delivered with different key fingerprints."
        ),
    }


def _applies(spec: ModelSpec, kind: str) -> bool:
    if kind == "sleutel_uniek":
        return True
    if kind == "geen_negatieve_aantallen":
        return bool(spec.columns_with(role="count"))
    if kind == "percentages_0_100":
        return bool(spec.columns_with(unit="percentage"))
    if kind == "regiocodes_bekend":
        return any(c in spec.column_names for c in REGION_COLUMNS)
    if kind == "rollup_is_som":
        return bool(spec.rollups and spec.columns_with(additive=True))
    if kind == "binnen_maandraster":
        return "organisatie_code" in spec.column_names and spec.period_column is not None
    return kind in spec.checks


def checks_for(spec: ModelSpec) -> list[CheckSpec]:
    """The checks that apply to a model, from its columns and its `.yml`."""
    unknown = [c for c in spec.checks if c not in CHECK_KINDS or not CHECK_KINDS[c].named]
    if unknown:
        known = ", ".join(k.name for k in CHECK_KINDS.values() if k.named)
        raise ValueError(f"{spec.name}.yml: unknown check(s) {', '.join(unknown)}; known: {known}")
    text = _descriptions(spec)
    return [CheckSpec(kind, text[kind.name]()) for kind in CHECK_KINDS.values() if _applies(spec, kind.name)]


def checked_models() -> list[ModelSpec]:
    """Every model whose checks run (and are Dagster asset checks): the marts, then the others."""
    return [*marts(), *other_marts()]


def blocking_failed(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(table, check) of every blocking check that failed when it last ran: it keeps blocking, and is
    run again by every run (a run with nothing new too) until it passes."""
    failed = failing_checks(con)
    return {
        (spec.table, check.name)
        for spec in checked_models()
        for check in checks_for(spec)
        if check.kind.blocking and (spec.table, check.name) in failed
    }


def _query(con: duckdb.DuckDBPyConnection, name: str, **format_args: str) -> tuple[int, list[dict[str, Any]]]:
    (statement,) = statements(f"checks/{name}")
    cursor = con.execute(statement.format(**format_args))
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    failures = int(rows[0].pop("fouten")) if rows else 0
    for row in rows[1:]:
        row.pop("fouten")
    return failures, [
        {k: (v if isinstance(v, int | float | bool) or v is None else str(v)) for k, v in r.items()} for r in rows
    ]


def _combine(name: str, parts: list[tuple[int, list[dict[str, Any]]]]) -> CheckOutcome:
    failures = sum(p[0] for p in parts)
    examples = [e for p in parts for e in p[1]][:5]
    return CheckOutcome(name, failures == 0, failures, examples)


def late_deliveries(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every organisation and bron the freshness check warns about (from marts.aanlevering)."""
    return [
        {
            "organisatie_code": org,
            "bron": bron,
            "laatste_geaccepteerde_peildatum": str(latest) if latest else None,
            "vandaag": str(today),
        }
        for org, bron, latest, today in run_sql(con, "checks/versheid", fetch=True)
    ]


def _versheid(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    late = late_deliveries(con)
    return CheckOutcome(
        "versheid",
        not late,
        len(late),
        late[:5],
        {
            "aantal_verouderd": len(late),
            "organisaties": ", ".join(sorted({r["organisatie_code"] for r in late})),
            "verouderd": late[:MAX_LATE_IN_METADATA],
        },
    )


def _read_by_checks(spec: ModelSpec) -> list[str]:
    """The columns of a model that its checks read (key, counts, percentages, regions, period)."""
    wanted = {*spec.key, *spec.columns_with(role="count"), *spec.columns_with(unit="percentage")}
    wanted |= {*spec.columns_with(additive=True), *REGION_COLUMNS, "organisatie_code", spec.period_column or ""}
    return [c for c in spec.column_names if c in wanted]


@contextmanager
def checked_rows(con: duckdb.DuckDBPyConnection, spec: ModelSpec, bronnen: list[str] | None = None) -> Iterator[str]:
    """What the checks of one model read, as a relation for `run_check(..., rows=)`.

    The model's table; with `bronnen` (a model with `partitie: bron` of which only those bronnen's
    rows were rebuilt, and whose key holds the bron, so every finding lies within one bron), only
    those rows: the other rows were checked when they were built. A view is computed once into a
    temporary table of the columns the checks read, not once per check (lopende_maatregelen, a view
    until it became a table: one pass of ~3 s instead of three of ~4 s).
    """
    where = ""
    if bronnen is not None and spec.partitie and spec.partitie in spec.key:
        values = ", ".join("'" + b.replace("'", "''") + "'" for b in bronnen)
        where = f" WHERE {spec.partitie} IN ({values})" if bronnen else " WHERE false"
    if spec.materialized == "view":
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _gecontroleerd AS SELECT {', '.join(_read_by_checks(spec))} "
            f"FROM {spec.table}{where}"
        )
        try:
            yield "_gecontroleerd"
        finally:
            con.execute("DROP TABLE IF EXISTS _gecontroleerd")
    else:
        yield f"(SELECT * FROM {spec.table}{where})" if where else spec.table


def _rollup_is_som(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, table: str, dim: str
) -> tuple[int, list[dict[str, Any]]]:
    """rollup_is_som for one roll-up column: a quick pass on hashed keys, the exact query only on a finding.

    On the national instroom (3.3 M rows, five roll-up columns) grouping on the key columns took
    9.7 s in all; the quick pass, grouping on one hash of them, 4.0 s (rollup_som_snel.sql says why
    a collision cannot pass a failure).
    """
    additive = spec.columns_with(additive=True)
    others = [k for k in spec.key if k != dim]
    ouder = spec.nested.get(dim, "NULL")
    quick, _ = _query(
        con,
        "rollup_som_snel",
        tabel=table,
        dim=dim,
        ouder=ouder,
        andere_sleutels=", ".join(others),
        leeg=" OR ".join(f"{k} IS NULL" for k in others) or "false",
        kolommen=", ".join(additive),
        aggregaten=", ".join(
            f"min({c}) FILTER (WHERE is_totaal) AS laagste__{c}, max({c}) FILTER (WHERE is_totaal) AS hoogste__{c}, "
            f"sum({c}) FILTER (WHERE NOT is_totaal) AS som__{c}"
            for c in additive
        ),
        afwijking=" OR ".join(
            f"(hoogste__{c} IS NOT NULL AND (som__{c} IS NULL OR abs(hoogste__{c} - som__{c}) > 1e-6 "
            f"OR abs(laagste__{c} - som__{c}) > 1e-6))"
            for c in additive
        ),
    )
    if quick == 0:
        return 0, []
    return _query(
        con,
        "rollup_som",
        tabel=table,
        dim=dim,
        ouder=ouder,
        sleutels=", ".join(spec.key),
        kolommen=", ".join(additive),
        sommen=", ".join(f"sum({c}) AS som__{c}" for c in additive),
        somkolommen=", ".join(f"som__{c}" for c in additive),
        som_van_kolom="CASE kolom " + " ".join(f"WHEN '{c}' THEN som__{c}" for c in additive) + " END",
    )


def run_check(con: duckdb.DuckDBPyConnection, spec: ModelSpec, check: str, rows: str | None = None) -> CheckOutcome:
    """Run one check on a built model (on `rows`, from `checked_rows`, when given)."""
    table = rows or spec.table
    if check == "sleutel_uniek":
        keys = ", ".join(spec.key)
        quick, _ = _query(con, "sleutel_uniek_snel", tabel=table, sleutels=keys)
        return _combine(check, [_query(con, "sleutel_uniek", tabel=table, sleutels=keys) if quick else (0, [])])
    if check == "geen_negatieve_aantallen":
        cols = ", ".join(spec.columns_with(role="count"))
        return _combine(check, [_query(con, "geen_negatieve_aantallen", tabel=table, kolommen=cols)])
    if check == "percentages_0_100":
        cols = ", ".join(spec.columns_with(unit="percentage"))
        return _combine(check, [_query(con, "percentages", tabel=table, kolommen=cols)])
    if check == "regiocodes_bekend":
        cols = [c for c in REGION_COLUMNS if c in spec.column_names]
        return _combine(check, [_query(con, "regiocodes", tabel=table, kolom=c) for c in cols])
    if check == "rollup_is_som":
        return _combine(check, [_rollup_is_som(con, spec, table, dim) for dim in spec.rollups])
    if check == "binnen_maandraster":
        return _combine(check, [_query(con, "maandraster", tabel=table, periode=spec.period_column or "")])
    if check == "voorraad_stroom":
        return _combine(check, [_query(con, "voorraad_stroom")])
    if check == "versheid":
        return _versheid(con)
    if check in ("koppelgraad_daling", "sleutelconflict"):
        return _combine(check, [_query(con, check)])
    raise ValueError(f"unknown check {check!r}")


def run_checks(con: duckdb.DuckDBPyConnection, name: str) -> list[CheckOutcome]:
    """Every check of one model."""
    spec = catalog()[name]
    return [run_check(con, spec, c.name) for c in checks_for(spec)]
