"""Contract version 2, section 2: optional columns, ages at the record's own start, keys, retired codes.

Every new or changed rule on a small hand-made delivery, with the row numbers a supplier reads
(header = row 1, first record = row 2), plus the masks behind them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from valid_deliveries import KIND, PEILDATUM, VALID, VALID_V2

from expectations.rules import (
    RuleResult,
    ValidationReport,
    mask_duplicates,
    mask_empty_unless,
    mask_years_before_date,
)
from expectations.validate import validate_file
from sources.definitions import Definitions

GIM, VTM, RVO = "gi_maatregelen", "vt_meldingen", "rvdk_onderzoeken"


def records(bron: str, valid: dict = VALID) -> list[dict[str, str]]:
    _, header, rows = valid[bron]
    return [dict(zip(header, r, strict=True)) for r in rows]


def deliver(
    inbox: Path, bron: str, rows: list[dict[str, str]], peildatum: str = PEILDATUM, organisatie: str | None = None
) -> Path:
    """A CSV delivery with the columns of the first row, in its order."""
    header = list(rows[0])
    path = inbox / (organisatie or VALID[bron][0]) / bron / f"{peildatum}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(path: Path, defs: Definitions) -> ValidationReport:
    report = validate_file(path, defs)
    text = report.format_text() + "".join(r.melding_en + r.melding_nl + " ".join(r.voorbeelden) for r in report.results)
    assert not any(k in text for k in KIND), "a pseudonym reached the report"
    return report


def found(report: ValidationReport) -> list[tuple[str, str | None, str, list[int]]]:
    """(code, column, severity, example rows) of every result, sorted."""
    return sorted((r.code, r.kolom, r.ernst, r.rijen) for r in report.results)


def only(report: ValidationReport, code: str) -> RuleResult:
    hits = [r for r in report.results if r.code == code]
    assert len(hits) == 1, report.results
    return hits[0]


# --- version 1 stays valid, version 2 is valid ------------------------------------------------------


@pytest.mark.parametrize("bron", sorted(VALID))
def test_version_1_delivery_without_the_optional_columns_is_accepted(
    tmp_path: Path, defs: Definitions, bron: str
) -> None:
    header = VALID[bron][1]
    assert not set(defs.bronnen[bron].optionele_kolomnamen) & set(header)
    report = check(deliver(tmp_path, bron, records(bron)), defs)
    assert report.accepted and report.results == []


@pytest.mark.parametrize("bron", sorted(VALID_V2))
def test_version_2_delivery_with_the_new_columns_is_accepted(tmp_path: Path, defs: Definitions, bron: str) -> None:
    rows = records(bron, VALID_V2)
    assert list(rows[0]) == [k for k in defs.bronnen[bron].kolomnamen if k in rows[0]]
    report = check(deliver(tmp_path, bron, rows), defs)
    assert report.accepted and report.results == []


def test_unknown_column_still_rejects_when_an_optional_one_is_left_out(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    for i, row in enumerate(rows):
        row["opmerking"] = f"tekst {i}"
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert [(r.code, r.kolom) for r in report.results] == [("ALG-KOL-001", "opmerking")]


def test_a_required_column_left_out_still_rejects(tmp_path: Path, defs: Definitions) -> None:
    rows = [{k: v for k, v in r.items() if k != "datum_rekest"} for r in records(RVO, VALID_V2)]
    report = check(deliver(tmp_path, RVO, rows), defs)
    assert [(r.code, r.kolom) for r in report.results] == [("ALG-KOL-001", "datum_rekest")]


def test_jr_youth_of_20_in_2019_in_a_2026_snapshot(tmp_path: Path, defs: Definitions) -> None:
    row = records(GIM)[0] | {
        "geboortejaar": "1999",
        "maatregel_type": "JR_TOEZICHT_BEGELEIDING",
        "datum_uitspraak": "2019-03-01",
        "datum_in_kennisstelling": "2019-03-02",
        "datum_jeugdbeschermer": "2019-03-05",
        "datum_plan_van_aanpak": "2019-04-01",
        "datum_passende_hulp": "2019-04-15",
    }
    report = check(deliver(tmp_path, GIM, [row], peildatum="2026-10-31"), defs)
    assert report.accepted and report.results == []


# --- gi_maatregelen ----------------------------------------------------------------------------------


def test_gim_002_birth_year_against_the_year_of_the_uitspraak(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    rows[0]["geboortejaar"] = "2025"  # after the uitspraak's year 2024
    rows[1]["geboortejaar"] = "1992"  # 31 years before 2023
    rows[2]["geboortejaar"] = "1992"  # 30 years before 2022: possible (the age warning still fires)
    report = check(deliver(tmp_path, GIM, rows), defs)
    error = only(report, "GIM-002")
    assert (error.ernst, error.aantal, error.rijen) == ("error", 2, [2, 3])
    assert error.voorbeelden == ["2025", "1992"]
    assert "more than 30 years before" in error.melding_en
    assert only(report, "GIM-W02").rijen == [2, 3, 4]
    assert not report.accepted


def test_gim_w02_age_by_kader(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    rows[0]["geboortejaar"] = "2006"  # OTS (JB) pronounced 2024: 18
    rows[1]["geboortejaar"] = "2000"  # JR_GBM pronounced 2023: 23
    extra = rows[1] | {"maatregel_id": "M4", "maatregel_type": "JR_TOEZICHT_BEGELEIDING", "geboortejaar": "2001"}
    rows.append(extra)  # JR pronounced 2023: 22, allowed
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert found(report) == [("GIM-W02", "geboortejaar", "warning", [2, 3])]
    assert report.accepted
    assert "JB 0-17, JR 12-22" in only(report, "GIM-W02").melding_en


def test_gim_009_transfer_not_before_the_uitspraak(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM, VALID_V2)
    rows[0]["datum_start_bij_gi"] = "2024-01-09"  # uitspraak 2024-01-10
    rows[1]["datum_start_bij_gi"] = "2023-05-01"  # the same day: allowed
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert found(report) == [("GIM-009", "datum_start_bij_gi", "error", [2])]
    assert not report.accepted


def test_gim_w03_worker_before_the_uitspraak_is_a_warning(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    rows[0]["datum_jeugdbeschermer"] = "2024-01-02"  # 8 days before the uitspraak of 2024-01-10
    rows[1]["datum_jeugdbeschermer"] = "2023-04-24"  # 7 days before: no warning
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert found(report) == [("GIM-W03", "datum_jeugdbeschermer", "warning", [2])]
    assert report.accepted


def test_gim_w04_plan_before_the_uitspraak_is_a_warning(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    rows[1]["datum_plan_van_aanpak"] = "2023-04-30"
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert found(report) == [("GIM-W04", "datum_plan_van_aanpak", "warning", [3])]
    assert report.accepted


def test_help_before_the_uitspraak_is_allowed(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    rows[0]["datum_passende_hulp"] = "2023-12-01"
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert report.accepted and report.results == []


def test_verhuisd_is_a_warning(tmp_path: Path, defs: Definitions) -> None:
    rows = records(GIM)
    rows[1]["reden_einde"] = "VERHUISD"
    report = check(deliver(tmp_path, GIM, rows), defs)
    assert found(report) == [("ALG-CODE-W01", "reden_einde", "warning", [3])]
    warning = only(report, "ALG-CODE-W01")
    assert warning.aantal == 1 and warning.voorbeelden == ["VERHUISD"]
    assert "VERHUISD -> OVERGEDRAGEN" in warning.melding_en and "gi_maatregelen" in warning.melding_en
    assert report.accepted


# --- vt_meldingen ------------------------------------------------------------------------------------


def test_vtm_001_two_children_of_one_melding_are_two_records(tmp_path: Path, defs: Definitions) -> None:
    rows = records(VTM)
    rows.append(rows[0] | {"kind_id": KIND[3], "geboortejaar": "2016"})
    report = check(deliver(tmp_path, VTM, rows), defs)
    assert report.accepted and report.results == []


def test_vtm_001_the_same_child_twice_in_one_melding_is_a_duplicate(tmp_path: Path, defs: Definitions) -> None:
    rows = records(VTM)
    rows.append(dict(rows[0]))
    report = check(deliver(tmp_path, VTM, rows), defs)
    assert found(report) == [("VTM-001", "melding_id", "error", [2, 5])]
    assert only(report, "VTM-001").voorbeelden == []  # a record id is a pseudonym


def test_vtm_001_two_anonymous_rows_of_one_melding_are_duplicates(tmp_path: Path, defs: Definitions) -> None:
    rows = records(VTM)
    rows[1]["kind_id"] = ""  # V2 is an ADVIES
    rows.append(rows[1] | {"geboortejaar": ""})
    report = check(deliver(tmp_path, VTM, rows), defs)
    assert found(report) == [("VTM-001", "melding_id", "error", [3, 5])]


def test_vtm_007_only_an_advice_request_may_be_anonymous(tmp_path: Path, defs: Definitions) -> None:
    rows = records(VTM)
    rows[0]["kind_id"] = ""  # a MELDING
    rows[1]["kind_id"], rows[1]["geboortejaar"] = "", ""  # an ADVIES: allowed
    report = check(deliver(tmp_path, VTM, rows), defs)
    assert found(report) == [("VTM-007", "kind_id", "error", [2])]
    assert "ADVIES" in only(report, "VTM-007").melding_en
    rows[0]["kind_id"] = KIND[0]
    assert check(deliver(tmp_path, VTM, rows), defs).results == []


def test_vtm_w02_age_at_reception(tmp_path: Path, defs: Definitions) -> None:
    rows = records(VTM)
    rows[2]["geboortejaar"] = "2006"  # 18 in 2024
    rows[1]["geboortejaar"] = "2024"  # 0: allowed
    report = check(deliver(tmp_path, VTM, rows), defs)
    assert found(report) == [("VTM-W02", "geboortejaar", "warning", [4])]
    assert report.accepted


# --- rvdk_onderzoeken --------------------------------------------------------------------------------


def test_rvo_w02_age_by_soort(tmp_path: Path, defs: Definitions) -> None:
    rows = records(RVO)
    rows[0]["geboortejaar"] = "2004"  # BESCHERMINGSONDERZOEK in 2024: 20
    rows[1]["geboortejaar"] = "2004"  # STRAFONDERZOEK in 2024: 20, allowed
    report = check(deliver(tmp_path, RVO, rows), defs)
    assert found(report) == [("RVO-W02", "geboortejaar", "warning", [2])]
    assert report.accepted


def test_rvo_007_urgent_request_not_before_the_request(tmp_path: Path, defs: Definitions) -> None:
    rows = records(RVO, VALID_V2)
    rows[0]["datum_spoedverzoek"] = "2024-02-01"  # datum_verzoek 2024-02-02
    rows[1]["datum_spoedverzoek"] = "2024-01-10"  # the same day: allowed
    report = check(deliver(tmp_path, RVO, rows), defs)
    assert found(report) == [("RVO-007", "datum_spoedverzoek", "error", [2])]


def test_unknown_verzoeker_is_rejected(tmp_path: Path, defs: Definitions) -> None:
    rows = records(RVO, VALID_V2)
    rows[2]["verzoeker"] = "BUREN"
    report = check(deliver(tmp_path, RVO, rows), defs)
    assert found(report) == [("ALG-CODE-001", "verzoeker", "error", [4])]
    assert only(report, "ALG-CODE-001").voorbeelden == ["BUREN"]


# --- masks -------------------------------------------------------------------------------------------


def test_mask_years_before_date() -> None:
    years = pd.Series([2000, 2025, None, 2010], dtype="Int64")
    dates = pd.to_datetime(pd.Series(["2024-01-10", "2024-05-01", "2024-01-01", None]))
    assert mask_years_before_date(years, dates, 0, 23).tolist() == [True, True, False, False]
    assert mask_years_before_date(years, dates, None, None).tolist() == [False] * 4
    per_row = pd.Series([0, 0, 0, None], dtype="Float64"), pd.Series([30, 30, 30, None], dtype="Float64")
    assert mask_years_before_date(years, dates, *per_row).tolist() == [False, True, False, False]


def test_mask_empty_unless() -> None:
    values = pd.Series(["a", None, None, None], dtype="string")
    soort = pd.Series(["MELDING", "MELDING", "ADVIES", None], dtype="string")
    assert mask_empty_unless(values, soort, ["ADVIES"]).tolist() == [False, True, False, True]


def test_mask_duplicates_over_a_key_with_empty_values() -> None:
    melding = pd.Series(["V1", "V1", "V2", "V2", "V3"], dtype="string")
    kind = pd.DataFrame({"kind_id": pd.Series(["a", "b", None, None, None], dtype="string")})
    assert mask_duplicates(melding, kind).tolist() == [False, False, True, True, False]
    assert mask_duplicates(melding).tolist() == [True, True, True, True, False]
