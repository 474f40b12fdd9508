"""Hostile and careless deliveries on the board, in the region reports and in every log (issue 12,
points 1 and 10), through one real run (`run_pipeline`) on a data dir whose inbox holds, by hand:

* `JBGL/gi_maatregelen/2024-03-31.csv`: valid, accepted (so there are region exports and reports);
* `<img ... onerror=...>/gi_maatregelen/2024-01-31.csv`: markup as the organisation folder:
  ALG-ORG-001;
* `JBGL/gi_maatregelen/<img ... onerror=...>.csv`: markup as the file name: ALG-BEST-003;
* `JBGL/gi_maatregelen/2024-02-29.csv`: two extra columns named with a pseudonym (64 hex) and a
  BSN (123456782, passes the eleven-test): ALG-KOL-001 for "(kolom 14)" and "(kolom 15)";
* `JBGL/gi_maatregelen/111222333.csv` (a BSN: 9+8+7+12+10+8+9+6-3 = 66) and
  `JBGL/gi_maatregelen/<another pseudonym>.csv` as file names: ALG-BEST-003 each;
* `999999990/gi_maatregelen/2024-01-31.csv` (a BSN: 9 x 44 = 396) as the organisation folder:
  ALG-ORG-001.

No payload may run in the board or a region report in headless Chromium, and no pseudonym or BSN
may appear in the Data Docs, the board, the reports, the run's console lines or its Dagster logs;
the deliveries are still quarantined with their rules.
"""

import hashlib
import html
import re
from urllib.parse import unquote

import pytest
from headless_chromium import BROWSER_SERVICE_RE, console_messages, needs_chromium, requested_urls, run_chromium
from valid_deliveries import VALID, csv, deliver

from pipelines.instance import instance_for
from pipelines.run import format_summary, run_pipeline
from tests.warehouse_queries import query

ORG_PAYLOAD = "<img src=x alt=xss-org onerror=document.title=alt>"
BESTAND_PAYLOAD = "<img src=http:xss-bestand.invalid alt=xss-bestand onerror=document.title=alt>"
PSEUDONYM_KOLOM = hashlib.sha256(b"kind-kolom").hexdigest()
PSEUDONYM_BESTAND = hashlib.sha256(b"kind-bestand").hexdigest()
BSN_KOLOM = "123456782"
BSN_BESTAND = "111222333"
BSN_ORG = "999999990"
IDENTIFIERS = [PSEUDONYM_KOLOM, PSEUDONYM_BESTAND, BSN_KOLOM, BSN_BESTAND, BSN_ORG]

_, HEADER, ROWS = VALID["gi_maatregelen"]  # JBGL, peildatum 2024-03-31
M3 = ROWS[2]  # dates in 2022 only: valid for any of the peildata below

VALID_FILE = "JBGL/gi_maatregelen/2024-03-31.csv"
ORG_FILE = f"{ORG_PAYLOAD}/gi_maatregelen/2024-01-31.csv"
BESTAND_FILE = f"JBGL/gi_maatregelen/{BESTAND_PAYLOAD}.csv"
KOLOM_FILE = "JBGL/gi_maatregelen/2024-02-29.csv"
BSN_FILE = f"JBGL/gi_maatregelen/{BSN_BESTAND}.csv"
PSEUDONYM_FILE = f"JBGL/gi_maatregelen/{PSEUDONYM_BESTAND}.csv"
BSN_ORG_FILE = f"{BSN_ORG}/gi_maatregelen/2024-01-31.csv"
# The valid measures live in Buren, Culemborg and Maasdriel (GM0214, GM0216, GM0263): all Rivierenland.
REGIONS = ["RIVIERENLAND"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_reports") / "data"
    deliver(root, VALID_FILE, csv(HEADER, ROWS))
    deliver(root, ORG_FILE, csv(HEADER, [M3]))
    deliver(root, BESTAND_FILE, csv(HEADER, [M3]))
    deliver(root, KOLOM_FILE, csv([*HEADER, PSEUDONYM_KOLOM, BSN_KOLOM], [[*M3, "a", "b"]]))
    deliver(root, BSN_FILE, csv(HEADER, [M3]))
    deliver(root, PSEUDONYM_FILE, csv(HEADER, [M3]))
    deliver(root, BSN_ORG_FILE, csv(HEADER, [M3]))
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        summary = run_pipeline(root, log=lines.append)
    lines += format_summary(root, summary).splitlines()
    yield root, summary, lines


def test_hostile_deliveries_are_quarantined_with_their_rules(hostile):
    root, summary, _ = hostile
    assert summary.accepted == [VALID_FILE]
    assert summary.quarantined == {
        ORG_FILE: "ALG-ORG-001",
        BESTAND_FILE: "ALG-BEST-003",
        KOLOM_FILE: "ALG-KOL-001",
        BSN_FILE: "ALG-BEST-003",
        PSEUDONYM_FILE: "ALG-BEST-003",
        BSN_ORG_FILE: "ALG-ORG-001",
    }
    assert not summary.failed_steps
    # The columns named with a pseudonym and a BSN are the file's 14th and 15th: named by their place.
    assert query(
        root, f"SELECT code, kolom FROM meta.regelresultaten WHERE levering_id = '{KOLOM_FILE}' ORDER BY ALL"
    ) == [
        ("ALG-KOL-001", "(kolom 14)"),
        ("ALG-KOL-001", "(kolom 15)"),
    ]
    assert sorted(summary.regions) == REGIONS


def test_board_shows_the_markup_as_text(hostile):
    root, _, _ = hostile
    board = (root / "reports" / "bestuur.html").read_text(encoding="utf-8")
    for payload in (ORG_PAYLOAD, BESTAND_PAYLOAD):
        assert payload not in board
    # The validation list names each delivery by its inbox path, escaped once.
    assert f"<td>{html.escape(ORG_FILE)}</td>" in board
    assert f"<td>{html.escape(BESTAND_FILE)}</td>" in board
    assert "&amp;lt;" not in board
    # Every "Data Docs" link opens the delivery's page, the ones named with markup too.
    links = re.findall(r'<a href="(data_docs/validations/[^"]+)">Data Docs</a>', board)
    assert len(links) == 7
    for link in links:
        assert (root / "reports" / unquote(html.unescape(link))).is_file(), link


@needs_chromium
def test_board_and_region_reports_run_no_delivery_script_in_chromium(hostile, tmp_path):
    root, _, _ = hostile
    pages = [root / "reports" / "bestuur.html", *sorted((root / "reports" / "regio").glob("*.html"))]
    assert [p.stem for p in pages[1:]] == REGIONS
    for n, page in enumerate(pages):
        proc, net_log = run_chromium(page, tmp_path, f"page-{n}", ["--dump-dom"])
        dom = proc.stdout
        assert "</html>" in dom, (page, proc.stderr[-2000:])
        titles = re.findall(r"<title>(.*?)</title>", dom, re.S)
        assert titles and not any("xss" in t for t in titles), (page, titles)
        assert not re.search(r"<img[^>]*\balt=\"?xss-", dom), page
        assert not console_messages(proc.stderr), page
        loads = [u for u in requested_urls(net_log) if not u.startswith("file:") and not BROWSER_SERVICE_RE.match(u)]
        assert loads == [], (page, loads)


def test_no_pseudonym_or_bsn_is_shown_anywhere(hostile):
    root, _, lines = hostile
    reports = root / "reports"
    shown = {p: p.read_text(encoding="utf-8") for p in reports.rglob("*.html") if "static" not in p.parts}
    assert reports / "bestuur.html" in shown and reports / "data_docs" / "index.html" in shown
    # 5 suite pages, the index, one page per delivery (7); the board; one report per region (1).
    assert len(shown) == 5 + 1 + 7 + 1 + 1
    instance = instance_for(root)
    runs = instance.get_runs()
    events = [e for run in runs for e in instance.all_logs(run.run_id)]
    messages = [e.message or "" for e in events]
    compute_logs = [p.read_text(encoding="utf-8", errors="replace") for p in (root / "dagster").rglob("*.err")]
    compute_logs += [p.read_text(encoding="utf-8", errors="replace") for p in (root / "dagster").rglob("*.out")]
    # What our steps attach to their events (materialization and check metadata): the partition key,
    # Dagster's name of the partition, is the inbox path itself and is left out of this comparison.
    metadata = []
    for e in events:
        if e.dagster_event is None:
            continue
        data = e.dagster_event.event_specific_data
        if e.dagster_event.event_type_value == "ASSET_MATERIALIZATION":
            metadata.append(str({k: v.value for k, v in data.materialization.metadata.items()}))
        elif e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION":
            metadata.append(str({k: v.value for k, v in data.metadata.items()}))
    for value in IDENTIFIERS:
        for where, text in [
            *((str(p), t) for p, t in shown.items()),
            *(("data docs path", str(p.relative_to(reports))) for p in shown),
            *(("console", line) for line in lines),
            *(("dagster message", m) for m in messages),
            *(("compute log", c) for c in compute_logs),
            *(("dagster metadata", m) for m in metadata),
        ]:
            assert value not in text, (value, where)
    # Shown masked instead.
    assert any("(kolom 14)" in m for m in metadata) and any("[bsn]" in m for m in messages)
    keys = sorted([VALID_FILE, ORG_FILE, BESTAND_FILE, KOLOM_FILE, BSN_FILE, PSEUDONYM_FILE, BSN_ORG_FILE])
    n = keys.index(PSEUDONYM_FILE) + 1
    assert f"  [{n}/7] JBGL/gi_maatregelen/[pseudoniem].csv: QUARANTINED (ALG-BEST-003)" in lines
    assert "    JBGL/gi_maatregelen/[bsn].csv: ALG-BEST-003" in lines  # the run summary
    board = shown[reports / "bestuur.html"]
    assert "<td>JBGL/gi_maatregelen/[bsn].csv</td>" in board
    assert "<td>[bsn]/gi_maatregelen/2024-01-31.csv</td>" in board
    index = shown[reports / "data_docs" / "index.html"]
    assert "[bsn] · gi_maatregelen · 2024-01-31 · " in index
    assert "JBGL · gi_maatregelen · [pseudoniem].csv · " in index
    assert "JBGL · gi_maatregelen · [bsn].csv · " in index
