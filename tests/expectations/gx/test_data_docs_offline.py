"""Data Docs must load nothing from the internet once make_site_offline has run.

The site under test is a real one: GX 1.x builds it from a file-backed context, a pandas dataframe
asset, a suite with a passing and a failing expectation and a checkpoint with UpdateDataDocsAction.
"""

from __future__ import annotations

import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
from headless_chromium import BROWSER_SERVICE_RE, needs_chromium, requested_urls, run_chromium

from expectations.gx.data_docs import (
    RemoteResourceError,
    find_remote_loads,
    local_site_dirs,
    make_page_offline,
    make_site_offline,
)
from expectations.gx.data_docs.offline import ASSETS_DIR, URL_MAP, VENDOR_SUBDIR

GX_BUCKET = "great-expectations-web-assets"
SUITE_NAME = "deliveries.basic"  # the dot nests the pages one level deeper, as real suite names do


@pytest.fixture(scope="module")
def gx_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a Data Docs site with GX and return its (untouched) local directory."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction

    root = tmp_path_factory.mktemp("gx_project")
    context = gx.get_context(mode="file", project_root_dir=root)
    batch_definition = (
        context.data_sources.add_pandas(name="pandas")
        .add_dataframe_asset(name="deliveries")
        .add_batch_definition_whole_dataframe(name="whole_dataframe")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="client_id"))  # passes
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="days", min_value=0, max_value=30))  # fails
    # Renders vega-lite bar charts on the validation page, so vega/vega-lite/vega-embed are really used.
    suite.add_expectation(
        gxe.ExpectColumnKLDivergenceToBeLessThan(
            column="days", partition_object={"bins": [0, 10, 100], "weights": [0.5, 0.5]}, threshold=0.5
        )
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="deliveries_basic", data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="deliveries_checkpoint",
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
        )
    )
    df = pd.DataFrame({"client_id": [1, 2, 3, 4], "days": [3, 12, 45, 7]})
    result = checkpoint.run(batch_parameters={"dataframe": df})
    assert not result.success  # one expectation fails by design
    outcomes = [r["success"] for run in result.run_results.values() for r in run.to_json_dict()["results"]]
    assert False in outcomes and True in outcomes

    sites = local_site_dirs(context.build_data_docs())
    assert list(sites) == ["local_site"]
    site = sites["local_site"]
    assert (site / "index.html").is_file()
    return site


@pytest.fixture
def site(gx_site: Path, tmp_path: Path) -> Path:
    """A private copy of the GX site, so each test starts from GX's own output."""
    return Path(shutil.copytree(gx_site, tmp_path / "site"))


class _Refs(HTMLParser):
    """Independent check (html.parser, not the module's regexes) of what a page fetches."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str, str]] = []  # (tag, attr, url)
        self.links: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.tags.append((tag, attr))
        self._in_style = tag == "style"
        for name in ("src", "srcset", "data", "poster"):
            if attr.get(name):
                self.loads.append((tag, name, attr[name] or ""))
        if tag == "link" and attr.get("href"):
            self.loads.append((tag, "href", attr["href"] or ""))
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"] or "")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", attr.get("style") or ""):
            self.loads.append((tag, "style url()", url))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", data):
                self.loads.append(("style", "url()", url))


def _parse(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def _is_remote(url: str) -> bool:
    return bool(re.match(r"\s*(https?:)?//", url, re.IGNORECASE))


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_gx_site_emits_only_known_remote_loads(gx_site: Path) -> None:
    """Guard for GX upgrades: every remote load GX renders today is one we know how to replace."""
    pages = _pages(gx_site)
    depths = {len(p.relative_to(gx_site).parts) for p in pages}
    assert {1, 3, 6} <= depths  # index.html, expectations/<a>/<b>.html, validations/<a>/<b>/<run>/<time>/<x>.html
    seen: set[str] = set()
    for page in pages:
        for _tag, _attr, url in _parse(page).loads:
            if _is_remote(url):
                seen.add(url)
    assert seen, "GX rendered no CDN references at all; the test would prove nothing"
    unknown = {u for u in seen if u[u.index("//") :] not in URL_MAP and GX_BUCKET not in u}
    assert not unknown, f"GX emits remote loads make_site_offline does not know: {sorted(unknown)}"
    assert any(GX_BUCKET in u and "dataContextId=" in u for u in seen)  # the tracking logo is there before
    [validation_page] = list((gx_site / "validations").rglob("*.html"))
    assert "vegaEmbed(" in validation_page.read_text(encoding="utf-8")  # charts need the vendored vega


def test_site_is_offline_after_rewrite(site: Path) -> None:
    report = make_site_offline(site)

    assert report.ok and not report.remaining_remote
    assert report.pages_scanned == len(_pages(site)) >= 3
    assert not report.external_links
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        refs = _parse(page)
        remote = [ref for ref in refs.loads if _is_remote(ref[2])]
        assert not remote, f"{page}: {remote}"
        assert not find_remote_loads(text, page)
        assert GX_BUCKET not in text and "dataContextId" not in text
        assert "greatexpectations.io" not in text  # newsletter, CTA buttons and the "autogenerated by" link
        assert "integrity=" not in text and "crossorigin=" not in text
        for tag, attr, url in refs.loads:
            if url.startswith(("data:", "#")):
                continue
            target = (page.parent / unquote(urlparse(url).path)).resolve()
            assert target.is_file(), f"{page}: {tag}[{attr}]={url} does not resolve"
            if VENDOR_SUBDIR in url:
                assert target.is_relative_to(site / VENDOR_SUBDIR)
        vendored = [url for _t, _a, url in refs.loads if VENDOR_SUBDIR in url]
        assert len(vendored) == 15  # 5 stylesheets + font-awesome + 9 scripts, at every page depth
        brand = [a for t, a in refs.tags if t == "span" and a.get("class") == "navbar-brand-text"]
        assert len(brand) == 1
    # The copy GX puts in static/styles must not point at the bucket either.
    assert GX_BUCKET not in (site / "static/styles/data_docs_default_styles.css").read_text(encoding="utf-8")


def test_one_page_is_rewritten_as_the_whole_site_rewrite_does(gx_site: Path, site: Path) -> None:
    """make_page_offline: a page GX (re)renders into an offline site comes out as make_site_offline leaves
    it, byte for byte, at every page depth, and nothing else of the site is read or written."""
    make_site_offline(site)
    offline = _snapshot(site)
    pages = [p.relative_to(gx_site) for p in _pages(gx_site)]
    assert {len(p.parts) for p in pages} >= {1, 3, 6}  # index, suite page, validation page
    for rel in pages:
        page = site / rel
        shutil.copyfile(gx_site / rel, page)  # what GX renders, with its CDN links and tracking logo
        assert page.read_bytes() != offline[str(rel)]
        report = make_page_offline(site, page)
        assert report.ok and report.pages_scanned == 1 and report.files_changed == [page.resolve()]
        assert not report.assets_copied and not report.assets_removed
        assert _snapshot(site) == offline, rel
        assert not make_page_offline(site, page).changed  # idempotent


def test_one_page_rewrite_reports_what_it_cannot_map(site: Path, tmp_path: Path) -> None:
    make_site_offline(site)
    page = site / "expectations" / "custom.html"
    page.write_text('<html><script src="https://cdn.example.org/lib.js"></script></html>\n', encoding="utf-8")
    with pytest.raises(RemoteResourceError) as excinfo:
        make_page_offline(site, page)
    assert [ref.url for ref in excinfo.value.references] == ["https://cdn.example.org/lib.js"]
    assert not make_page_offline(site, page, strict=False).ok
    outside = tmp_path / "elsewhere.html"
    outside.write_text("<html></html>\n", encoding="utf-8")
    for missing in (outside, site / "nope.html"):
        with pytest.raises(FileNotFoundError):
            make_page_offline(site, missing)


def test_vendored_css_references_resolve(site: Path) -> None:
    make_site_offline(site)
    vendor = site / VENDOR_SUBDIR
    assert _snapshot(vendor) == _snapshot(ASSETS_DIR)
    fonts = 0
    for sheet in vendor.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", sheet.read_text(encoding="utf-8")):
            if url.startswith("data:"):
                continue
            assert not _is_remote(url), f"{sheet}: {url}"
            assert (sheet.parent / urlparse(url).path).resolve().is_file(), f"{sheet}: {url}"
            fonts += 1
        assert not re.search(r"@import\s", sheet.read_text(encoding="utf-8"))
    assert fonts >= 8  # font-awesome: woff2 + ttf for brands, regular, solid and v4 compatibility
    for package in {Path(target).parts[0] for target in URL_MAP.values()}:
        assert list((vendor / package).glob("LICENSE*")), f"no LICENSE next to {package}"


def test_second_run_changes_nothing(site: Path) -> None:
    first = make_site_offline(site)
    assert first.changed
    before = _snapshot(site)
    mtimes = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    second = make_site_offline(site)
    assert not second.changed and second.ok
    assert _snapshot(site) == before
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == mtimes


def test_vendor_copy_is_repaired_and_pruned(site: Path) -> None:
    make_site_offline(site)
    vendor = site / VENDOR_SUBDIR
    (vendor / "jquery-3.7.1/jquery.min.js").write_text("tampered", encoding="utf-8")
    (vendor / "old-lib-0.1/old.js").parent.mkdir()
    (vendor / "old-lib-0.1/old.js").write_text("stale", encoding="utf-8")
    report = make_site_offline(site)
    assert report.assets_copied == [vendor / "jquery-3.7.1/jquery.min.js"]
    assert report.assets_removed == [vendor / "old-lib-0.1/old.js"]
    assert not (vendor / "old-lib-0.1").exists()
    assert _snapshot(vendor) == _snapshot(ASSETS_DIR)


def test_unknown_remote_loads_are_reported(site: Path) -> None:
    extra = site / "expectations" / "custom.html"
    extra.write_text(
        "<html><head>\n"
        '<script src="https://cdn.example.org/lib.js"></script>\n'
        "<style>body { background: url(https://cdn.example.org/bg.png) }</style>\n"
        "</head><body>\n"
        '<img srcset="local.png 1x, //cdn.example.org/hi.png 2x">\n'
        '<div style="background-image: url(&quot;http://cdn.example.org/x.png&quot;)"></div>\n'
        '<a href="https://example.org/manual">manual</a>\n'
        "</body></html>\n",
        encoding="utf-8",
    )
    with pytest.raises(RemoteResourceError) as excinfo:
        make_site_offline(site)
    urls = sorted(ref.url for ref in excinfo.value.references)
    assert urls == [
        "//cdn.example.org/hi.png",
        "http://cdn.example.org/x.png",
        "https://cdn.example.org/bg.png",
        "https://cdn.example.org/lib.js",
    ]
    assert {ref.path for ref in excinfo.value.references} == {extra.resolve()}
    report = make_site_offline(site, strict=False)
    assert len(report.remaining_remote) == 4 and not report.ok
    assert [ref.url for ref in report.external_links] == ["https://example.org/manual"]  # navigation: listed only


def test_many_pages_are_fast(site: Path) -> None:
    [validation_page] = list((site / "validations").rglob("*.html"))
    run_dir = validation_page.parent.parent
    for i in range(300):
        copy = run_dir / f"20240101T0000{i:04d}.000000Z" / validation_page.name
        copy.parent.mkdir()
        shutil.copyfile(validation_page, copy)
    start = time.perf_counter()
    report = make_site_offline(site)
    first = time.perf_counter() - start
    start = time.perf_counter()
    make_site_offline(site)
    second = time.perf_counter() - start
    assert report.pages_scanned >= 303 and report.ok
    assert first < 3.0 and second < 3.0, (first, second)


def test_local_site_dirs_skips_remote_sites(tmp_path: Path) -> None:
    site = tmp_path / "docs site%20x"
    site.mkdir()
    urls = {
        "encoded": (site / "index.html").as_uri(),
        "gx_style": f"file://{site / 'index.html'}",  # GX leaves its base directory unescaped
        "s3": "https://bucket.s3.amazonaws.com/index.html",
    }
    assert local_site_dirs(urls) == {"encoded": site, "gx_style": site}


def test_missing_site_dir_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        make_site_offline(tmp_path / "nope")


@needs_chromium
def test_pages_load_in_headless_chromium_without_network(site: Path, tmp_path: Path) -> None:
    """A real browser, with DNS for every host broken, must not even try an http(s) request."""
    make_site_offline(site)
    [validation_page] = list((site / "validations").rglob("*.html"))
    for n, page in enumerate([site / "index.html", validation_page]):
        proc, net_log = run_chromium(page, tmp_path, f"page-{n}", ["--dump-dom"])
        assert proc.returncode == 0, proc.stderr[-2000:]
        # Proof that the local scripts ran: bootstrap-table (with jQuery) wraps tables in .fixed-table-container,
        # vega draws charts on <canvas class="marks">.
        marker = "fixed-table-container" if page.name == "index.html" else 'class="marks"'
        assert marker in proc.stdout, f"{page.name}: {marker} missing, a vendored script did not run"
        urls = requested_urls(net_log)
        remote = sorted({u for u in urls if _is_remote(u) and not BROWSER_SERVICE_RE.search(u)})
        assert not remote, f"{page.name} tried to fetch: {remote}"
