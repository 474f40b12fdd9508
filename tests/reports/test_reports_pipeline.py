"""The reports as the main job builds them: a real run on tests/fixtures/marts/keten, then the
files read back and compared with the region exports, and opened in headless Chromium.

The fixture's figures are tiny, so the run uses a copy of the definitions with suppression
threshold 3: some counts stay visible and some are suppressed, and both must show as such.
"""

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import dagster as dg
import duckdb
import pytest
from headless_chromium import BROWSER_SERVICE_RE, console_messages, needs_chromium, requested_urls, run_chromium

from pipelines.instance import instance_for
from pipelines.reports import report_assets
from pipelines.run import format_summary, run_pipeline
from reports.dutch import datum, getal
from sources.definitions import DEFINITIONS_DIR_ENV, definitions_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "marts"
CG = "CENTRAAL_GELDERLAND"
DREMPEL = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    defs_copy = base / "definitions"
    shutil.copytree(definitions_dir(), defs_copy)
    settings = defs_copy / "instellingen.yaml"
    settings.write_text(re.sub(r"drempel: \d+", f"drempel: {DREMPEL}", settings.read_text(encoding="utf-8")))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv(DEFINITIONS_DIR_ENV, str(defs_copy))
        root = base / "data"
        shutil.copytree(FIXTURES / "keten" / "inbox", root / "inbox")
        summary = run_pipeline(root, log=lambda _: None)
        assert summary.exit_code == 0, summary
        yield root, summary


def _exported(root: Path, region: str, sql: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(sql.replace("{dir}", str(root / "exports" / region))).fetchall()
    finally:
        con.close()


def _tiles(html: str) -> list[tuple[str, str, str]]:
    """(title, status, shown text) per headline tile."""
    found = re.findall(
        r'<div class="titel">(.*?)</div>\s*<div class="getal[^"]*" data-status="(\w+)">(.*?)</div>', html, re.S
    )
    return [(t, s, re.sub(r"<[^>]+>", "", v).strip()) for t, s, v in found]


def test_every_exported_region_has_a_report_and_the_board_links_them(built):
    root, summary = built
    regions = sorted(p.name for p in (root / "exports").iterdir() if not p.name.startswith("."))
    assert regions == sorted(summary.regions) and CG in regions
    reports = sorted(p.stem for p in (root / "reports" / "regio").glob("*.html"))
    assert reports == regions
    board = (root / "reports" / "bestuur.html").read_text(encoding="utf-8")
    for region in regions:
        assert f'href="regio/{region}.html"' in board
    text = format_summary(root, summary)
    assert str(root / "reports" / "bestuur.html") in text and str(root / "reports" / "regio") in text


def test_backlog_and_norm_tiles_are_the_exported_numbers_or_marked_suppressed(built):
    root, _ = built
    (peildatum, lopend, onderdrukt) = _exported(
        root,
        CG,
        "SELECT peildatum, lopend, onderdrukt FROM '{dir}/achterstand.parquet' WHERE organisatie_code = 'TOTAAL' "
        "AND kader = 'JB' ORDER BY peildatum DESC LIMIT 1",
    )[0]
    html = (root / "reports" / "regio" / f"{CG}.html").read_text(encoding="utf-8")
    # The region's row of the backlog table: its first cell is JB lopend.
    total = re.search(
        r'<tr class="totaal"><td>Regio totaal</td>\s*<td class="n kader" data-status="(\w+)">(.*?)</td>', html
    )
    status, shown = total.group(1), re.sub(r"<[^>]+>", "", total.group(2)).strip()
    if lopend is None:
        assert onderdrukt and status == "onderdrukt" and shown == "onderdrukt"
    else:
        assert status == "ok" and shown == getal(lopend)
    assert f"Achterstand op {datum(peildatum)}" in html
    # Six norm tiles, JB and JR; each is the latest settled rolling-12 window's percentage or says why not.
    tiles = _tiles(html)
    assert len(tiles) == 6 and all(t.startswith("Norm ") for t, _, _ in tiles)
    (pct,) = _exported(
        root,
        CG,
        "SELECT pct_binnen_norm FROM '{dir}/normen.parquet' WHERE periode_type = 'rollend_12' "
        "AND organisatie_code = 'TOTAAL' AND kader = 'JB' AND norm = 'NORM_1_VIJF_WERKDAGEN' AND afgerekend "
        "ORDER BY periode DESC LIMIT 1",
    )[0]
    _, status, shown = tiles[0]
    assert shown == (f"{round(pct)}%" if pct is not None else "onderdrukt"), (status, shown)


def test_suppressed_cells_are_never_shown_as_zero(built):
    root, _ = built
    suppressed = _exported(
        root,
        CG,
        "SELECT count(*) FROM '{dir}/normen.parquet' WHERE onderdrukt AND pct_binnen_norm IS NULL "
        "AND organisatie_code = 'TOTAAL' AND kader = 'JB'",
    )[0][0]
    assert suppressed > 0  # the scenario has suppressed norm cells at threshold 3
    for path in (root / "reports" / "regio").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        for title, status, shown in _tiles(html):
            if status == "onderdrukt":
                assert shown == "onderdrukt", (path.name, title)
            if status != "ok":
                assert not re.fullmatch(r"0%?", shown), (path.name, title)


def test_a_region_report_names_no_other_region(built):
    root, summary = built
    for region in summary.regions:
        html = (root / "reports" / "regio" / f"{region}.html").read_text(encoding="utf-8")
        others = [r for r in summary.regions if r != region and re.search(rf"\b{r}\b", html)]
        assert not others, (region, others)


def test_board_lists_every_delivery_with_a_working_data_docs_link(built):
    root, _ = built
    board = (root / "reports" / "bestuur.html").read_text(encoding="utf-8")
    inbox = sorted(str(p.relative_to(root / "inbox")) for p in (root / "inbox").rglob("*") if p.is_file())
    for levering in inbox:
        assert levering in board
    links = re.findall(r'href="(data_docs/[^"]+)"', board)
    assert len(links) >= len(inbox)
    for link in links:
        assert (root / "reports" / unquote(link)).is_file(), link


def test_report_assets_in_group_reports_downstream_of_exports(built):
    root, _ = built
    (step,) = report_assets()  # one step: the region reports and the board
    regio, bestuur = dg.AssetKey(["reports", "regio"]), dg.AssetKey(["reports", "bestuur"])
    assert set(step.keys) == {regio, bestuur}
    for key in (regio, bestuur):
        assert step.group_names_by_key[key] == "reports"
        assert dg.AssetKey("exports") in step.asset_deps[key]
    assert step.node_def.pools == {"duckdb"}  # the board reads the warehouse
    instance = instance_for(root)
    for key in (regio, bestuur):
        assert instance.get_latest_materialization_event(key) is not None


@needs_chromium
def test_console_detector_sees_an_error(tmp_path):
    """The check below must be able to fail: a page with a script error is caught."""
    page = tmp_path / "kapot.html"
    page.write_text('<!doctype html><html><body><script>console.error("kapot"); nietGedefinieerd();</script>')
    proc, _ = run_chromium(page, tmp_path, "kapot", [])
    assert proc.returncode == 0, proc.stderr[-2000:]
    messages = console_messages(proc.stderr)
    assert any("kapot" in m for m in messages) and any("nietGedefinieerd" in m for m in messages)


@needs_chromium
def test_reports_open_in_headless_chromium_without_console_errors_or_requests(built, tmp_path):
    root, _ = built
    shots = Path(tmp_path)
    for name, page in (
        ("regio", root / "reports" / "regio" / f"{CG}.html"),
        ("bestuur", root / "reports" / "bestuur.html"),
    ):
        shot = shots / f"{name}.png"
        proc, net_log = run_chromium(
            page, shots, name, ["--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={shot}"]
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert console_messages(proc.stderr) == [], name
        # The page itself is the only thing loaded: no other file, no network.
        requests = [u for u in requested_urls(net_log) if u != page.as_uri() and not BROWSER_SERVICE_RE.search(u)]
        assert requests == [], name
        assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000, "the screenshot looks blank"
        print(f"screenshot of the {name} report: {shot}")
