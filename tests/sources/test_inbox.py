"""The inbox layout: <inbox>/<organisatie_code>/<bron>/<peildatum>.<csv|xlsx|parquet>."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sources.inbox import DeliveryRef, InboxPathError, parse_delivery_path, scan_inbox


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x\n")
    return path


def test_parse_valid_path(tmp_path: Path) -> None:
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.csv"
    ref = parse_delivery_path(path, tmp_path)
    assert ref == DeliveryRef("JBGL", "gi_maatregelen", date(2024, 3, 31), "csv", path)


@pytest.mark.parametrize(("name", "fmt"), [("2024-01-31.xlsx", "xlsx"), ("2024-01-31.parquet", "parquet")])
def test_parse_other_formats(tmp_path: Path, name: str, fmt: str) -> None:
    assert parse_delivery_path(tmp_path / "RVDK" / "rvdk_onderzoeken" / name, tmp_path).fmt == fmt


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    # Windows tools write .CSV; the format is still csv.
    assert parse_delivery_path(tmp_path / "JBGL" / "gi_capaciteit" / "2024-01-31.CSV", tmp_path).fmt == "csv"


def test_unknown_organisation_and_bron_are_not_path_errors(tmp_path: Path) -> None:
    # ALG-ORG-001 / ALG-ORG-002 decide these in validation, against the definitions.
    ref = parse_delivery_path(tmp_path / "ONBEKEND" / "vt_meldingen" / "2024-01-31.csv", tmp_path)
    assert (ref.organisatie_code, ref.bron) == ("ONBEKEND", "vt_meldingen")
    ref = parse_delivery_path(tmp_path / "JBGL" / "iets_anders" / "2024-01-31.csv", tmp_path)
    assert ref.bron == "iets_anders"


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("JBGL/2024-01-31.csv", "expected <organisatie_code>/<bron>/<peildatum>"),
        ("JBGL/gi_maatregelen/2024/2024-01-31.csv", "expected <organisatie_code>/<bron>/<peildatum>"),
        ("JBGL/gi_maatregelen/2024-01-31.txt", "unknown extension .txt"),
        ("JBGL/gi_maatregelen/2024-01-31", "unknown extension (none)"),
        ("JBGL/gi_maatregelen/2024-02-30.csv", "not a valid peildatum"),
        ("JBGL/gi_maatregelen/31-01-2024.csv", "not a valid peildatum"),
        ("JBGL/gi_maatregelen/2024-1-31.csv", "not a valid peildatum"),
        ("JBGL/gi_maatregelen/maart.xlsx", "not a valid peildatum"),
        ("JBGL/gi_maatregelen/2024-01-31.kopie.csv", "not a valid peildatum"),
    ],
)
def test_bad_paths(tmp_path: Path, relative: str, reason: str) -> None:
    path = tmp_path / relative
    with pytest.raises(InboxPathError) as info:
        parse_delivery_path(path, tmp_path)
    assert reason in info.value.reason
    assert info.value.path == path
    assert info.value.code == "ALG-BEST-003"
    assert info.value.reden_nl  # a Dutch reason for the supplier


def test_path_outside_inbox(tmp_path: Path) -> None:
    with pytest.raises(InboxPathError, match="not inside the inbox"):
        parse_delivery_path(Path("/elders/JBGL/gi_maatregelen/2024-01-31.csv"), tmp_path / "inbox")


def test_scan_inbox_sorts_ignores_hidden_and_reports_misplaced(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    good = [
        touch(inbox / "VT_NOG" / "vt_meldingen" / "2024-02-29.csv"),
        touch(inbox / "JBGL" / "gi_maatregelen" / "2024-02-29.xlsx"),
        touch(inbox / "JBGL" / "gi_maatregelen" / "2024-01-31.csv"),
        touch(inbox / "JBGL" / "gi_capaciteit" / "2024-01-31.parquet"),
    ]
    for ignored in [
        ".DS_Store",
        "JBGL/.gitkeep",
        "JBGL/gi_maatregelen/~$2024-02-29.xlsx",
        "JBGL/gi_maatregelen/.~lock.2024-01-31.csv#",
        ".archief/JBGL/gi_maatregelen/2023-12-31.csv",
        "JBGL/gi_maatregelen/Thumbs.db",
    ]:
        touch(inbox / ignored)
    misplaced = [
        touch(inbox / "leesmij.txt"),
        touch(inbox / "JBGL" / "2024-01-31.csv"),
        touch(inbox / "JBGL" / "gi_maatregelen" / "laatste.csv"),
    ]
    refs, errors = scan_inbox(inbox)
    assert [(r.organisatie_code, r.bron, r.peildatum.isoformat(), r.fmt) for r in refs] == [
        ("JBGL", "gi_capaciteit", "2024-01-31", "parquet"),
        ("JBGL", "gi_maatregelen", "2024-01-31", "csv"),
        ("JBGL", "gi_maatregelen", "2024-02-29", "xlsx"),
        ("VT_NOG", "vt_meldingen", "2024-02-29", "csv"),
    ]
    assert {r.path for r in refs} == set(good)
    assert [e.path for e in errors] == sorted(misplaced, key=str)


def test_scan_missing_inbox(tmp_path: Path) -> None:
    assert scan_inbox(tmp_path / "bestaat_niet") == ([], [])
