"""Checks on the marts, derived from their `.yml` (marts/catalog.py); the SQL is in `controle_*.sql`.

Generic checks follow from the column roles: `sleutel_uniek` (every mart),
`geen_negatieve_aantallen` (count columns), `percentages_0_100` (percentage columns),
`regiocodes_bekend` (jeugdregio_code / gemeente_code), `rollup_is_som` (additive columns of a
mart with TOTAAL roll-ups), `binnen_maandraster` (an organisation's rows stay within its
months). A mart's `.yml` can add specific ones (`voorraad_stroom` for stand). Each check
query returns up to 5 offending rows with the total number in a `fouten` column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from marts.catalog import ModelSpec, catalog
from marts.sql import statements


@dataclass(frozen=True)
class CheckSpec:
    name: str
    description: str
    # Further tables the check reads besides the mart itself (Dagster deps).
    reads: tuple[str, ...] = ()


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    failures: int
    examples: list[dict[str, Any]] = field(default_factory=list)


REGION_COLUMNS = ("jeugdregio_code", "gemeente_code")

# Checks a `.yml` may name under `checks:`.
SPECIFIC: dict[str, CheckSpec] = {
    "voorraad_stroom": CheckSpec(
        "voorraad_stroom",
        "Per GI and month: stand on the previous month-end + instroom - uitstroom = stand (CBS convention).",
        ("marts.instroom", "marts.uitstroom", "modellen.maanden"),
    ),
}


def checks_for(spec: ModelSpec) -> list[CheckSpec]:
    """The checks that apply to a mart, from its columns and its `.yml`."""
    result = [CheckSpec("sleutel_uniek", f"Every key ({', '.join(spec.key)}) occurs once.")]
    if spec.columns_with(role="count"):
        result.append(CheckSpec("geen_negatieve_aantallen", "No count is negative."))
    if spec.columns_with(unit="percentage"):
        result.append(CheckSpec("percentages_0_100", "Every percentage lies between 0 and 100 (or is empty)."))
    if any(c in spec.column_names for c in REGION_COLUMNS):
        result.append(
            CheckSpec(
                "regiocodes_bekend",
                "Every jeugdregio_code and gemeente_code is TOTAAL or known in referentie.gemeenten.",
                ("referentie.gemeenten",),
            )
        )
    if spec.rollups and spec.columns_with(additive=True):
        result.append(
            CheckSpec(
                "rollup_is_som",
                f"Every TOTAAL row of {', '.join(spec.rollups)} equals the sum of its parts for "
                f"{', '.join(spec.columns_with(additive=True))}.",
            )
        )
    if "organisatie_code" in spec.column_names and spec.period_column:
        result.append(
            CheckSpec(
                "binnen_maandraster",
                "No organisation has rows before the start date or after the month of its latest peildatum.",
                ("modellen.maanden",),
            )
        )
    for name in spec.checks:
        if name not in SPECIFIC:
            raise ValueError(f"{spec.name}.yml: unknown check {name!r}; known: {', '.join(SPECIFIC)}")
        result.append(SPECIFIC[name])
    return result


def _query(con: duckdb.DuckDBPyConnection, name: str, **format_args: str) -> tuple[int, list[dict[str, Any]]]:
    (statement,) = statements(name)
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


def run_check(con: duckdb.DuckDBPyConnection, spec: ModelSpec, check: str) -> CheckOutcome:
    """Run one check on a built mart."""
    table = spec.table
    if check == "sleutel_uniek":
        return _combine(check, [_query(con, "controle_sleutel_uniek", tabel=table, sleutels=", ".join(spec.key))])
    if check == "geen_negatieve_aantallen":
        cols = ", ".join(spec.columns_with(role="count"))
        return _combine(check, [_query(con, "controle_geen_negatieve_aantallen", tabel=table, kolommen=cols)])
    if check == "percentages_0_100":
        cols = ", ".join(spec.columns_with(unit="percentage"))
        return _combine(check, [_query(con, "controle_percentages", tabel=table, kolommen=cols)])
    if check == "regiocodes_bekend":
        cols = [c for c in REGION_COLUMNS if c in spec.column_names]
        return _combine(check, [_query(con, "controle_regiocodes", tabel=table, kolom=c) for c in cols])
    if check == "rollup_is_som":
        cols = ", ".join(spec.columns_with(additive=True))
        parts = [
            _query(
                con,
                "controle_rollup_som",
                tabel=table,
                dim=dim,
                ouder=spec.nested.get(dim, "NULL"),
                sleutels=", ".join(spec.key),
                kolommen=cols,
            )
            for dim in spec.rollups
        ]
        return _combine(check, parts)
    if check == "binnen_maandraster":
        return _combine(check, [_query(con, "controle_maandraster", tabel=table, periode=spec.period_column or "")])
    if check == "voorraad_stroom":
        return _combine(check, [_query(con, "controle_voorraad_stroom")])
    raise ValueError(f"unknown check {check!r}")


def run_checks(con: duckdb.DuckDBPyConnection, name: str) -> list[CheckOutcome]:
    """Every check of one mart."""
    spec = catalog()[name]
    return [run_check(con, spec, c.name) for c in checks_for(spec)]
