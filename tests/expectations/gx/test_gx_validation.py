"""Validation through Great Expectations: generated suites, custom expectations that reuse the rule
masks, one Checkpoint run per delivery, results equal to the rules engine's, and Data Docs that
name rows but never values, and load nothing remote.

Every test uses real GX on real files in a temporary data dir. Most share one module-wide GX
project in which every delivery below is validated once, so the Data Docs index can be checked
against the full list.
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from valid_deliveries import KIND, PEILDATUM, VALID, VALID_V2

from expectations.gx.data_docs.offline import find_remote_loads
from expectations.gx.expectations import BATCH_COLUMNS, outcome_batch
from expectations.gx.suites import (
    FILE_SUITE,
    SUITES_DIR,
    build_suite,
    build_suites,
    stale_suites,
    suite_json,
    write_suites,
)
from expectations.gx.validation import OLD_STAGING_DIR, GxOutcome, GxValidationError, GxValidator
from expectations.rules import RuleResult, ValidationReport
from expectations.validate import validate_file
from sources.definitions import PRE_READ_CHECKS, ROW_CHECKS, Definitions, load_definitions

BSN = "123456782"  # passes the eleven-test: 9*1 + 8*2 + 7*3 + 6*4 + 5*5 + 4*6 + 3*7 + 2*8 - 1*2 = 154 = 14*11


# --- writing deliveries by hand -----------------------------------------------------------------------


def rows(bron: str, **changes: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """The bron's valid rows; `changes` maps a row key "r2" (spreadsheet row 2 = first record) to new values."""
    _, header, records = VALID[bron]
    records = [list(r) for r in records]
    for key, values in changes.items():
        record = records[int(key[1:]) - 2]
        for column, value in values.items():
            record[header.index(column)] = value
    return list(header), records


def write_csv(
    path: Path, header: list[str], records: list[list[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in records]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def delivery(
    inbox: Path, bron: str, header: list[str], records: list[list[str]], organisatie: str | None = None
) -> Path:
    return write_csv(inbox / (organisatie or VALID[bron][0]) / bron / f"{PEILDATUM}.csv", header, records)


def drop_column(header: list[str], records: list[list[str]], name: str) -> tuple[list[str], list[list[str]]]:
    i = header.index(name)
    return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in records]


def add_column(header: list[str], records: list[list[str]], name: str, values: list[str]) -> tuple[list, list]:
    return header + [name], [r + [v] for r, v in zip(records, values, strict=True)]


def write_xlsx_with_blank_row(path: Path, header: list[str], records: list[list[str]]) -> Path:
    """The first record on spreadsheet row 2, an empty row 3, the other records from row 4."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [header, records[0], [None] * len(header), *records[1:]]:
        sheet.append(row)
    workbook.save(path)
    return path


Table = tuple[list[str], list[list[str]]]


@dataclass(frozen=True)
class Case:
    """One delivery: where it lands in the inbox, its table, and the previous accepted row count if any."""

    organisatie: str
    bron: str
    table: Table
    name: str = f"{PEILDATUM}.csv"
    encoding: str = "utf-8"
    previous_row_count: int | None = None

    def write(self, inbox: Path) -> Path:
        path = inbox / self.organisatie / self.bron / self.name
        if path.suffix == ".xlsx":
            return write_xlsx_with_blank_row(path, *self.table)
        return write_csv(path, *self.table, encoding=self.encoding)


GIM, GIC, VTM, RVO = "gi_maatregelen", "gi_capaciteit", "vt_meldingen", "rvdk_onderzoeken"

CASES: dict[str, Case] = {
    # Valid deliveries, one per bron.
    **{f"valid_{bron}": Case(VALID[bron][0], bron, rows(bron)) for bron in VALID},
    # Broken ones.
    "bsn_in_text_column": Case("JBGL", GIM, rows(GIM, r3={"maatregel_id": BSN})),
    "bsn_in_unknown_column": Case("VT_GZ", VTM, add_column(*rows(VTM), "opmerking", ["", BSN, "geen"])),
    "unknown_code": Case("VT_GM", VTM, rows(VTM, r2={"soort": "BRIEF"})),
    "date_after_peildatum": Case("WSS", GIM, rows(GIM, r3={"datum_einde": "2024-04-15", "reden_einde": "OVERIG"})),
    "end_before_start": Case("RVDK", RVO, rows(RVO, r3={"datum_afgerond": "2024-01-01"})),
    "duplicate_id": Case("LJR", GIM, rows(GIM, r4={"maatregel_id": "M1"})),
    "extra_column_naam": Case("JVV", GIC, add_column(*rows(GIC), "naam", ["a", "b", "c"])),
    "missing_column": Case("DJGB", GIM, drop_column(*rows(GIM), "datum_einde")),
    "repeated_column": Case("RVDK", RVO, add_column(*rows(RVO), "kind_id", KIND[:3])),
    "capacity_out_of_range": Case("JBOV", GIC, rows(GIC, r2={"fte_jeugdbeschermer": "0", "peildatum": "2024-01-30"})),
    "header_only": Case("JBRR", GIM, (VALID[GIM][1], [])),
    "not_utf8": Case("VT_TWENTE", VTM, rows(VTM, r2={"soort": "MELDÏNG"}), encoding="latin-1"),
    "unknown_organisation": Case("ONBEKEND", GIM, rows(GIM)),
    "unknown_bron": Case("JBGL", "gi_onbekend", rows(GIM)),
    "bad_file_name": Case("VT_NHN", VTM, rows(VTM), name="maart.csv"),
    # The second record (spreadsheet row 4, after an empty row) has an unknown code.
    "xlsx_blank_row": Case("VT_GM", VTM, rows(VTM, r3={"soort": "ONBEKEND"}), name=f"{PEILDATUM}.xlsx"),
    "row_count_warning": Case("VT_KENNEMERLAND", VTM, rows(VTM), previous_row_count=100),
    # Contract version 2: the new rule kinds through GX, the optional columns present.
    **{f"valid_v2_{bron}": Case(VALID_V2[bron][0], bron, (VALID_V2[bron][1], VALID_V2[bron][2])) for bron in VALID_V2},
    "v2_age_and_retired_code": Case(
        "JBOV",
        GIM,
        rows(GIM, r2={"geboortejaar": "2025"}, r3={"geboortejaar": "2000", "reden_einde": "VERHUISD"}),
    ),
    "v2_transfer_before_uitspraak": Case(
        "JBRR",
        GIM,
        add_column(*rows(GIM), "datum_start_bij_gi", ["2024-01-09", "", "2022-11-30"]),
    ),
    "v2_melding_key_and_anonymous": Case(
        "VT_GZ",
        VTM,
        (
            VALID[VTM][1],
            [VALID[VTM][2][0], VALID[VTM][2][0], *rows(VTM, r3={"kind_id": ""}, r4={"kind_id": ""})[1][1:]],
        ),
    ),
    "v2_rvdk_age_urgent_requester": Case(
        "RVDK",
        RVO,
        (
            VALID_V2[RVO][1],
            [
                [*VALID_V2[RVO][2][0][:3], "2004", *VALID_V2[RVO][2][0][4:10], "2024-02-01", "BUREN"],
                *VALID_V2[RVO][2][1:],
            ],
        ),
    ),
}


@dataclass
class Validated:
    report: ValidationReport
    outcome: GxOutcome


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, defs: Definitions) -> tuple[Path, dict[str, Validated], Path]:
    """Every case validated once in one GX project; returns (data dir, results, Data Docs index)."""
    data_dir = tmp_path_factory.mktemp("data")
    inbox = data_dir / "inbox"
    validator = GxValidator(defs, data_dir)
    done: dict[str, Validated] = {}
    for name, case in CASES.items():
        path = case.write(inbox)
        report = validate_file(path, defs, inbox=inbox, previous_row_count=case.previous_row_count)
        outcome = validator.validate(report, delivery_id=name, previous_row_count=case.previous_row_count)
        done[name] = Validated(report, outcome)
    index = validator.build_docs()
    return data_dir, done, index


def key(result: RuleResult) -> tuple:
    return result.code, result.kolom, result.aantal, tuple(result.rijen)


def gx_keys(project: tuple, case: str) -> list[tuple]:
    return [key(r) for r in project[1][case].outcome.results]


# --- GX agrees with the rules engine ---------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_gx_results_equal_the_rules_engine(project: tuple, case: str) -> None:
    validated = project[1][case]
    report, outcome = validated.report, validated.outcome
    assert sorted(gx_keys(project, case)) == sorted(key(r) for r in report.results)
    # Same messages too: GX results are rebuilt through rules.make_result from the same templates.
    engine = {key(r): (r.ernst, r.melding_nl, r.melding_en) for r in report.results}
    assert {key(r): (r.ernst, r.melding_nl, r.melding_en) for r in outcome.results} == engine
    assert outcome.success == report.accepted
    assert outcome.data_docs_page is not None and outcome.data_docs_page.is_file()
    assert outcome.seconds > 0 and outcome.run_id


def test_valid_deliveries_pass(project: tuple) -> None:
    for bron in VALID:
        outcome = project[1][f"valid_{bron}"].outcome
        assert outcome.success and outcome.results == [], bron


def test_hand_checked_results(project: tuple) -> None:
    assert gx_keys(project, "bsn_in_text_column") == [("ALG-PRIV-001", "maatregel_id", 1, (3,))]
    # The unknown column is checked by the kolom="*" expectation, and reported once as unknown.
    assert sorted(gx_keys(project, "bsn_in_unknown_column")) == [
        ("ALG-KOL-001", "opmerking", 1, ()),
        ("ALG-PRIV-001", "opmerking", 1, (3,)),
    ]
    assert gx_keys(project, "unknown_code") == [("ALG-CODE-001", "soort", 1, (2,))]
    assert gx_keys(project, "date_after_peildatum") == [("ALG-DATUM-001", "datum_einde", 1, (3,))]
    assert gx_keys(project, "end_before_start") == [("RVO-004", "datum_afgerond", 1, (3,))]
    assert gx_keys(project, "duplicate_id") == [("GIM-001", "maatregel_id", 2, (2, 4))]
    assert gx_keys(project, "extra_column_naam") == [("ALG-KOL-001", "naam", 1, ()), ("ALG-KOL-002", "naam", 1, ())]
    # The rules that need datum_einde (GIM-007, GIM-008, GIM-W01) are skipped, not failed.
    assert gx_keys(project, "missing_column") == [("ALG-KOL-001", "datum_einde", 1, ())]
    repeated = project[1]["repeated_column"].outcome.results
    assert [(r.code, r.kolom) for r in repeated] == [("ALG-KOL-001", "kind_id")]
    assert "komt 2 keer voor" in repeated[0].melding_nl  # the file's own header travels with the batch
    assert sorted(gx_keys(project, "capacity_out_of_range")) == [
        ("GIC-002", "peildatum", 1, (2,)),
        ("GIC-003", "fte_jeugdbeschermer", 1, (2,)),
    ]
    assert gx_keys(project, "header_only") == [("ALG-BEST-002", None, 1, ())]
    assert gx_keys(project, "not_utf8") == [("ALG-BEST-001", None, 1, ())]
    assert "UTF-8" in project[1]["not_utf8"].outcome.results[0].melding_en
    assert gx_keys(project, "unknown_organisation") == [("ALG-ORG-001", None, 1, ())]
    assert gx_keys(project, "unknown_bron") == [("ALG-ORG-002", None, 1, ())]
    assert gx_keys(project, "bad_file_name") == [("ALG-BEST-003", None, 1, ())]
    # Row numbers are the spreadsheet's: the xlsx's second record sits on row 4.
    assert gx_keys(project, "xlsx_blank_row") == [("ALG-CODE-001", "soort", 1, (4,))]
    # Contract version 2.
    assert sorted(gx_keys(project, "v2_age_and_retired_code")) == [
        ("ALG-CODE-W01", "reden_einde", 1, (3,)),
        ("GIM-002", "geboortejaar", 1, (2,)),
        ("GIM-W02", "geboortejaar", 2, (2, 3)),
    ]
    assert gx_keys(project, "v2_transfer_before_uitspraak") == [("GIM-009", "datum_start_bij_gi", 1, (2,))]
    assert sorted(gx_keys(project, "v2_melding_key_and_anonymous")) == [
        ("VTM-001", "melding_id", 2, (2, 3)),
        ("VTM-007", "kind_id", 1, (5,)),
    ]
    assert sorted(gx_keys(project, "v2_rvdk_age_urgent_requester")) == [
        ("ALG-CODE-001", "verzoeker", 1, (2,)),
        ("RVO-007", "datum_spoedverzoek", 1, (2,)),
        ("RVO-W02", "geboortejaar", 1, (2,)),
    ]
    for bron in VALID_V2:
        assert project[1][f"valid_v2_{bron}"].outcome.results == [], bron


def test_warnings_do_not_block(project: tuple) -> None:
    outcome = project[1]["row_count_warning"].outcome
    assert [(r.code, r.ernst, r.aantal) for r in outcome.results] == [("ALG-OMV-001", "warning", 3)]
    assert "100" in outcome.results[0].melding_nl
    assert outcome.success


def test_row_count_change_from_the_report_when_no_previous_count_is_given(tmp_path: Path, defs: Definitions) -> None:
    inbox = tmp_path / "inbox"
    path = delivery(inbox, "vt_meldingen", *rows("vt_meldingen"))
    report = validate_file(path, defs, inbox=inbox, previous_row_count=1000)
    outcome = GxValidator(defs, tmp_path).validate(report, "omv")
    assert [key(r) for r in outcome.results] == [key(r) for r in report.results] == [("ALG-OMV-001", None, 3, ())]
    assert outcome.results[0].melding_en == report.results[0].melding_en and outcome.success


def test_row_count_change_against_the_count_given_to_gx(tmp_path: Path, defs: Definitions) -> None:
    """The previous count given to GX counts, also when the report was made without one (3 against 100: -97%)."""
    inbox = tmp_path / "inbox"
    report = validate_file(delivery(inbox, "vt_meldingen", *rows("vt_meldingen")), defs, inbox=inbox)
    assert report.results == []
    outcome = GxValidator(defs, tmp_path).validate(report, "omv", previous_row_count=100)
    assert [key(r) for r in outcome.results] == [("ALG-OMV-001", None, 3, ())]
    assert "97.0" in outcome.results[0].melding_en and outcome.success


def test_unreadable_and_unknown_bron_deliveries_use_the_expected_suites(project: tuple) -> None:
    assert "/ketenmonitor/gi_maatregelen/" in project[1]["header_only"].outcome.data_docs_page.as_posix()
    assert "/ketenmonitor/vt_meldingen/" in project[1]["not_utf8"].outcome.data_docs_page.as_posix()
    assert "/ketenmonitor/bestand/" in project[1]["unknown_bron"].outcome.data_docs_page.as_posix()


def suite_rules(defs: Definitions, name: str) -> list:
    return [defs.regel(e.regel_code) for e in build_suites(defs)[name].expectations]


def test_the_batch_holds_the_checks_not_the_records(project: tuple, defs: Definitions) -> None:
    report = project[1]["xlsx_blank_row"].report
    regels = suite_rules(defs, "ketenmonitor.vt_meldingen")
    batch = outcome_batch(regels, report.results, report.checks, report.row_count)
    assert list(batch.columns) == list(BATCH_COLUMNS)
    # Every rule of the suite has a row; only the unknown code fails, on spreadsheet row 4 (after the empty row 3).
    assert set(batch["regel_code"]) == {r.code for r in regels}
    failing = batch[batch["aantal"] > 0]
    assert [(r.regel_code, r.kolom, r.aantal, r.rijen, r.getoetst) for r in failing.itertuples()] == [
        ("ALG-CODE-001", "soort", 1, [4], 3)
    ]
    # One row per rule and column: ALG-VERPL-001 on each required column of vt_meldingen, all passing.
    verplicht = batch[batch["regel_code"] == "ALG-VERPL-001"]
    assert list(verplicht["kolom"]) == [
        k.naam for k in defs.kolommen_voor_regel("vt_meldingen", defs.regel("ALG-VERPL-001"))
    ]
    assert (verplicht["aantal"] == 0).all()
    # No value of the delivery is in it: a pseudonym, a record id.
    text = batch.to_json()
    assert not any(kind_id in text for kind_id in KIND) and not re.search(r"\bV[123]\b", text)


def test_an_unread_delivery_has_only_the_checks_before_reading(project: tuple, defs: Definitions) -> None:
    report = project[1]["not_utf8"].report
    assert report.frame is None and report.checks is None
    batch = outcome_batch(suite_rules(defs, "ketenmonitor.vt_meldingen"), report.results, None, None)
    assert sorted(batch["regel_code"]) == sorted(r.code for r in defs.algemene_regels if r.controle in PRE_READ_CHECKS)
    failing = batch[batch["aantal"] > 0]
    assert list(failing["regel_code"]) == ["ALG-BEST-001"] and failing["getoetst"].isna().all()
    assert failing.iloc[0]["melding_en"] == report.results[0].melding_en


def test_a_failing_check_without_an_expectation_is_refused(tmp_path: Path, defs: Definitions) -> None:
    """A rule the suite lacks must not pass unseen: the validator refuses the batch instead."""
    inbox = tmp_path / "inbox"
    report = validate_file(
        delivery(inbox, "vt_meldingen", *rows("vt_meldingen", r2={"soort": "BRIEF"})), defs, inbox=inbox
    )
    validator = GxValidator(defs, tmp_path)
    validator._rules["ketenmonitor.vt_meldingen"] = [
        r for r in validator._rules["ketenmonitor.vt_meldingen"] if r.code != "ALG-CODE-001"
    ]
    with pytest.raises(GxValidationError, match="no expectation for rule.*ALG-CODE-001"):
        validator.validate(report, "zonder verwachting")


# --- Data Docs ------------------------------------------------------------------------------------


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_index_lists_one_validation_per_delivery(project: tuple) -> None:
    data_dir, done, index = project
    text = index.read_text(encoding="utf-8")
    links = re.findall(r"'_table_row_link_path': '(validations/[^']+)'", text)
    assert len(links) == len(CASES) == len(set(links))
    run_names = re.findall(r"'run_name': '([^']*)'", text)
    for name, validated in done.items():
        report = validated.report
        if report.organisatie_code:
            expected = f"{report.organisatie_code} · {report.bron} · {report.peildatum or '?'}"
        else:  # a misplaced file: where it was found
            expected = " · ".join(report.file.parts[-3:])
        assert sum(r.startswith(expected) for r in run_names) >= 1, (name, expected, run_names)
    assert len(list((data_dir / "reports" / "data_docs" / "validations").rglob("*.html"))) == len(CASES)


def test_data_docs_show_rules_as_text_not_class_names(project: tuple) -> None:
    page = project[1]["end_before_start"].outcome.data_docs_page
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))))
    assert re.search(r"RVO-004 \( error \) — datum_afgerond : niet voor datum_verzoek / not before datum_verzoek", text)
    assert "expect_rows_to_pass_ketenmonitor_rule" not in text
    suite_page = project[2].parent / "expectations" / "ketenmonitor" / "gi_maatregelen.html"
    suite_text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", suite_page.read_text(encoding="utf-8"))))
    assert re.search(
        r"GIM-003 \( error \) — datum_in_kennisstelling : niet meer dan 7 dagen voor datum_uitspraak", suite_text
    )


def test_no_pseudonym_or_bsn_in_data_docs_or_stored_results(project: tuple) -> None:
    data_dir = project[0]
    files = _pages(data_dir / "reports" / "data_docs")
    files += sorted((data_dir / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(files) > len(CASES)
    for path in files:
        text = path.read_text(encoding="utf-8")
        for kind_id in KIND:
            assert kind_id not in text, path
        assert BSN not in text, path
        for record_id in ("M1", "M2", "V1", "R1"):  # record ids are pseudonyms too
            assert not re.search(rf"\b{record_id}\b", text), (path, record_id)


def test_site_loads_nothing_remote(project: tuple) -> None:
    site = project[2].parent
    pages = _pages(site)
    assert len(pages) >= len(CASES) + len(build_suites(load_definitions())) + 1
    for page in pages:
        assert find_remote_loads(page.read_text(encoding="utf-8"), page) == [], page
        assert "greatexpectations.io" not in page.read_text(encoding="utf-8")


def test_gx_writes_only_inside_the_data_dir(project: tuple) -> None:
    data_dir = project[0]
    assert sorted(p.name for p in data_dir.iterdir()) == ["gx", "inbox", "reports"]
    assert sorted(p.name for p in (data_dir / "reports").iterdir()) == ["data_docs"]
    config = (data_dir / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert "analytics_enabled: false" in config


def test_validating_a_delivery_again_replaces_its_validation(tmp_path: Path, defs: Definitions) -> None:
    inbox = tmp_path / "inbox"
    path = delivery(inbox, "gi_maatregelen", *rows("gi_maatregelen", r2={"maatregel_type": "X"}))
    report = validate_file(path, defs, inbox=inbox)
    validator = GxValidator(defs, tmp_path)
    levering = "JBGL/gi_maatregelen/2024-03-31.csv"
    first = validator.validate(report, levering)
    second = validator.validate(report, levering)
    assert not first.data_docs_page.exists() and second.data_docs_page.is_file()
    # A corrected file under the same name is another delivery: both stay visible.
    delivery(inbox, "gi_maatregelen", *rows("gi_maatregelen"))
    corrected = validator.validate(validate_file(path, defs, inbox=inbox), levering)
    assert corrected.success and second.data_docs_page.is_file() and corrected.data_docs_page.is_file()
    stored = list((tmp_path / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == 2
    index = validator.build_docs().read_text(encoding="utf-8")
    assert len(re.findall(r"'_table_row_link_path': 'validations/", index)) == 2


def test_a_new_page_is_offline_before_the_site_is_rebuilt(tmp_path: Path, defs: Definitions) -> None:
    inbox = tmp_path / "inbox"
    report = validate_file(delivery(inbox, "vt_meldingen", *rows("vt_meldingen")), defs, inbox=inbox)
    validator = GxValidator(defs, tmp_path)
    pages = [validator.validate(report, f"levering {i}").data_docs_page for i in range(2)]
    before = [p.read_bytes() for p in pages]
    for page in pages:
        assert find_remote_loads(page.read_text(encoding="utf-8"), page) == []
    validator.build_docs()
    assert [p.read_bytes() for p in pages] == before  # what a rewrite of the whole site gives


def test_pages_are_made_offline_in_place(tmp_path: Path, defs: Definitions) -> None:
    """No one-page copy of the site any more; the copy an earlier version left behind (3 MB) is removed."""
    inbox = tmp_path / "inbox"
    report = validate_file(delivery(inbox, "vt_meldingen", *rows("vt_meldingen")), defs, inbox=inbox)
    validator = GxValidator(defs, tmp_path)
    validator.validate(report, "levering 0")  # a new site: built by the public build_data_docs
    leftover = tmp_path / "gx" / OLD_STAGING_DIR
    (leftover / "static" / "vendor").mkdir(parents=True)
    (leftover / "static" / "vendor" / "jquery.min.js").write_text("old", encoding="utf-8")
    page = validator.validate(report, "levering 1").data_docs_page
    assert page is not None and find_remote_loads(page.read_text(encoding="utf-8"), page) == []
    assert not leftover.exists()
    validator.validate(report, "levering 2")
    assert not leftover.exists()


def test_a_new_project_holds_fresh_checkpoints(tmp_path: Path, defs: Definitions) -> None:
    """A new project's checkpoints are added once on validation definitions and suites stored as they are."""
    validator = GxValidator(defs, tmp_path)
    for name in build_suites(defs):
        checkpoint = validator.context.checkpoints.get(name)
        assert checkpoint.is_fresh().success, name
        assert not checkpoint.actions and checkpoint.result_format == "BASIC"
        [definition] = checkpoint.validation_definitions
        assert definition.suite.name == name and definition.suite.id == validator.context.suites.get(name).id


def test_reopening_is_idempotent_and_fast(tmp_path: Path, defs: Definitions) -> None:
    GxValidator(defs, tmp_path)
    gx_dir = tmp_path / "gx"
    before = {p: p.read_bytes() for p in gx_dir.rglob("*") if p.is_file()}
    start = time.perf_counter()
    GxValidator(defs, tmp_path)
    seconds = time.perf_counter() - start
    assert {p: p.read_bytes() for p in gx_dir.rglob("*") if p.is_file()} == before
    assert seconds < 3.0, seconds


def test_changed_definitions_refresh_the_stored_suite(tmp_path: Path, defs: Definitions) -> None:
    GxValidator(defs, tmp_path)
    instellingen = defs.instellingen.model_copy(update={"versie": "9.9.9"})
    changed = defs.model_copy(update={"instellingen": instellingen})
    validator = GxValidator(changed, tmp_path)
    stored = validator.context.suites.get("ketenmonitor.gi_capaciteit")
    assert stored.meta["definities_versie"] == "9.9.9"
    # The Checkpoint still runs on the refreshed suite.
    inbox = tmp_path / "inbox"
    report = validate_file(delivery(inbox, "gi_capaciteit", *rows("gi_capaciteit")), changed, inbox=inbox)
    assert validator.validate(report, "na wijziging").success


def test_demo_size_delivery_is_fast(tmp_path: Path, defs: Definitions) -> None:
    """A few thousand rows: reopen plus validate well within seconds (measured ~0.2 s + ~0.6 s)."""
    inbox = tmp_path / "inbox"
    header, base = rows("gi_maatregelen")
    records = [[f"M{i}", KIND[i % 4]] + base[i % 3][2:] for i in range(3000)]
    records[1234][4] = "ONBEKEND"
    report = validate_file(delivery(inbox, "gi_maatregelen", header, records), defs, inbox=inbox)
    GxValidator(defs, tmp_path)
    start = time.perf_counter()
    outcome = GxValidator(defs, tmp_path).validate(report, "demo")
    seconds = time.perf_counter() - start
    assert (
        [key(r) for r in outcome.results]
        == [key(r) for r in report.results]
        == [("ALG-CODE-001", "maatregel_type", 1, (1236,))]
    )
    assert seconds < 10.0, seconds


# --- suites ---------------------------------------------------------------------------------------


def test_committed_suites_are_not_stale(defs: Definitions, tmp_path: Path) -> None:
    """Fails when definitions/ changed without `python -m expectations.gx.suites` (and a review of the diff)."""
    assert stale_suites(defs) == []
    written = write_suites(defs, tmp_path)
    assert [p.name for p in written] == sorted(p.name for p in SUITES_DIR.glob("*.json"))
    for path in written:
        assert path.read_text(encoding="utf-8") == (SUITES_DIR / path.name).read_text(encoding="utf-8")
    (tmp_path / "ketenmonitor.oud.json").write_text("{}", encoding="utf-8")
    (tmp_path / "ketenmonitor.gi_capaciteit.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in stale_suites(defs, tmp_path)] == [
        "ketenmonitor.gi_capaciteit.json",
        "ketenmonitor.oud.json",
    ]


def test_suite_json_is_reproducible(defs: Definitions) -> None:
    first, second = suite_json(build_suite(defs, "vt_meldingen")), suite_json(build_suite(defs, "vt_meldingen"))
    assert first == second
    data = json.loads(first)
    assert '"id"' not in first and "great_expectations_version" not in first
    assert data["name"] == "ketenmonitor.vt_meldingen" and data["meta"]["definities_versie"] == defs.versie


GENERAL = ["ALG-BEST-001", "ALG-BEST-002", "ALG-BEST-003", "ALG-ORG-001", "ALG-ORG-002", "ALG-KOL-001",
           "ALG-KOL-002", "ALG-OMV-001", "ALG-PRIV-001", "ALG-TYPE-001", "ALG-VERPL-001", "ALG-DATUM-001",
           "ALG-DATUM-002", "ALG-LIM-001", "ALG-XLSX-001", "ALG-XLSX-002"]  # fmt: skip
CODED = ["ALG-CODE-001", "ALG-PAT-001", "ALG-REF-001"]
# One key fingerprint per file: only the bronnen with a kind_id carry the column sleutel_vingerafdruk.
KEYED = ["ALG-VING-001"]


@pytest.mark.parametrize(
    ("bron", "expected"),
    [
        # ALG-CODE-W01: reden_einde's list has a vervallen code (VERHUISD).
        (
            "gi_maatregelen",
            GENERAL
            + CODED
            + KEYED
            + ["ALG-CODE-W01", "GIM-001", "GIM-002", "GIM-003", "GIM-007", "GIM-008", "GIM-009"]
            + ["GIM-W01", "GIM-W02", "GIM-W03", "GIM-W04"],
        ),
        # No code list, pattern or reference column; no date except peildatum.
        ("gi_capaciteit", GENERAL + [f"GIC-00{i}" for i in range(1, 8)]),
        ("vt_meldingen", GENERAL + CODED + KEYED + [f"VTM-00{i}" for i in (1, 3, 4, 5, 6, 7)] + ["VTM-W02"]),
        (
            "rvdk_onderzoeken",
            GENERAL + CODED + KEYED + ["RVO-001"] + [f"RVO-00{i}" for i in range(3, 8)] + ["RVO-W01", "RVO-W02"],
        ),
    ],
)
def test_suite_has_an_expectation_for_every_rule_of_the_bron(defs: Definitions, bron: str, expected: list) -> None:
    suite = json.loads((SUITES_DIR / f"ketenmonitor.{bron}.json").read_text(encoding="utf-8"))
    codes = [e["kwargs"]["regel_code"] for e in suite["expectations"]]
    assert set(codes) == set(expected)
    assert len(codes) == len(set(codes))  # one expectation per rule
    # Every rule from the definitions that applies to the bron is there, with its severity and its columns.
    for regel in list(defs.algemene_regels) + list(defs.bronnen[bron].regels):
        kolommen = [k.naam for k in defs.kolommen_voor_regel(bron, regel)]
        found = [e for e in suite["expectations"] if e["kwargs"]["regel_code"] == regel.code]
        if regel.controle in ROW_CHECKS:
            assert len(found) == (1 if kolommen or regel.controle == "geen_bsn" else 0), regel.code
            if found:
                extra = ["*"] if regel.controle == "geen_bsn" else []
                assert found[0]["kwargs"]["kolommen"] == kolommen + extra, regel.code
                # Each column's requirement, columns with the same one together, every column once.
                eisen = found[0]["meta"]["eisen"]
                flat = [k for e in eisen for k in e["kolommen"]]
                assert sorted(flat) == sorted(kolommen + extra) and len(flat) == len(set(flat)), regel.code
        else:
            assert len(found) == 1 and "kolommen" not in found[0]["kwargs"], regel.code
        for e in found:
            assert e["kwargs"]["ernst"] == e["meta"]["ernst"] == regel.ernst
            assert e["severity"] == ("critical" if regel.ernst == "error" else "warning")
    bsn_other = [e for e in suite["expectations"] if "*" in e["kwargs"].get("kolommen", [])]
    assert [e["kwargs"]["regel_code"] for e in bsn_other] == ["ALG-PRIV-001"]


def test_type_rule_names_each_type_once(defs: Definitions) -> None:
    suite = json.loads((SUITES_DIR / "ketenmonitor.gi_maatregelen.json").read_text(encoding="utf-8"))
    [typ] = [e for e in suite["expectations"] if e["kwargs"]["regel_code"] == "ALG-TYPE-001"]
    dates = ["datum_uitspraak", "datum_in_kennisstelling", "datum_jeugdbeschermer", "datum_plan_van_aanpak"]
    dates += ["datum_passende_hulp", "datum_einde", "datum_start_bij_gi"]
    assert [e["kolommen"] for e in typ["meta"]["eisen"]] == [["geboortejaar"], dates, ["scheidingsproblematiek"]]
    assert typ["meta"]["eisen"][1]["nl"] == "elke waarde is te lezen als datum JJJJ-MM-DD"


def test_file_suite_holds_only_the_checks_before_reading(defs: Definitions) -> None:
    suite = json.loads((SUITES_DIR / f"{FILE_SUITE}.json").read_text(encoding="utf-8"))
    assert [e["kwargs"]["regel_code"] for e in suite["expectations"]] == [
        "ALG-BEST-001",
        "ALG-BEST-003",
        "ALG-DATUM-002",
        "ALG-LIM-001",
        "ALG-XLSX-001",
        "ALG-XLSX-002",
        "ALG-ORG-001",
        "ALG-ORG-002",
    ]
