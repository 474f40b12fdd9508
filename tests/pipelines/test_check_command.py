"""`ketenmonitor check` on the generator's defect files and on a valid file."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines.cli import main as cli
from synthetic import generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("check")
    generate(root, scale="demo", end_month="2025-06", snapshots=1, defects=True)
    return root


def test_check_rejects_every_defect_file_with_its_named_rules(demo, capsys):
    listing = json.loads((demo / "defects.json").read_text("utf-8"))
    assert len(listing["defecten"]) >= 14
    # A defect of warning rules only is accepted with its warnings named (exit 0).
    assert any(d["geaccepteerd"] for d in listing["defecten"])
    for defect in listing["defecten"]:
        expected_exit, verdict = (0, "ACCEPTED") if defect["geaccepteerd"] else (1, "REJECTED")
        assert cli(["check", str(demo / defect["pad"])]) == expected_exit, defect
        out = capsys.readouterr().out
        assert verdict in out
        for code in defect["regels"]:
            assert code in out, (defect, code)


def test_check_accepts_a_valid_delivery(demo, capsys):
    valid = sorted((demo / "inbox" / "JBGL" / "gi_maatregelen").glob("2025-06-30.*"))
    assert len(valid) == 1
    assert cli(["check", str(valid[0])]) == 0
    out = capsys.readouterr().out
    assert "ACCEPTED" in out and "JBGL" in out and "2025-06-30" in out


def test_defects_of_the_default_month_lie_in_the_past(tmp_path, capsys):
    """Without --end-month the defect deliveries are in the last complete month, not the current one:
    a peildatum after today would make rule ALG-DATUM-002 reject every defect, the accepted one too."""
    today = date.today()
    first_of_month = date(today.year, today.month, 1)
    last_complete = first_of_month - timedelta(days=1)  # the last day of the previous month
    generate(tmp_path, scale="demo", snapshots=1, defects=True)
    listing = json.loads((tmp_path / "defects.json").read_text("utf-8"))
    assert listing["peildatum"] == last_complete.isoformat()
    # The regular snapshot is the month before it.
    regular = date(last_complete.year, last_complete.month, 1) - timedelta(days=1)
    assert sorted(p.name for p in (tmp_path / "inbox" / "JBGL" / "gi_capaciteit").iterdir())[0].startswith(
        regular.isoformat()
    )
    [accepted] = [d for d in listing["defecten"] if d["geaccepteerd"]]
    assert cli(["check", str(tmp_path / accepted["pad"])]) == 0
    out = capsys.readouterr().out
    assert "ACCEPTED" in out and "ALG-DATUM-002" not in out
