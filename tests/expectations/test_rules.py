"""Validation rules: every general and bron rule on small hand-made deliveries, and the mask functions."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from valid_deliveries import KIND, PEILDATUM, VALID

from expectations.bsn import eleven_test, looks_like_bsn
from expectations.rules import (
    RuleResult,
    ValidationReport,
    evaluate,
    format_melding,
    mask_before,
    mask_duplicates,
    mask_duration_over,
    mask_filled_mismatch,
    mask_not_month_end,
    mask_out_of_range,
    mask_years_before,
)
from expectations.validate import validate_file
from sources.definitions import Definitions
from sources.inbox import parse_delivery_path
from sources.readers import read_delivery


def rows_of(bron: str) -> list[dict[str, str]]:
    _, header, rows = VALID[bron]
    return [dict(zip(header, r, strict=True)) for r in rows]


def deliver(
    inbox: Path,
    bron: str = "gi_maatregelen",
    rows: list[dict[str, str]] | None = None,
    organisatie: str | None = None,
    peildatum: str = PEILDATUM,
    header: list[str] | None = None,
) -> Path:
    """Write a CSV delivery into the inbox; `rows` are dicts, `header` defaults to their keys."""
    rows = rows_of(bron) if rows is None else rows
    header = header or (list(rows[0]) if rows else VALID[bron][1])
    path = inbox / (organisatie or VALID[bron][0]) / bron / f"{peildatum}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(path: Path, defs: Definitions, **kwargs: object) -> ValidationReport:
    report = validate_file(path, defs, **kwargs)
    assert_private(report)
    return report


def assert_private(report: ValidationReport) -> None:
    """No pseudonym and no BSN-like value anywhere in what a supplier or the board reads."""
    text = report.format_text()
    for result in report.results:
        text += result.melding_nl + result.melding_en + " ".join(result.voorbeelden)
    for kind_id in KIND:
        assert kind_id not in text
    assert "111222333" not in text.replace(" ", "").replace(".", "")


def only(report: ValidationReport, code: str, kolom: str | None = None) -> RuleResult:
    found = [r for r in report.results if r.code == code and (kolom is None or r.kolom == kolom)]
    assert len(found) == 1, f"expected one {code} {kolom}, got {report.results}"
    return found[0]


def codes(report: ValidationReport) -> list[tuple[str, str | None]]:
    return sorted((r.code, r.kolom) for r in report.results)


# --- accepted deliveries ---------------------------------------------------------------------------


@pytest.mark.parametrize("bron", sorted(VALID))
def test_valid_delivery_of_each_bron_is_accepted(tmp_path: Path, defs: Definitions, bron: str) -> None:
    path = deliver(tmp_path, bron)
    report = check(path, defs)
    assert report.results == []
    assert report.accepted
    assert (report.organisatie_code, report.bron, report.peildatum) == (VALID[bron][0], bron, date(2024, 3, 31))
    assert report.row_count == 3
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "GOEDGEKEURD / ACCEPTED" in report.format_text()
    assert report.ref == parse_delivery_path(path, tmp_path)
    assert json.loads(json.dumps(report.as_dict()))["accepted"] is True


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """An xlsx with real date cells, or a parquet with typed columns, holding the same values as the CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(rows, columns=header).replace("", None)
    for name in header:
        if name.startswith("datum_"):
            df[name] = pd.to_datetime(df[name]).dt.date
    df["geboortejaar"] = df["geboortejaar"].astype("Int64")
    if path.suffix == ".parquet":
        df.to_parquet(path)
    else:
        workbook = openpyxl.Workbook()
        workbook.active.append(header)
        for record in df.itertuples(index=False):
            workbook.active.append([None if pd.isna(v) else v for v in record])
        workbook.save(path)
    return path


@pytest.mark.parametrize("ext", ["xlsx", "parquet"])
def test_xlsx_and_parquet_deliveries(tmp_path: Path, defs: Definitions, ext: str) -> None:
    organisatie, header, rows = VALID["rvdk_onderzoeken"]
    path = tmp_path / organisatie / "rvdk_onderzoeken" / f"{PEILDATUM}.{ext}"
    report = check(write_table(path, header, rows), defs)
    assert report.results == [] and report.row_count == 3
    rows = [list(r) for r in rows]
    rows[1][7] = "2024-01-01"  # datum_afgerond before datum_verzoek 2024-01-10
    report = check(write_table(path, header, rows), defs)
    assert codes(report) == [("RVO-004", "datum_afgerond")]
    assert report.results[0].rijen == [3]


def test_explicit_arguments_override_the_path(tmp_path: Path, defs: Definitions) -> None:
    path = tmp_path / "levering.csv"
    path.write_bytes(deliver(tmp_path / "inbox", "vt_meldingen").read_bytes())
    report = check(path, defs, organisatie_code="VT_NOG", bron="vt_meldingen", peildatum="2024-03-31")
    assert report.accepted and report.results == []


def test_evaluate_on_a_frame(tmp_path: Path, defs: Definitions) -> None:
    path = deliver(tmp_path, "gi_capaciteit")
    ref = parse_delivery_path(path, tmp_path)
    frame = read_delivery(path, defs.bronnen["gi_capaciteit"], defs)
    assert evaluate(frame, ref, defs) == []


# --- columns -----------------------------------------------------------------------------------------


def test_extra_column(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    for r in rows:
        r["opmerking"] = "x"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-KOL-001", "opmerking")]
    result = report.results[0]
    assert (result.ernst, result.aantal, result.rijen) == ("error", 1, [])
    assert result.melding_nl == "JBGL/gi_maatregelen/2024-03-31.csv: kolom opmerking is onbekend"
    assert result.melding_en == "JBGL/gi_maatregelen/2024-03-31.csv: column opmerking is unknown"
    assert not report.accepted


def test_missing_column_skips_the_rules_that_need_it(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    for r in rows:
        del r["datum_einde"]
    rows[0]["reden_einde"] = "DOEL_BEREIKT"  # GIM-008 would fail, but it needs datum_einde
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-KOL-001", "datum_einde")]
    assert report.results[0].melding_en.endswith("column datum_einde is missing")
    assert report.results[0].melding_nl.endswith("kolom datum_einde ontbreekt")


def test_repeated_column(tmp_path: Path, defs: Definitions) -> None:
    header = VALID["gi_maatregelen"][1] + ["Kind_ID"]
    rows = rows_of("gi_maatregelen")
    for r in rows:
        r["Kind_ID"] = KIND[3]
    report = check(deliver(tmp_path, rows=rows, header=header), defs)
    assert codes(report) == [("ALG-KOL-001", "kind_id")]
    assert report.results[0].melding_en.endswith("column kind_id occurs 2 times")


@pytest.mark.parametrize("name", ["bsn", "BSN", "naam", "Achternaam", "postcode", "geboortedatum", " E-mail "])
def test_forbidden_column_name(tmp_path: Path, defs: Definitions, name: str) -> None:
    header = VALID["gi_maatregelen"][1] + [name]
    report = check(deliver(tmp_path, rows=rows_of("gi_maatregelen"), header=header), defs)
    kolom = name.strip().lower()
    assert codes(report) == [("ALG-KOL-001", kolom), ("ALG-KOL-002", kolom)]
    assert "named like a direct identifier" in only(report, "ALG-KOL-002").melding_en


def test_no_bron_column_is_a_forbidden_name(defs: Definitions) -> None:
    patronen = defs.algemene_regel("verboden_kolomnamen").patronen
    for bron in defs.bronnen.values():
        assert not [k for k in bron.kolomnamen if any(p in k for p in patronen)]


# --- values ------------------------------------------------------------------------------------------


def test_eleven_test_by_hand() -> None:
    # 111222333: 9+8+7 + 2*(6+5+4) + 3*(3+2) - 3 = 66 = 6 * 11
    assert looks_like_bsn(pd.Series(["111222333"])).tolist() == [True]
    # 123456789: 9+16+21+24+25+24+21+16-9 = 147 = 13 * 11 + 4
    assert looks_like_bsn(pd.Series(["123456789"])).tolist() == [False]
    assert eleven_test(pd.DataFrame([[0] * 9]).to_numpy()).tolist() == [False]


@pytest.mark.parametrize(
    ("value", "bsn"),
    [
        ("111222333", True),
        (" 111 222 333 ", True),
        ("111.222.333", True),
        ("1112-22-333", True),
        ("123456789", False),
        ("000000000", False),
        ("11122233", False),
        ("1112223330", False),
        ("111  222 333", False),
        ("NL111222333", False),
    ],
)
def test_looks_like_bsn(value: str, bsn: bool) -> None:
    assert looks_like_bsn(pd.Series([value, None], dtype="string")).tolist() == [bsn, False]


def test_bsn_in_a_text_column(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[1]["maatregel_type"] = "111 222 333"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-CODE-001", "maatregel_type"), ("ALG-PRIV-001", "maatregel_type")]
    bsn = only(report, "ALG-PRIV-001")
    assert (bsn.aantal, bsn.rijen, bsn.voorbeelden) == (1, [3], [])
    assert bsn.melding_nl == (
        "JBGL/gi_maatregelen/2024-03-31.csv: kolom maatregel_type bevat 1 waarde(n) die op een BSN lijken "
        "(rijen 3); lever alleen pseudoniemen"
    )
    # The code-list rule fails on the same value, but never shows it.
    assert only(report, "ALG-CODE-001").voorbeelden == []


def test_bsn_in_an_unknown_column(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    for r, value in zip(rows, ["x", "", "111222333"], strict=True):
        r["notitie"] = value
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-KOL-001", "notitie"), ("ALG-PRIV-001", "notitie")]
    assert only(report, "ALG-PRIV-001").rijen == [4]


def test_bsn_in_a_number_column(tmp_path: Path, defs: Definitions) -> None:
    # A count has no upper bound: without the BSN rule this value would pass unnoticed.
    rows = rows_of("gi_capaciteit")
    rows[2]["instroom_medewerkers"] = "111222333"
    report = check(deliver(tmp_path, "gi_capaciteit", rows=rows), defs)
    assert codes(report) == [("ALG-PRIV-001", "instroom_medewerkers")]
    assert only(report, "ALG-PRIV-001").rijen == [4]


def test_bsn_in_a_date_column(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["datum_einde"], rows[0]["reden_einde"] = "111.222.333", "OVERIG"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-PRIV-001", "datum_einde"), ("ALG-TYPE-001", "datum_einde")]
    assert only(report, "ALG-PRIV-001").rijen == [2]
    assert only(report, "ALG-TYPE-001").voorbeelden == []  # the type rule must not show it either


def test_nine_digits_failing_the_eleven_test_pass(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["maatregel_id"] = "123456789"  # a valid record id, and not a BSN
    report = check(deliver(tmp_path, rows=rows), defs)
    assert report.results == [] and report.accepted


def test_unknown_code(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[1]["maatregel_type"] = "OTS_X"
    rows[2]["reden_einde"], rows[2]["datum_einde"] = "KLAAR", "2024-01-31"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-CODE-001", "maatregel_type"), ("ALG-CODE-001", "reden_einde")]
    result = only(report, "ALG-CODE-001", "maatregel_type")
    assert (result.aantal, result.rijen, result.voorbeelden) == (1, [3], ["OTS_X"])
    assert "outside code list maatregel_type (rows 3); allowed: OTS, VOORLOPIGE_OTS," in result.melding_en
    assert only(report, "ALG-CODE-001", "reden_einde").rijen == [4]


def test_unknown_gemeente(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("vt_meldingen")
    rows[0]["gemeente_code"] = "GM9999"
    rows[2]["gemeente_code"] = "GM12"
    report = check(deliver(tmp_path, "vt_meldingen", rows=rows), defs)
    assert codes(report) == [("ALG-PAT-001", "gemeente_code"), ("ALG-REF-001", "gemeente_code")]
    ref = only(report, "ALG-REF-001")
    assert (ref.aantal, ref.rijen, ref.voorbeelden) == (2, [2, 4], ["GM9999", "GM12"])
    assert "not listed in referentie/gemeenten.csv (rows 2, 4)" in ref.melding_en
    pattern = only(report, "ALG-PAT-001")
    assert (pattern.aantal, pattern.rijen) == (1, [4])
    assert "do not match ^GM\\d{4}$" in pattern.melding_en


def test_malformed_pseudonym_is_never_shown(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("rvdk_onderzoeken")
    rows[1]["kind_id"] = KIND[1].upper()
    rows[2]["onderzoek_id"] = "R 3"
    report = check(deliver(tmp_path, "rvdk_onderzoeken", rows=rows), defs)
    assert codes(report) == [("ALG-PAT-001", "kind_id"), ("ALG-PAT-001", "onderzoek_id")]
    kind = only(report, "ALG-PAT-001", "kind_id")
    assert (kind.aantal, kind.rijen, kind.voorbeelden) == (1, [3], [])
    assert KIND[1].upper() not in report.format_text()
    assert only(report, "ALG-PAT-001", "onderzoek_id").voorbeelden == []


def test_required_value_missing(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[2]["kind_id"] = " "
    rows[0]["datum_uitspraak"] = ""
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-VERPL-001", "datum_uitspraak"), ("ALG-VERPL-001", "kind_id")]
    assert only(report, "ALG-VERPL-001", "kind_id").rijen == [4]
    assert only(report, "ALG-VERPL-001", "datum_uitspraak").melding_en == (
        "JBGL/gi_maatregelen/2024-03-31.csv: required column datum_uitspraak is empty in 1 row(s) (rows 2)"
    )


def test_unparsable_date(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["datum_jeugdbeschermer"] = "31-02-2024"
    rows[2]["datum_jeugdbeschermer"] = "morgen"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-TYPE-001", "datum_jeugdbeschermer")]
    result = report.results[0]
    assert (result.aantal, result.rijen, result.voorbeelden) == (2, [2, 4], ["31-02-2024", "morgen"])
    assert result.melding_en.startswith(
        "JBGL/gi_maatregelen/2024-03-31.csv: column datum_jeugdbeschermer has 2 value(s) that are not a valid date"
    )


def test_unparsable_numbers_and_booleans(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[1]["geboortejaar"] = "2010a"
    rows[2]["scheidingsproblematiek"] = "misschien"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-TYPE-001", "geboortejaar"), ("ALG-TYPE-001", "scheidingsproblematiek")]
    assert only(report, "ALG-TYPE-001", "geboortejaar").rijen == [3]
    assert only(report, "ALG-TYPE-001", "scheidingsproblematiek").voorbeelden == ["misschien"]


def test_date_after_peildatum(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["datum_passende_hulp"] = "2024-04-01"
    rows[1]["datum_einde"] = "2024-03-31"  # on the peildatum is fine
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("ALG-DATUM-001", "datum_passende_hulp")]
    result = report.results[0]
    assert (result.aantal, result.rijen, result.voorbeelden) == (1, [2], ["2024-04-01"])
    assert "after the peildatum 2024-03-31 (rows 2)" in result.melding_en


def test_end_before_start(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[1]["datum_einde"] = "2023-04-30"  # datum_uitspraak 2023-05-01
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("GIM-007", "datum_einde")]
    result = report.results[0]
    assert (result.aantal, result.rijen) == (1, [3])
    assert result.melding_nl == (
        "JBGL/gi_maatregelen/2024-03-31.csv: datum_einde ligt in 1 rij(en) voor datum_uitspraak (rijen 3)"
    )


def test_notification_margin_of_seven_days(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["datum_in_kennisstelling"] = "2024-01-03"  # 7 days before 2024-01-10: allowed
    rows[1]["datum_in_kennisstelling"] = "2023-04-23"  # 8 days before 2023-05-01: not
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("GIM-003", "datum_in_kennisstelling")]
    assert report.results[0].rijen == [3]


def test_reden_einde_without_datum_einde_and_the_reverse(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["reden_einde"] = "DOEL_BEREIKT"  # no datum_einde
    rows[1]["reden_einde"] = ""  # datum_einde 2024-02-29
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("GIM-008", "reden_einde")]
    result = report.results[0]
    assert (result.aantal, result.rijen, result.voorbeelden) == (2, [2, 3], ["DOEL_BEREIKT"])


def test_filled_exactly_when_a_value(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("vt_meldingen")
    rows[0]["datum_verzoek_rvdk"] = ""  # vervolg VERZOEK_ONDERZOEK_RVDK
    rows[1]["datum_verzoek_rvdk"] = "2024-02-12"  # vervolg GEEN_VERVOLG
    report = check(deliver(tmp_path, "vt_meldingen", rows=rows), defs)
    assert codes(report) == [("VTM-005", "datum_verzoek_rvdk")]
    assert report.results[0].rijen == [2, 3]


def test_duplicate_record_id(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[2]["maatregel_id"] = "M1"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("GIM-001", "maatregel_id")]
    result = report.results[0]
    assert (result.aantal, result.rijen, result.voorbeelden) == (2, [2, 4], [])
    assert "M1" not in result.melding_nl + result.melding_en


def test_capacity_rules(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_capaciteit")
    rows[0]["fte_jeugdbeschermer"] = "0"  # groter_dan 0 is exclusive
    rows[1]["peildatum"] = "31-01-2024"  # the same month end as row 2, in the other format
    rows[2]["peildatum"] = "2024-03-30"
    rows[2]["verzuim_pct"] = '"100,5"'  # quoted: this is a comma CSV
    rows[2]["uitstroom_medewerkers"] = "-1"
    report = check(deliver(tmp_path, "gi_capaciteit", rows=rows), defs)
    assert codes(report) == [
        ("GIC-001", "peildatum"),
        ("GIC-002", "peildatum"),
        ("GIC-003", "fte_jeugdbeschermer"),
        ("GIC-006", "uitstroom_medewerkers"),
        ("GIC-007", "verzuim_pct"),
    ]
    assert only(report, "GIC-001").rijen == [2, 3]
    assert only(report, "GIC-001").voorbeelden == ["2024-01-31", "31-01-2024"]
    assert only(report, "GIC-002").rijen == [4]
    assert only(report, "GIC-003").rijen == [2]
    assert only(report, "GIC-007").voorbeelden == ["100,5"]


def test_birth_year_and_long_measure_warning(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[0]["geboortejaar"] = "1993"  # 31 years before the uitspraak in 2024 (and no JB age: GIM-W02)
    rows[1]["geboortejaar"] = "2001"  # JR, 22 at the uitspraak in 2023: allowed
    rows[2]["datum_uitspraak"], rows[2]["datum_in_kennisstelling"] = "2014-03-30", "2014-03-31"
    rows[2]["maatregel_type"] = "OTS"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("GIM-002", "geboortejaar"), ("GIM-W01", "datum_einde"), ("GIM-W02", "geboortejaar")]
    assert only(report, "GIM-002").voorbeelden == ["1993"]
    assert "more than 30 years before" in only(report, "GIM-002").melding_en
    warning = only(report, "GIM-W01")
    assert (warning.ernst, warning.rijen) == ("warning", [4])


def test_long_guardianship_is_not_implausible(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    assert rows[2]["maatregel_type"] == "VOOGDIJ"
    rows[2]["datum_uitspraak"], rows[2]["datum_in_kennisstelling"] = "2012-03-30", "2012-03-31"
    assert codes(check(deliver(tmp_path, rows=rows), defs)) == []


def test_only_warnings_is_accepted(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[2]["datum_uitspraak"], rows[2]["datum_in_kennisstelling"] = "2014-03-30", "2014-03-31"
    rows[2]["maatregel_type"] = "OTS"
    report = check(deliver(tmp_path, rows=rows), defs)
    assert codes(report) == [("GIM-W01", "datum_einde")]
    assert report.accepted
    assert "WARNING" in report.format_text()


# --- organisation, path, file ------------------------------------------------------------------------


def test_unknown_organisation(tmp_path: Path, defs: Definitions) -> None:
    report = check(deliver(tmp_path, organisatie="JB_ONBEKEND"), defs)
    assert codes(report) == [("ALG-ORG-001", None)]
    assert report.results[0].melding_en == (
        "Organisation JB_ONBEKEND is unknown; add it to referentie/organisaties.csv"
    )
    assert report.row_count == 3  # the content is still checked


def test_bron_not_allowed_for_the_organisation_type(tmp_path: Path, defs: Definitions) -> None:
    report = check(deliver(tmp_path, "gi_maatregelen", organisatie="VT_NOG"), defs)
    assert codes(report) == [("ALG-ORG-002", None)]
    assert report.results[0].melding_nl == "Organisatie VT_NOG (type VT) mag bron gi_maatregelen niet leveren"
    report = check(deliver(tmp_path, "vt_meldingen", organisatie="RVDK"), defs)
    assert codes(report) == [("ALG-ORG-002", None)]


def test_unknown_bron(tmp_path: Path, defs: Definitions) -> None:
    path = tmp_path / "JBGL" / "gi_wachtlijst" / "2024-03-31.csv"
    path.parent.mkdir(parents=True)
    path.write_text("a\n1\n")
    report = check(path, defs)
    assert codes(report) == [("ALG-ORG-002", None)]
    assert report.row_count is None


def test_bad_inbox_path(tmp_path: Path, defs: Definitions) -> None:
    good = deliver(tmp_path)
    bad = good.with_name("maart.csv")
    good.rename(bad)
    report = check(bad, defs, inbox=tmp_path)
    assert codes(report) == [("ALG-BEST-003", None)]
    assert report.results[0].melding_en == (
        "JBGL/gi_maatregelen/maart.csv: file name 'maart' is not a valid peildatum YYYY-MM-DD"
    )
    assert "geen geldige peildatum" in report.results[0].melding_nl
    assert not report.accepted


def test_empty_file(tmp_path: Path, defs: Definitions) -> None:
    path = deliver(tmp_path)
    path.write_bytes(b"")
    report = check(path, defs)
    assert codes(report) == [("ALG-BEST-001", None)]
    assert report.results[0].melding_en == (
        "JBGL/gi_maatregelen/2024-03-31.csv cannot be read: the file is empty (0 bytes)"
    )
    assert report.sha256 == hashlib.sha256(b"").hexdigest()


def test_header_only(tmp_path: Path, defs: Definitions) -> None:
    report = check(deliver(tmp_path, rows=[]), defs)
    assert codes(report) == [("ALG-BEST-002", None)]
    assert report.row_count == 0
    assert "holds no records" in report.results[0].melding_en


def test_non_utf8_file(tmp_path: Path, defs: Definitions) -> None:
    path = deliver(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"JR_GBM", b"JR_GBM\xe9"))
    report = check(path, defs)
    assert codes(report) == [("ALG-BEST-001", None)]
    assert "(line 3)" in report.results[0].melding_en
    assert "(regel 3)" in report.results[0].melding_nl


# --- row count warning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("previous", "warns"), [(None, False), (2, False), (6, False), (7, True), (1, True)])
def test_row_count_change(tmp_path: Path, defs: Definitions, previous: int | None, warns: bool) -> None:
    # 3 records now; the limit is 50%: 6 -> 3 is exactly 50%, 7 -> 3 is 57.1%, 1 -> 3 is 200%.
    report = check(deliver(tmp_path, "vt_meldingen"), defs, previous_row_count=previous)
    assert report.accepted
    assert codes(report) == ([("ALG-OMV-001", None)] if warns else [])
    if previous == 7:
        result = report.results[0]
        assert result.ernst == "warning"
        assert result.melding_en == (
            "VT_NOG/vt_meldingen/2024-03-31.csv: 3 records against 7 in the previous delivery (57.1% change)"
        )


def test_row_count_limit_comes_from_the_definitions(tmp_path: Path, defs: Definitions) -> None:
    aanlevering = defs.instellingen.aanlevering.model_copy(update={"max_verandering_aantal_rijen_pct": 60})
    looser = defs.model_copy(update={"instellingen": defs.instellingen.model_copy(update={"aanlevering": aanlevering})})
    path = deliver(tmp_path, "vt_meldingen")
    assert check(path, looser, previous_row_count=7).results == []


# --- report text ------------------------------------------------------------------------------------------


def test_format_text(tmp_path: Path, defs: Definitions) -> None:
    rows = rows_of("gi_maatregelen")
    rows[2]["maatregel_id"] = "M1"
    rows[1]["datum_einde"] = "2023-04-30"
    text = check(deliver(tmp_path, rows=rows), defs).format_text()
    assert "AFGEKEURD" in text and "REJECTED" in text
    assert "[FOUT / ERROR] GIM-001  kolom / column: maatregel_id" in text
    assert "aantal rijen / rows: 2; voorbeeldrijen / example rows: 2, 4" in text
    assert "[FOUT / ERROR] GIM-007  kolom / column: datum_einde" in text
    assert "Records:             3" in text


def test_format_melding_tolerates_bad_templates() -> None:
    assert format_melding("{bestand}: {onbekend} {aantal}", {"bestand": "f.csv", "aantal": 2}) == "f.csv: {onbekend} 2"
    assert format_melding("{bestand", {"bestand": "f.csv"}) == "{bestand"
    assert format_melding("{} {0}", {}) == "{} {0}"


# --- masks -----------------------------------------------------------------------------------------------


def dates(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values))).astype("datetime64[s]")


def test_mask_out_of_range() -> None:
    values = pd.Series([-1, 0, 50, 100, 5000, None], dtype="Float64")
    assert mask_out_of_range(values, minimaal=0, maximaal=100).tolist() == [True, False, False, False, True, False]
    assert mask_out_of_range(values, groter_dan=0, kleiner_dan=5000).tolist() == [
        True, True, False, False, True, False,
    ]  # fmt: skip


def test_mask_before_with_margin() -> None:
    start = dates("2024-01-10", "2024-01-10", "2024-01-10", None)
    later = dates("2024-01-03", "2024-01-02", None, "2024-01-01")
    assert mask_before(later, start, -7).tolist() == [False, True, False, False]
    assert mask_before(later, start, 0).tolist() == [True, True, False, False]


def test_mask_filled_mismatch() -> None:
    values = pd.Series(["A", None, "A", None], dtype="string")
    condition = pd.Series(["x", "x", None, None], dtype="string")
    assert mask_filled_mismatch(values, condition).tolist() == [False, True, True, False]
    condition = pd.Series(["JA", "JA", "NEE", None], dtype="string")
    assert mask_filled_mismatch(values, condition, "JA").tolist() == [False, True, True, False]


def test_mask_years_before() -> None:
    years = pd.Series([2024, 2025, 2001, 2000, None], dtype="Int64")
    assert mask_years_before(years, 2024, 0, 23).tolist() == [False, True, False, True, False]


def test_mask_not_month_end() -> None:
    assert mask_not_month_end(dates("2024-02-29", "2023-02-28", "2024-02-28", None)).tolist() == [
        False, False, True, False,
    ]  # fmt: skip


def test_mask_duration_over() -> None:
    start = dates("2014-01-01", "2014-01-01", "2014-04-01", None)
    end = dates("2024-01-02", None, None, None)
    # 2014-01-01 -> 2024-01-02 is 3653 days (not over); -> peildatum 2024-03-31 is 3742; 2014-04-01 -> 3652.
    assert mask_duration_over(end, start, date(2024, 3, 31), 3653).tolist() == [False, True, False, False]


def test_mask_duplicates() -> None:
    values = pd.Series(["a", "b", "a", None, None, "c", "a"], dtype="string")
    assert mask_duplicates(values).tolist() == [True, False, True, False, False, False, True]
