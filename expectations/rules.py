"""Check one delivery against the rules in `definitions/` (docs/contract.md section 2).

Every rule, its severity, its parameters and its message come from `Definitions`; nothing
here names a column, a code list or a threshold. The row-level logic is a set of small pure
mask functions (`mask_*`, a pandas Series in, a bool Series "this row fails" out) that
`failing_rows` composes per rule and column; the Great Expectations suites reuse them as
custom metrics. `evaluate` turns masks into `RuleResult`s; expectations/validate.py runs the
whole chain for one file: path, organisation, bron, readability, then every general and bron rule.

Privacy: a result never quotes a value of a pseudonym column, of an unknown column, a value
that looks like a BSN, or any value of the BSN rule (`RuleResult.voorbeelden` stays empty).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from expectations.bsn import eleven_test, looks_like_bsn
from sources.definitions import (
    GENERAL_CHECKS,
    PRE_READ_CHECKS,
    ROW_CHECKS,
    Bron,
    Definitions,
    JarenVoorDatumRegel,
    Kolomtype,
    Regel,
)
from sources.inbox import DeliveryRef
from sources.readers import DeliveryFrame

MAX_EXAMPLES = 5


# --- results --------------------------------------------------------------------------------


@dataclass
class RuleResult:
    """One failing rule on one column (or on the file): how many rows, which, and the messages."""

    code: str
    ernst: str
    controle: str
    kolom: str | None
    aantal: int
    rijen: list[int]
    melding_nl: str
    melding_en: str
    voorbeelden: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.ernst == "error"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ValidationReport:
    """The validation of one delivery file."""

    file: Path
    organisatie_code: str | None
    bron: str | None
    peildatum: date | None
    fmt: str | None
    sha256: str
    row_count: int | None
    results: list[RuleResult] = field(default_factory=list)
    # The frame that was read (None when the file could not be read), for staging and GX.
    frame: DeliveryFrame | None = field(default=None, repr=False, compare=False)
    # The checks made after reading (`checks`), None when the file could not be read; GX validates them.
    checks: list[Check] | None = field(default=None, repr=False, compare=False)
    # Wall-clock (start, end) of each phase ("read", "rules"), for the benchmark's per-stage times.
    timings: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def accepted(self) -> bool:
        """True when no error-severity rule failed (warnings do not block)."""
        return not any(r.is_error for r in self.results)

    @property
    def ref(self) -> DeliveryRef | None:
        """The delivery as an inbox reference, when organisation, bron, peildatum and format are known."""
        if None in (self.organisatie_code, self.bron, self.peildatum, self.fmt):
            return None
        return DeliveryRef(self.organisatie_code, self.bron, self.peildatum, self.fmt, self.file)

    @property
    def errors(self) -> list[RuleResult]:
        return [r for r in self.results if r.is_error]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.results if not r.is_error]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "organisatie_code": self.organisatie_code,
            "bron": self.bron,
            "peildatum": self.peildatum.isoformat() if self.peildatum else None,
            "fmt": self.fmt,
            "sha256": self.sha256,
            "row_count": self.row_count,
            "accepted": self.accepted,
            "results": [r.as_dict() for r in self.results],
        }

    def format_text(self) -> str:
        """A readable report for the supplier, in Dutch and English."""
        verdict = "GOEDGEKEURD / ACCEPTED" if self.accepted else "AFGEKEURD (in quarantaine) / REJECTED (quarantined)"
        lines = [
            "Validatierapport / validation report",
            f"Bestand / file:      {safe_text(self.file)}",
            f"Organisatie:         {safe_text(self.organisatie_code) or '?'}",
            f"Bron:                {safe_text(self.bron) or '?'}",
            f"Peildatum:           {self.peildatum.isoformat() if self.peildatum else '?'}",
            f"Records:             {self.row_count if self.row_count is not None else '?'}",
            f"sha256:              {self.sha256}",
            f"Resultaat / result:  {verdict}, {len(self.errors)} fout(en) / error(s), "
            f"{len(self.warnings)} waarschuwing(en) / warning(s)",
        ]
        for r in sorted(self.results, key=lambda r: (not r.is_error, r.code, r.kolom or "")):
            lines.append("")
            severity = "FOUT / ERROR" if r.is_error else "WAARSCHUWING / WARNING"
            lines.append(f"[{severity}] {r.code}" + (f"  kolom / column: {safe_text(r.kolom)}" if r.kolom else ""))
            lines.append(f"  NL: {safe_text(r.melding_nl)}")
            lines.append(f"  EN: {safe_text(r.melding_en)}")
            if r.controle in ROW_CHECKS:
                rows = ", ".join(map(str, r.rijen)) + (", ..." if r.aantal > len(r.rijen) else "")
                lines.append(f"  aantal rijen / rows: {r.aantal}; voorbeeldrijen / example rows: {rows}")
            if r.voorbeelden:
                lines.append(f"  voorbeeldwaarden / example values: {', '.join(map(safe_text, r.voorbeelden))}")
        return "\n".join(lines) + "\n"


# --- context ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the data: the definitions, the bron and the delivery's peildatum."""

    defs: Definitions
    bron: Bron
    peildatum: date

    def kolomtype(self, kolom: str) -> Kolomtype | None:
        """The type of a known column; None for a column the bron does not define."""
        if kolom not in self.bron.kolomnamen:
            return None
        return self.defs.typen[self.bron.kolom(kolom).type]


# --- row masks: a Series in, a bool Series "fails" out ------------------------------------


def _bool(mask: pd.Series) -> pd.Series:
    return mask.fillna(False).astype(bool)


def mask_unparsed(raw: pd.Series, typed: pd.Series) -> pd.Series:
    """Filled in the file but not readable as the column's type (ALG-TYPE-001)."""
    return _bool(raw.notna() & typed.isna())


def mask_empty(raw: pd.Series) -> pd.Series:
    """Empty (missing or only whitespace) (ALG-VERPL-001)."""
    return _bool(raw.isna())


def mask_not_in(values: pd.Series, allowed: Collection) -> pd.Series:
    """Filled but not one of `allowed` (ALG-CODE-001, ALG-REF-001)."""
    return _bool(values.notna() & ~values.isin(list(allowed)))


def mask_no_match(values: pd.Series, patroon: str) -> pd.Series:
    """Filled but the whole value does not match the regular expression (ALG-PAT-001)."""
    matches = values.astype("string").str.contains(f"^(?:{patroon})$", regex=True)
    return _bool(values.notna() & ~matches)


def mask_after(dates: pd.Series, peildatum: date) -> pd.Series:
    """A date after the peildatum (ALG-DATUM-001)."""
    return _bool(dates > pd.Timestamp(peildatum))


def mask_bsn(values: pd.Series) -> pd.Series:
    """A value that looks like a BSN (ALG-PRIV-001)."""
    return looks_like_bsn(values).astype(bool)


def mask_duplicates(values: pd.Series, others: pd.DataFrame | None = None) -> pd.Series:
    """Every filled value that occurs more than once, each occurrence counted (uniek).

    With `others` (the further key columns) the combination counts, an empty value in them as a
    value too: two anonymous rows of one melding are duplicates.
    """
    if others is None:
        return _bool(values.notna() & values.duplicated(keep=False))
    key = pd.concat([values.rename("__kolom__"), others], axis=1)
    return _bool(values.notna() & key.duplicated(keep=False))


def mask_years_before(values: pd.Series, year: int, min_jaren: int, max_jaren: int) -> pd.Series:
    """`year - value` outside [min_jaren, max_jaren] (jaren_voor_peildatum)."""
    years = year - values
    return _bool((years < min_jaren) | (years > max_jaren))


def mask_years_before_date(
    values: pd.Series,
    reference: pd.Series,
    min_jaren: pd.Series | float | None,
    max_jaren: pd.Series | float | None,
) -> pd.Series:
    """`year(reference) - value` outside [min_jaren, max_jaren] where all are known (jaren_voor_datum).

    The bounds are numbers or, per row, Series (NA: the row is not checked).
    """
    if min_jaren is None or max_jaren is None:
        return pd.Series(False, index=values.index)
    years = reference.dt.year.astype("Float64") - values.astype("Float64")
    return _bool((years < min_jaren) | (years > max_jaren))


def mask_empty_unless(values: pd.Series, condition: pd.Series, waarden: Collection) -> pd.Series:
    """Empty while the condition column is not one of `waarden` (verplicht_tenzij)."""
    return _bool(values.isna() & ~_bool(condition.isin(list(waarden))))


def mask_before(values: pd.Series, reference: pd.Series, marge_dagen: int = 0) -> pd.Series:
    """`value < reference + marge_dagen` where both are filled (niet_voor)."""
    return _bool(values < reference + pd.Timedelta(days=marge_dagen))


def mask_filled_mismatch(values: pd.Series, condition: pd.Series, waarde: str | None = None) -> pd.Series:
    """Filled exactly when the condition column is filled (or equals `waarde`), else fails (gevuld_precies_als)."""
    expected = condition.notna() if waarde is None else _bool(condition == waarde)
    return _bool(values.notna() != expected)


def mask_out_of_range(
    values: pd.Series,
    minimaal: float | None = None,
    maximaal: float | None = None,
    groter_dan: float | None = None,
    kleiner_dan: float | None = None,
) -> pd.Series:
    """Outside [minimaal, maximaal] (inclusive) or (groter_dan, kleiner_dan) (exclusive) (bereik)."""
    fails = pd.Series(False, index=values.index)
    if minimaal is not None:
        fails |= _bool(values < minimaal)
    if maximaal is not None:
        fails |= _bool(values > maximaal)
    if groter_dan is not None:
        fails |= _bool(values <= groter_dan)
    if kleiner_dan is not None:
        fails |= _bool(values >= kleiner_dan)
    return fails


def year_bounds(regel: JarenVoorDatumRegel, raw: pd.DataFrame, bron: Bron, defs: Definitions) -> tuple[Any, Any]:
    """The (min, max) years of a jaren_voor_datum rule: numbers, or per row by the row's group."""
    if not regel.bereiken:
        return regel.min_jaren, regel.max_jaren
    groups = raw[regel.groep_kolom]
    if regel.groep_kenmerk is not None:
        lijst = defs.codelijsten[bron.kolom(regel.groep_kolom).codelijst]
        kenmerk = {c.code: getattr(c, regel.groep_kenmerk) for c in lijst.codes}
        groups = groups.map(kenmerk)

    def per_row(attr: str) -> pd.Series:
        default = getattr(regel, attr)
        bounds = groups.map({g: getattr(b, attr) for g, b in regel.bereiken.items()}).astype("Float64")
        return bounds if default is None else bounds.fillna(default)

    return per_row("min_jaren"), per_row("max_jaren")


def mask_not_one_value(values: pd.Series) -> pd.Series:
    """Every row whose value differs from the file's most frequent one, an empty value counting as a
    value; on a tie the value of the earliest row counts (een_waarde)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) <= 1:
        return pd.Series(False, index=values.index)
    # factorize numbers values by first occurrence, and argmax takes the first maximum.
    return pd.Series(codes != int(np.argmax(np.bincount(codes))), index=values.index)


def mask_not_month_end(dates: pd.Series) -> pd.Series:
    """A date that is not the last day of its month (maandeinde)."""
    return _bool(dates.notna() & ~dates.dt.is_month_end)


def mask_duration_over(
    end: pd.Series,
    start: pd.Series,
    peildatum: date,
    max_dagen: int,
    exempt: pd.Series | None = None,
) -> pd.Series:
    """(end, or the peildatum when empty) - start > max_dagen days, except `exempt` rows (max_duur_dagen)."""
    days = (end.fillna(pd.Timestamp(peildatum)) - start).dt.days
    fails = _bool(days > max_dagen)
    return fails & ~_bool(exempt) if exempt is not None else fails


# --- which columns a rule applies to, and its mask on one column ---------------------------


def _present(frame: DeliveryFrame, ctx: RuleContext) -> list[str]:
    return [k.naam for k in ctx.bron.kolommen if k.naam in frame.typed.columns]


def _referenced_columns(regel: Regel) -> list[str]:
    return regel.genoemde_kolommen()


def applicable_columns(regel: Regel, frame: DeliveryFrame, ctx: RuleContext) -> list[str]:
    """The columns of this delivery a row-level rule checks (by the columns' attributes)."""
    if regel.controle == "geen_bsn":
        # Every value: known columns of any type and every unknown column.
        return list(frame.raw.columns)
    if regel.controle not in ROW_CHECKS:
        return []
    if regel.controle in GENERAL_CHECKS:
        # Which columns a general rule reaches is the definitions' own answer; here only those present.
        return [k.naam for k in ctx.defs.kolommen_voor_regel(ctx.bron.bron, regel) if k.naam in frame.typed.columns]
    # A bron rule; skipped when a column it needs is missing (ALG-KOL-001 reports that).
    needed = _referenced_columns(regel)
    return [regel.kolom] if all(c in frame.typed.columns for c in needed) else []


def reference_values(defs: Definitions, referentie: str) -> frozenset[str]:
    """The valid codes of a reference table named by a type's `referentie`."""
    tables: dict[str, Callable[[Definitions], frozenset[str]]] = {"gemeenten": lambda d: d.gemeente_codes}
    return tables[referentie](defs)


def failing_rows(regel: Regel, kolom: str, frame: DeliveryFrame, ctx: RuleContext) -> pd.Series:
    """Bool Series over the records: True where `regel` fails on column `kolom`."""
    raw, typed = frame.raw, frame.typed
    match regel.controle:
        case "geen_bsn":
            values = raw[kolom]
            if kolom in typed.columns and pd.api.types.is_datetime64_any_dtype(typed[kolom]):
                values = values.where(typed[kolom].isna())  # a real date has eight digits: never a BSN
            return mask_bsn(values)
        case "type":
            return mask_unparsed(raw[kolom], typed[kolom])
        case "een_waarde":
            return mask_not_one_value(raw[kolom])
        case "verplicht":
            return mask_empty(raw[kolom])
        case "codelijst":
            return mask_not_in(raw[kolom], ctx.defs.codelijsten[ctx.bron.kolom(kolom).codelijst].waarden)
        case "patroon":
            return mask_no_match(raw[kolom], ctx.kolomtype(kolom).patroon)
        case "referentie":
            return mask_not_in(raw[kolom], reference_values(ctx.defs, ctx.kolomtype(kolom).referentie))
        case "niet_na_peildatum":
            return mask_after(typed[kolom], ctx.peildatum)
        case "vervallen_code":
            return _bool(raw[kolom].isin(ctx.defs.codelijsten[ctx.bron.kolom(kolom).codelijst].vervallen))
        case "uniek":
            return mask_duplicates(typed[kolom], typed[regel.samen_met] if regel.samen_met else None)
        case "jaren_voor_peildatum":
            return mask_years_before(typed[kolom], ctx.peildatum.year, regel.min_jaren, regel.max_jaren)
        case "jaren_voor_datum":
            low, high = year_bounds(regel, raw, ctx.bron, ctx.defs)
            return mask_years_before_date(typed[kolom], typed[regel.referentie_kolom], low, high)
        case "verplicht_tenzij":
            return mask_empty_unless(raw[kolom], raw[regel.voorwaarde_kolom], regel.waarden)
        case "niet_voor":
            return mask_before(typed[kolom], typed[regel.referentie_kolom], regel.marge_dagen)
        case "gevuld_precies_als":
            return mask_filled_mismatch(raw[kolom], raw[regel.voorwaarde_kolom], regel.voorwaarde_waarde)
        case "bereik":
            return mask_out_of_range(typed[kolom], regel.minimaal, regel.maximaal, regel.groter_dan, regel.kleiner_dan)
        case "maandeinde":
            return mask_not_month_end(typed[kolom])
        case "max_duur_dagen":
            exempt = raw[regel.behalve_kolom].isin(regel.behalve_waarden) if regel.behalve_kolom else None
            return mask_duration_over(
                typed[kolom], typed[regel.referentie_kolom], ctx.peildatum, regel.max_dagen, exempt
            )
    raise ValueError(f"rule {regel.code}: {regel.controle!r} is not a row-level check")


# --- column-level checks -------------------------------------------------------------------


def column_problems(frame: DeliveryFrame, bron: Bron) -> list[tuple[str, str, str]]:
    """(column, reason nl, reason en) for every missing, unknown or repeated column (exacte_kolommen)."""
    columns = list(frame.raw.columns)
    bases = [h.strip().lower() or c for h, c in zip(frame.header, columns, strict=True)]
    counts = Counter(bases)
    # An optional column may be left out (a delivery under an earlier contract version).
    optional = set(bron.optionele_kolomnamen)
    problems = [(k, "ontbreekt", "is missing") for k in bron.kolomnamen if k not in counts and k not in optional]
    reported: set[str] = set()
    for column, base in zip(columns, bases, strict=True):
        if counts[base] > 1 and base not in reported:
            reported.add(base)
            problems.append((base, f"komt {counts[base]} keer voor", f"occurs {counts[base]} times"))
        elif counts[base] == 1 and base not in bron.kolomnamen:
            problems.append((column, "is onbekend", "is unknown"))
    return problems


def forbidden_columns(frame: DeliveryFrame, patronen: list[str]) -> list[str]:
    """Columns whose name contains one of `patronen`, case-insensitive (verboden_kolomnamen)."""
    lowered = [p.lower() for p in patronen]
    return [c for c in frame.raw.columns if any(p in c.lower() for p in lowered)]


# --- what a delivery controls, as it may be shown ---------------------------------------------
#
# A delivery controls its column names, its file and folder names and its values. Anywhere such a
# name is shown (rule messages, Data Docs, the board, the console, Dagster's logs) it goes through
# `safe_text` first: a pseudonym (64 hex) or a number that looks like a BSN is masked, and control
# characters (ANSI escapes, bidi overrides, line breaks) are dropped. HTML escaping is the job of
# whatever renders the text (Jinja's autoescape, the Data Docs renderers in expectations/gx/).

PSEUDONYM_MASK = "[pseudoniem]"
BSN_MASK = "[bsn]"
_PSEUDONYM_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
# Nine digits, optionally one separator between two digits (expectations/bsn.py), not inside a longer number.
_BSN_CANDIDATE_RE = re.compile(r"(?<![0-9])[0-9](?:[ .-]?[0-9]){8}(?![0-9])")
# ANSI/VT escape sequences (CSI, OSC, two-character), then single C0/C1 controls and invisible
# format characters that reorder or hide text (zero-width, bidi embeddings and overrides, isolates).
_ESCAPE_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def _mask_bsn(match: re.Match[str]) -> str:
    digits = np.frombuffer(re.sub(r"[ .-]", "", match.group(0)).encode("ascii"), dtype=np.uint8) - ord("0")
    return BSN_MASK if eleven_test(digits.astype(np.int64).reshape(1, 9))[0] else match.group(0)


def mask_identifiers(text: str) -> str:
    """`text` with every pseudonym (64 hex) and every BSN-looking number (eleven-test) masked."""
    text = _PSEUDONYM_RE.sub(PSEUDONYM_MASK, text)
    return _BSN_CANDIDATE_RE.sub(_mask_bsn, text) if any(c.isdigit() for c in text) else text


def safe_text(value: Any) -> str:
    """A name or text a delivery controls, as it may be shown anywhere: identifiers masked, no control characters.

    The one helper for every place that shows a column name, a file or folder name, an inbox path
    (levering_id) or a message made from them. Idempotent; '' for None.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = _CONTROL_RE.sub("", _ESCAPE_RE.sub("", text))
    return mask_identifiers(text)


def _whole_identifier(names: list[str]) -> np.ndarray:
    bsn = looks_like_bsn(pd.Series(names, dtype="string")).to_numpy()
    pseudonym = np.array([_PSEUDONYM_RE.fullmatch(n.strip()) is not None for n in names], dtype=bool)
    return bsn | pseudonym


def safe_column_names(names: list[str]) -> dict[str, str]:
    """Column names as a result may show them: a name that is a BSN or a pseudonym becomes "(kolom n)".

    A headerless or shifted file makes a record's values the column names: the n-th column is named
    by its place instead. Any other name goes through `safe_text`.
    """
    if not names:
        return {}
    whole = _whole_identifier(names)
    return {n: (f"(kolom {i + 1})" if whole[i] else safe_text(n)) for i, n in enumerate(names)}


# --- messages and examples -------------------------------------------------------------------


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_melding(template: str, params: Mapping[str, Any]) -> str:
    """Fill a message template; an unknown placeholder stays as it is, a broken template is returned unfilled."""
    shown = {k: safe_text(v) if isinstance(v, str) else v for k, v in params.items()}
    try:
        return template.format_map(_KeepMissing(shown))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return template


def _display(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)  # {waarden}: "ADVIES", not "['ADVIES']"
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _rule_params(regel: Regel) -> dict[str, Any]:
    params = {k: _display(v) for k, v in regel.parameters().items()}
    if isinstance(regel, JarenVoorDatumRegel):
        params["bereik"] = regel.bereik_tekst()
    return params


def _type_label(kolomtype: Kolomtype) -> tuple[str, str]:
    def lower_first(text: str) -> str:
        return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text

    return lower_first(kolomtype.omschrijving.nl), lower_first(kolomtype.omschrijving.en)


def _column_params(regel: Regel, kolom: str | None, ctx: RuleContext) -> tuple[dict[str, Any], dict[str, Any]]:
    """Placeholders that depend on the column: (nl, en)."""
    kolomtype = ctx.kolomtype(kolom) if kolom else None
    if kolomtype is None:
        return {}, {}
    common: dict[str, Any] = {"patroon": kolomtype.patroon, "referentie": kolomtype.referentie}
    codelijst = ctx.bron.kolom(kolom).codelijst
    if codelijst:
        lijst = ctx.defs.codelijsten[codelijst]
        vervangingen = ", ".join(f"{c} -> {lijst.vervangingen.get(c, c)}" for c in lijst.vervallen)
        common |= {"codelijst": codelijst, "codes": ", ".join(lijst.waarden), "vervangingen": vervangingen}
    type_nl, type_en = _type_label(kolomtype)
    return common | {"type": type_nl}, common | {"type": type_en}


def _rows_text(rijen: list[int], aantal: int) -> str:
    return ", ".join(map(str, rijen)) + (", ..." if aantal > len(rijen) else "")


def _hides_values(regel: Regel, kolom: str | None, ctx: RuleContext) -> bool:
    if kolom is None or regel.controle == "geen_bsn":
        return True
    kolomtype = ctx.kolomtype(kolom)
    return kolomtype is None or kolomtype.pseudoniem  # unknown columns may hold anything


def example_values(mask: pd.Series, kolom: str, frame: DeliveryFrame, ctx: RuleContext) -> list[str]:
    """Up to five distinct failing values, minus anything that looks like a BSN or a pseudonym in this file."""
    positions = np.flatnonzero(mask.to_numpy())[: MAX_EXAMPLES * 10]
    values = frame.raw[kolom].iloc[positions].dropna().drop_duplicates()
    if values.empty:
        return []
    values = values[~looks_like_bsn(values).to_numpy()]
    for other in _pseudonym_columns(frame, ctx):
        if other != kolom and not values.empty:
            # Look the few candidates up in the big column, not the other way round.
            column = frame.raw[other]
            found = set(column[column.isin(values.tolist()).to_numpy()].unique())
            values = values[~values.isin(found).to_numpy()]
    return [str(v) for v in values.head(MAX_EXAMPLES)]


def _pseudonym_columns(frame: DeliveryFrame, ctx: RuleContext) -> list[str]:
    return [k for k in _present(frame, ctx) if ctx.kolomtype(k).pseudoniem]


def make_result(
    regel: Regel,
    kolom: str | None,
    aantal: int,
    base: Mapping[str, Any],
    ctx: RuleContext | None = None,
    rijen: list[int] | None = None,
    voorbeelden: list[str] | None = None,
    nl: Mapping[str, Any] | None = None,
    en: Mapping[str, Any] | None = None,
) -> RuleResult:
    """A RuleResult with both messages filled from the rule's templates; `kolom` as it may be shown (`safe_text`)."""
    rijen = rijen or []
    kolom = safe_text(kolom) if kolom else kolom
    params = dict(base) | _rule_params(regel) | {"kolom": kolom or "", "aantal": aantal}
    params["rijen"] = _rows_text(rijen, aantal)
    col_nl, col_en = _column_params(regel, kolom, ctx) if ctx else ({}, {})
    return RuleResult(
        code=regel.code,
        ernst=regel.ernst,
        controle=regel.controle,
        kolom=kolom,
        aantal=aantal,
        rijen=rijen,
        melding_nl=format_melding(regel.melding.nl, params | col_nl | dict(nl or {})),
        melding_en=format_melding(regel.melding.en, params | col_en | dict(en or {})),
        voorbeelden=voorbeelden or [],
    )


# --- evaluation ------------------------------------------------------------------------------


def _bestand(ref: DeliveryRef) -> str:
    return f"{ref.organisatie_code}/{ref.bron}/{ref.path.name}"


def _base_params(ref: DeliveryRef) -> dict[str, Any]:
    return {
        "bestand": _bestand(ref),
        "organisatie_code": ref.organisatie_code,
        "bron": ref.bron,
        "peildatum": ref.peildatum.isoformat(),
    }


@dataclass
class Check:
    """One check made on a read delivery: a rule on one column (or on the file), and what it found.

    `results` holds the failing findings (empty: the check passed). Great Expectations validates the checks
    of a delivery (expectations/gx/): they are its batch, a few rows instead of the delivery's records.
    """

    regel: Regel
    kolom: str | None  # as a result shows it (an unknown column's name masked); None for a file rule
    results: list[RuleResult]


def _row_checks(
    regel: Regel, frame: DeliveryFrame, ctx: RuleContext, base: dict[str, Any], examples: bool
) -> list[Check]:
    made = []
    names: dict[str, str] | None = None
    for kolom in applicable_columns(regel, frame, ctx):
        mask = failing_rows(regel, kolom, frame, ctx)
        shown = kolom
        if kolom not in ctx.bron.kolomnamen:  # an unknown column (ALG-PRIV-001): its name as it may be shown
            names = names if names is not None else safe_column_names(list(frame.raw.columns))
            shown = names.get(kolom, kolom)
        aantal = int(mask.sum())
        if not aantal:
            made.append(Check(regel, shown, []))
            continue
        hidden = not examples or _hides_values(regel, kolom, ctx)
        voorbeelden = [] if hidden else example_values(mask, kolom, frame, ctx)
        rijen = frame.row_numbers(mask, limit=MAX_EXAMPLES)
        made.append(Check(regel, shown, [make_result(regel, shown, aantal, base, ctx, rijen, voorbeelden)]))
    return made


def _structure_results(regel: Regel, frame: DeliveryFrame, ctx: RuleContext, base: dict[str, Any]) -> list[RuleResult]:
    safe = safe_column_names(list(frame.raw.columns))
    if regel.controle == "niet_leeg":
        return [] if len(frame) else [make_result(regel, None, 1, base, ctx)]
    if regel.controle == "exacte_kolommen":
        return [
            make_result(regel, safe.get(k, k), 1, base, ctx, nl={"reden": nl}, en={"reden": en})
            for k, nl, en in column_problems(frame, ctx.bron)
        ]
    if regel.controle == "verboden_kolomnamen":
        return [make_result(regel, safe[k], 1, base, ctx) for k in forbidden_columns(frame, regel.patronen)]
    return []


def row_count_change(aantal_nu: int, aantal_vorig: int | None, defs: Definitions) -> dict[str, Any] | None:
    """Placeholders of ALG-OMV-001 when the row count changed too much, else None."""
    if aantal_vorig is None or aantal_vorig <= 0:
        return None  # nothing to compare with (an accepted delivery is never empty)
    pct = abs(aantal_nu - aantal_vorig) / aantal_vorig * 100
    if pct <= defs.instellingen.aanlevering.max_verandering_aantal_rijen_pct:
        return None
    return {"aantal_nu": aantal_nu, "aantal_vorig": aantal_vorig, "verandering_pct": f"{pct:.1f}"}


def row_count_check(regel: Regel, aantal: int, aantal_vorig: int | None, ref: DeliveryRef, defs: Definitions) -> Check:
    """ALG-OMV-001 on a delivery of `aantal` records against the previous accepted one's `aantal_vorig`."""
    change = row_count_change(aantal, aantal_vorig, defs)
    if change is None:
        return Check(regel, None, [])
    ctx = RuleContext(defs=defs, bron=defs.bronnen[ref.bron], peildatum=ref.peildatum)
    return Check(regel, None, [make_result(regel, None, aantal, _base_params(ref) | change, ctx)])


def checks(
    frame: DeliveryFrame,
    ref: DeliveryRef,
    defs: Definitions,
    previous_row_count: int | None = None,
    examples: bool = True,
) -> list[Check]:
    """Every general and bron rule on a readable delivery, each check with what it found.

    The file-level checks before reading (path, organisation, bron, readability) are those of
    `validate_file` (expectations/validate.py); `ref.bron` must be a bron of `defs`. A row rule is checked
    per column it applies to; one whose columns are missing is skipped (ALG-KOL-001 reports them).
    `examples=False` leaves out the failing values (`RuleResult.voorbeelden`), which cost a look-up in
    every pseudonym column per failing rule: the Great Expectations path never shows them.
    """
    ctx = RuleContext(defs=defs, bron=defs.bronnen[ref.bron], peildatum=ref.peildatum)
    base = _base_params(ref)
    made: list[Check] = []
    for regel in list(defs.algemene_regels) + list(ctx.bron.regels):
        if regel.controle in PRE_READ_CHECKS:
            continue
        if regel.controle in ROW_CHECKS:
            made += _row_checks(regel, frame, ctx, base, examples)
        elif regel.controle == "aantal_rijen_verandering":
            made.append(row_count_check(regel, len(frame), previous_row_count, ref, defs))
        else:
            made.append(Check(regel, None, _structure_results(regel, frame, ctx, base)))
    return made


def evaluate(
    frame: DeliveryFrame,
    ref: DeliveryRef,
    defs: Definitions,
    previous_row_count: int | None = None,
    examples: bool = True,
) -> list[RuleResult]:
    """Every general and bron rule on a readable delivery; only failing rules give a result (see `checks`)."""
    return [r for check in checks(frame, ref, defs, previous_row_count, examples) for r in check.results]
