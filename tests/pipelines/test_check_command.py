"""`ketenmonitor check` on the generator's defect files and on a valid file."""

import json
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
