"""Hostile and careless deliveries in the Data Docs and the GX project (issue 12, points 1 and 6).

One real run (`run_pipeline`) on a data dir whose inbox holds, worked out by hand:

* `<img ... onerror=...>/gi_maatregelen/2024-01-31.csv`: a valid file in an organisation folder
  that is markup: ALG-ORG-001 (unknown organisation), and the folder name is in the run name;
* `JBGL/gi_maatregelen/2024-01-31.csv`: a valid file plus two columns named with markup (an
  <img> that would load http://xss-kolom.invalid/k, and a `</td>...<script>`): ALG-KOL-001 twice;
* `JBGL/gi_maatregelen/<img ... onerror=...>.csv`: markup as the file name: ALG-BEST-003;
* `JBGL/gi_maatregelen/2024-02-29.csv`: a column whose name is coloured with ANSI escapes:
  ALG-KOL-001, shown as "rood";
* `JBGL/gi_maatregelen/2024-03-31.csv`: valid, accepted.

Every payload sets `document.title` to a marker (or requests a unique URL); headless Chromium
opens every Data Docs page and none of them may run. Then the GX state file (RUNS_FILE) is cut
off halfway, as a kill mid-write left it before it was written atomically: the next delivery is
still validated, Data Docs still list every validation, and a re-validation of every delivery
(a new definitions version) replaces each validation instead of adding a second one.
"""

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from headless_chromium import needs_chromium, requested_urls, run_chromium
from valid_deliveries import VALID, csv, deliver

from expectations.gx.validation import RUNS_FILE
from pipelines.cli import main as cli
from pipelines.run import run_pipeline
from sources.definitions import DEFINITIONS_DIR_ENV, definitions_dir
from tests.warehouse_queries import query

ORG_PAYLOAD = "<img src=x alt=xss-org onerror=document.title=alt>"
KOLOM_PAYLOAD = "<img src=http://xss-kolom.invalid/k alt=xss-kolom onerror=document.title=alt>"
SCRIPT_PAYLOAD = "</td></tr></table><script>document.title=/xss-script/.source</script>"
BESTAND_PAYLOAD = "<img src=x alt=xss-bestand onerror=document.title=alt>"
PAYLOADS = [ORG_PAYLOAD, KOLOM_PAYLOAD, SCRIPT_PAYLOAD, BESTAND_PAYLOAD]
ANSI_KOLOM = "\x1b[31mrood\x1b[0m"
MARKERS = ("xss-org", "xss-kolom", "xss-script", "xss-bestand")

# JBGL's valid measures for peildatum 2024-03-31. Their dates run up to 2024-03-01, so the hostile
# copies (peildata 2024-01-31 and 2024-02-29) keep only M3, whose dates all lie in 2022.
_, HEADER, ROWS = VALID["gi_maatregelen"]
JANUARY_ROW = ROWS[2]

ORG_FILE = f"{ORG_PAYLOAD}/gi_maatregelen/2024-01-31.csv"
KOLOM_FILE = "JBGL/gi_maatregelen/2024-01-31.csv"
BESTAND_FILE = f"JBGL/gi_maatregelen/{BESTAND_PAYLOAD}.csv"
ANSI_FILE = "JBGL/gi_maatregelen/2024-02-29.csv"
VALID_FILE = "JBGL/gi_maatregelen/2024-03-31.csv"
QUARANTINED = {
    ORG_FILE: "ALG-ORG-001",
    KOLOM_FILE: "ALG-KOL-001",
    BESTAND_FILE: "ALG-BEST-003",
    ANSI_FILE: "ALG-KOL-001",
}


def site_pages(root: Path) -> list[Path]:
    site = root / "reports" / "data_docs"
    return sorted(p for p in site.rglob("*.html") if "static" not in p.relative_to(site).parts)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile_gx")
    root = base / "data"
    deliver(root, ORG_FILE, csv(HEADER, [JANUARY_ROW]))
    deliver(root, KOLOM_FILE, csv([*HEADER, KOLOM_PAYLOAD, SCRIPT_PAYLOAD], [[*JANUARY_ROW, "a", "b"]]))
    deliver(root, BESTAND_FILE, csv(HEADER, [JANUARY_ROW]))
    deliver(root, ANSI_FILE, csv([*HEADER, ANSI_KOLOM], [[*JANUARY_ROW, "x"]]))
    deliver(root, VALID_FILE, csv(HEADER, ROWS))
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        summary = run_pipeline(root, log=lines.append)
    yield root, summary, lines


def test_hostile_deliveries_are_quarantined_with_their_rules(hostile):
    root, summary, _ = hostile
    assert summary.quarantined == QUARANTINED
    assert summary.accepted == [VALID_FILE]
    assert not summary.failed_steps
    # Each column named with markup is reported under its name, as text (the registry is data, not HTML).
    assert query(
        root, "SELECT levering_id, code, kolom FROM meta.regelresultaten WHERE code = 'ALG-KOL-001' ORDER BY ALL"
    ) == [
        (KOLOM_FILE, "ALG-KOL-001", SCRIPT_PAYLOAD),
        (KOLOM_FILE, "ALG-KOL-001", KOLOM_PAYLOAD),
        (ANSI_FILE, "ALG-KOL-001", "rood"),
    ]


def test_data_docs_show_the_markup_as_text_never_as_markup(hostile):
    root, _, _ = hostile
    pages = site_pages(root)
    # 5 suite pages, the index and one page per delivery.
    assert len(pages) == 5 + 1 + 5
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    for page, text in texts.items():
        for payload in PAYLOADS:
            assert payload not in text, (page, payload)
        assert "<script>document.title" not in text, page
    everything = "\n".join(texts.values())
    # Shown, escaped once: in the rule messages, the unexpected-column table and the run names.
    for payload in (ORG_PAYLOAD, KOLOM_PAYLOAD, SCRIPT_PAYLOAD, BESTAND_PAYLOAD):
        assert html.escape(payload, quote=False) in everything, payload
    assert "&amp;lt;" not in everything  # not escaped twice
    index = texts[root / "reports" / "data_docs" / "index.html"]
    assert f"{html.escape(ORG_PAYLOAD)} · gi_maatregelen · 2024-01-31 · " in index
    assert f"JBGL · gi_maatregelen · {html.escape(BESTAND_PAYLOAD)}.csv · " in index


@needs_chromium
def test_no_data_docs_page_runs_a_delivery_script_in_chromium(hostile, tmp_path):
    root, _, _ = hostile
    pages = site_pages(root)
    assert len(pages) == 11
    for n, page in enumerate(pages):
        proc, net_log = run_chromium(page, tmp_path, f"page-{n}", ["--dump-dom"])
        dom = proc.stdout
        assert "</html>" in dom, (page, proc.stderr[-2000:])
        titles = re.findall(r"<title>(.*?)</title>", dom, re.S)
        assert not any(marker in t for t in titles for marker in MARKERS), (page, titles)
        # The escaped payload is on the page as text, and no element it describes exists.
        assert not re.search(r"<img[^>]*\balt=\"?xss-", dom), page
        assert not re.search(r"<script>document\.title", dom), page
        assert not [u for u in requested_urls(net_log) if "xss-kolom.invalid" in u], page


def test_console_and_dagster_logs_carry_no_escape_sequences(hostile):
    root, _, lines = hostile
    from pipelines.instance import instance_for

    instance = instance_for(root)
    messages = [e.message or "" for run in instance.get_runs() for e in instance.all_logs(run.run_id)]
    compute_logs = [p.read_text(encoding="utf-8", errors="replace") for p in (root / "dagster").rglob("*.err")]
    for text in [*lines, *messages, *compute_logs]:
        assert "\x1b" not in text, text
    assert any("ALG-KOL-001 rood: JBGL/gi_maatregelen/2024-02-29.csv: column rood is unknown" in m for m in messages)


def test_check_command_prints_no_escape_sequences(tmp_path, capsys):
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-02-29.csv"
    path.parent.mkdir(parents=True)
    path.write_text(csv([*HEADER, ANSI_KOLOM], [[*JANUARY_ROW, "x"]]), encoding="utf-8")
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "[FOUT / ERROR] ALG-KOL-001  kolom / column: rood" in out
    assert "EN: JBGL/gi_maatregelen/2024-02-29.csv: column rood is unknown" in out


# --- point 6: the GX state file ------------------------------------------------------------------


def _validations(root: Path) -> list[Path]:
    return sorted((root / "gx" / "uncommitted" / "validations").rglob("*.json"))


def test_a_damaged_gx_state_file_is_rebuilt_and_every_validation_stays_listed(hostile, tmp_path, caplog):
    source, _, _ = hostile
    root = tmp_path / "data"
    shutil.copytree(source, root)
    runs_file = root / "gx" / RUNS_FILE
    before = json.loads(runs_file.read_text(encoding="utf-8"))
    assert len(before) == 5 and len(_validations(root)) == 5
    # Killed halfway through writing it (as the in-place write of earlier versions could leave it).
    data = runs_file.read_bytes()
    runs_file.write_bytes(data[: len(data) // 2])

    deliver(root, "JBGL/gi_maatregelen/2024-04-30.csv", csv(HEADER, ROWS))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        summary = run_pipeline(root, log=lambda _: None)
    assert not summary.failed_steps, summary.failed_steps
    assert "JBGL/gi_maatregelen/2024-04-30.csv" in summary.accepted
    assert any("ketenmonitor_validaties.json was damaged" in r.getMessage() for r in caplog.records)
    # The damaged file is kept for inspection; the new one is whole, written through a rename.
    assert (runs_file.parent / f"{runs_file.name}.beschadigd").read_bytes() == data[: len(data) // 2]
    after = json.loads(runs_file.read_text(encoding="utf-8"))
    assert sum(k.startswith("run ketenmonitor.") for k in after) == 5
    assert [k for k in after if not k.startswith("run ")] == [
        f"JBGL/gi_maatregelen/2024-04-30.csv @ {_sha(root, 'JBGL/gi_maatregelen/2024-04-30.csv')}"
    ]
    assert not list(runs_file.parent.glob(f".{runs_file.name}.*"))
    # Data Docs list every validation: the five before and the new one.
    assert len(_validations(root)) == 6
    index = (root / "reports" / "data_docs" / "index.html").read_text(encoding="utf-8")
    for run_id in query(root, "SELECT gx_run_id FROM meta.leveringen"):
        assert run_id[0].split("/")[0] in index, run_id

    # A new definitions version validates every delivery again: each validation is replaced (found by
    # the delivery, or by the rebuilt suite-and-run-name entry), none is listed twice.
    defs_copy = tmp_path / "definitions"
    shutil.copytree(definitions_dir(), defs_copy)
    settings = defs_copy / "instellingen.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(re.sub(r'^versie: "[\d.]+"', 'versie: "99.0.0"', text, count=1, flags=re.M), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv(DEFINITIONS_DIR_ENV, str(defs_copy))
        summary = run_pipeline(root, log=lambda _: None)
    assert not summary.failed_steps and not summary.unchanged
    assert len(_validations(root)) == 6
    assert len(site_pages(root)) == 5 + 1 + 6
    after = json.loads(runs_file.read_text(encoding="utf-8"))
    assert len(after) == 6 and not any(k.startswith("run ") for k in after)


def _sha(root: Path, levering_id: str) -> str:
    from sources.archive import sha256_of

    return sha256_of(root / "inbox" / levering_id)


def test_damaged_gx_project_files_are_made_again_from_the_definitions(hostile, tmp_path, caplog):
    source, _, _ = hostile
    root = tmp_path / "data"
    shutil.copytree(source, root)
    project = root / "gx"
    damaged = [
        project / "great_expectations.yml",
        project / "checkpoints" / "ketenmonitor.gi_maatregelen.json",
        project / "validation_definitions" / "ketenmonitor.gi_maatregelen.json",
        project / "expectations" / "ketenmonitor" / "gi_maatregelen.json",
    ]
    for path in damaged:  # each cut off halfway, as GX's in-place write left it when killed
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    deliver(root, "JBGL/gi_maatregelen/2024-04-30.csv", csv(HEADER, ROWS))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        summary = run_pipeline(root, log=lambda _: None)
    assert not summary.failed_steps, summary.failed_steps
    assert "JBGL/gi_maatregelen/2024-04-30.csv" in summary.accepted
    assert any("could not be opened" in r.getMessage() for r in caplog.records)
    # Set aside, not deleted: the config, every checkpoint and validation definition, the damaged suite.
    (aside,) = (project / "uncommitted" / "beschadigd").iterdir()
    assert sorted(p.relative_to(aside).as_posix() for p in aside.rglob("*") if p.is_file()) == sorted(
        ["great_expectations.yml", "expectations/ketenmonitor/gi_maatregelen.json"]
        + [f"{folder}/ketenmonitor.{s}.json" for folder in ("checkpoints", "validation_definitions") for s in SUITES]
    )
    for path in damaged[1:]:
        json.loads(path.read_text(encoding="utf-8"))  # made again, whole
    # Nothing lost: the five earlier validations and the new one are all in the Data Docs.
    assert len(_validations(root)) == 6
    assert len(site_pages(root)) == 5 + 1 + 6
    index = (root / "reports" / "data_docs" / "index.html").read_text(encoding="utf-8")
    for (run_id,) in query(root, "SELECT gx_run_id FROM meta.leveringen"):
        assert run_id.split("/")[0] in index, run_id


SUITES = ["bestand", "gi_capaciteit", "gi_maatregelen", "rvdk_onderzoeken", "vt_meldingen"]


def test_gx_store_files_are_replaced_whole_or_not_at_all(defs, tmp_path, monkeypatch):
    """compat.write_stores_atomically on a real project: a write cut off before its rename leaves the old file."""
    from expectations.gx import compat
    from expectations.gx.validation import GxValidator

    validator = GxValidator(defs, tmp_path)
    path = tmp_path / "gx" / "expectations" / "ketenmonitor" / "gi_maatregelen.json"
    before = path.read_bytes()
    suite = validator.context.suites.get("ketenmonitor.gi_maatregelen")
    suite.meta["notitie"] = "x" * 100_000

    def killed(src, dst):
        raise KeyboardInterrupt("killed before the rename")

    monkeypatch.setattr(compat.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        validator.context.suites.add_or_update(suite)
    monkeypatch.undo()
    assert path.read_bytes() == before
    # The leftover is never taken for a suite; the next write replaces the file whole.
    assert validator.context.suites.get("ketenmonitor.gi_maatregelen").meta.get("notitie") is None
    validator.context.suites.add_or_update(suite)
    assert json.loads(path.read_text(encoding="utf-8"))["meta"]["notitie"] == "x" * 100_000
