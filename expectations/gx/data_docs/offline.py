"""Make a Great Expectations Data Docs site work without internet access.

GX 1.x renders Data Docs pages that load CSS, JavaScript and fonts from public CDNs and a logo from a
GX-owned S3 bucket (the logo URL even carries the data context id). Our readers may be offline and no
published page may call out to the internet, so after every docs build we:

* mirror the vendored copies of those assets (``assets/``, see ``assets/SOURCES.md``) into
  ``<site>/static/vendor/``;
* point every known CDN reference at the local copy with a path relative to the page, dropping
  ``integrity``/``crossorigin`` (``crossorigin`` breaks loading from ``file://``);
* drop the remote GX logo, the GX newsletter footer, the "how to" call-to-action footer and links to
  greatexpectations.io;
* report every remote load that is left, so a GX upgrade that adds a new CDN URL fails loudly
  instead of leaking requests.

Everything is plain text rewriting with regular expressions: GX emits these tags from fixed templates,
and a full HTML parse of hundreds of pages would be much slower. No network access happens here.

GX rewrites pages on every docs build (``UpdateDataDocsAction``, ``build_data_docs``), so call
:func:`make_site_offline` after each build, e.g.::

    for site_dir in local_site_dirs(context.build_data_docs()).values():
        make_site_offline(site_dir)

and :func:`make_page_offline` after rendering one page into a site that is offline already.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

__all__ = [
    "ASSETS_DIR",
    "URL_MAP",
    "VENDOR_SUBDIR",
    "OfflineReport",
    "RemoteReference",
    "RemoteResourceError",
    "find_remote_loads",
    "local_site_dirs",
    "make_page_offline",
    "make_site_offline",
]

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
# Where the assets land inside a site, relative to the site root.
VENDOR_SUBDIR = "static/vendor"

# Every CDN URL the GX 1.24 templates emit (page.j2, index_page.j2, page_minimal.j2,
# js_script_imports.j2), mapped to the vendored file (relative to ASSETS_DIR) with the same content.
# Keys are scheme-less ("//host/path") so http:, https: and protocol-relative forms all match.
URL_MAP: dict[str, str] = {
    "//maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/css/bootstrap.min.css",
    "//stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/js/bootstrap.min.js",
    "//code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "//cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/umd/popper.min.js",
    "//unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "//unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "//unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    # The templates ask for the 1.19.0 filter-control CSS (plain and minified); its rules are identical
    # to 1.19.1 (only the version banner differs), so one vendored copy serves all three URLs.
    "//unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "//unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "//unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "//cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css"
    ),
    "//cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js"
    ),
    # Minified build of the same stylesheet the template names (bootstrap-prefers-dark.css).
    "//cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.min.css"
    ),
    # jsDelivr serves a package's "jsdelivr" file (build/*.min.js) for a bare "npm/<pkg>@<major>" URL.
    "//cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "//cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "//cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
    "//cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
}

# GX's logo bucket (top_navbar.j2 <img>, data_docs_default_styles.css dark-mode background).
_GX_ASSET_HOST = "great-expectations-web-assets.s3.us-east-2.amazonaws.com"

_ATTR_RE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
_STRIP_ATTR_RE = re.compile(r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?""", re.I)
_ASSET_TAG_RE = re.compile(r"<(script|link|img)\b[^>]*>", re.IGNORECASE)
# Start tags with "//" somewhere in their attributes: only those can hold a remote URL.
_TAG_WITH_URL_RE = re.compile(r"<([a-zA-Z][\w:-]*)\b([^>]*?//[^>]*)>")
_A_TAG_RE = re.compile(r"<a\b([^>]*)>", re.IGNORECASE)
_STYLE_BLOCK_RE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_STYLE_ATTR_RE = re.compile(r"""\sstyle\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
_CSS_REMOTE_RE = re.compile(
    r"""(?:url\(\s*|@import\s+)['"]?\s*((?:https?:)?//[^'")\s;]+)""",
    re.IGNORECASE,
)
_GX_CSS_URL_RE = re.compile(
    r"""url\(\s*(['"]?)(?:https?:)?//""" + re.escape(_GX_ASSET_HOST) + r"""/[^'")]*\1\s*\)""",
    re.IGNORECASE,
)
# A <footer> that links to greatexpectations.io: the newsletter footer and the "how to" CTA footer.
_GX_FOOTER_RE = re.compile(
    r"<footer\b[^>]*>(?:(?!</footer>).)*?href=[\"']https?://(?:[\w-]+\.)*greatexpectations\.io"
    r"(?:(?!</footer>).)*</footer>[ \t]*\n?",
    re.IGNORECASE | re.DOTALL,
)
_GX_LINK_RE = re.compile(
    r"<a\b[^>]*\bhref=[\"']https?://(?:[\w-]+\.)*greatexpectations\.io[^\"']*[\"'][^>]*>(.*?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
_FAVICON_RE = re.compile(
    r"""(<link\b[^>]*\bhref=)(["'])((?:\./|(?:\.\./)*)static/images/favicon\.ico)\2""",
    re.IGNORECASE,
)
_REMOTE_PREFIX_RE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
# Attributes that make a browser fetch something, whatever the element.
_LOAD_ATTRS = frozenset({"src", "srcset", "data", "poster", "background", "lowsrc"})
# Elements whose href is fetched (not navigation).
_HREF_LOAD_TAGS = frozenset({"link", "image", "use", "feimage", "base"})


class RemoteResourceError(RuntimeError):
    """Raised when a site still loads something from the internet after rewriting."""

    def __init__(self, references: list[RemoteReference]) -> None:
        self.references = references
        lines = "\n".join(f"  {ref}" for ref in references[:50])
        more = f"\n  ... and {len(references) - 50} more" if len(references) > 50 else ""
        super().__init__(f"{len(references)} remote resource load(s) left in Data Docs:\n{lines}{more}")


@dataclass(frozen=True)
class RemoteReference:
    """One remote load (or external link) found in a site file."""

    path: Path
    line: int
    kind: str  # e.g. "script[src]", "link[href]", "css url()", "a[href]"
    url: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.url}"


@dataclass
class OfflineReport:
    """What :func:`make_site_offline` did to one site."""

    site_dir: Path
    pages_scanned: int = 0
    files_changed: list[Path] = field(default_factory=list)
    assets_copied: list[Path] = field(default_factory=list)
    assets_removed: list[Path] = field(default_factory=list)
    # Remote loads nothing could map; empty means the site is offline-safe.
    remaining_remote: list[RemoteReference] = field(default_factory=list)
    # <a href> to other sites: navigation only (no load), kept but listed for review.
    external_links: list[RemoteReference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.remaining_remote

    @property
    def changed(self) -> bool:
        return bool(self.files_changed or self.assets_copied or self.assets_removed)


def make_site_offline(site_dir: Path, *, strict: bool = True, brand_text: str = "Data Docs") -> OfflineReport:
    """Rewrite a built Data Docs site so that it loads nothing from the internet.

    Idempotent: a second call changes no file. With ``strict`` (the default) a
    :class:`RemoteResourceError` is raised after rewriting if any remote load is left; otherwise the
    leftovers are only listed in ``report.remaining_remote``. ``brand_text`` replaces the GX logo in the
    navigation bar so the home link keeps a visible label.
    """
    site_dir = Path(site_dir).resolve()
    if not site_dir.is_dir():
        raise FileNotFoundError(f"Data Docs site directory not found: {site_dir}")
    report = OfflineReport(site_dir=site_dir)
    vendor_dir = site_dir / VENDOR_SUBDIR
    _sync_assets(vendor_dir, report)

    brand_html = _brand_html(brand_text)
    for page in sorted(site_dir.rglob("*.html")):
        _rewrite_page(page, site_dir, brand_html, report)

    # GX copies data_docs_default_styles.css (with the S3 logo) into static/styles; pages inline it
    # instead of linking it, but a published file must not point at the bucket either.
    for sheet in sorted(site_dir.rglob("*.css")):
        original = sheet.read_bytes().decode("utf-8", "surrogateescape")
        text = _GX_CSS_URL_RE.sub("none", original)
        if text != original:
            sheet.write_bytes(text.encode("utf-8", "surrogateescape"))
            report.files_changed.append(sheet)
        report.remaining_remote.extend(_css_remote(text, sheet, 0, text))

    if strict and report.remaining_remote:
        raise RemoteResourceError(report.remaining_remote)
    return report


def make_page_offline(
    site_dir: Path, page: Path, *, strict: bool = True, brand_text: str = "Data Docs"
) -> OfflineReport:
    """Rewrite one page of a site that :func:`make_site_offline` has made offline before.

    The page comes out byte for byte as a rewrite of the whole site leaves it (the same rewrite, with
    paths relative to the same page and vendor directory), but nothing else is read or written: not
    the vendored assets, not the other pages, not the stylesheets. So a page GX has just rendered into
    the site joins it offline-safe, at a cost that does not grow with the site. The assets are
    :func:`make_site_offline`'s: call it when the site is new, and after GX rebuilds it. With
    ``strict`` a :class:`RemoteResourceError` is raised if the page still loads anything remote.
    """
    site_dir = Path(site_dir).resolve()
    if not site_dir.is_dir():
        raise FileNotFoundError(f"Data Docs site directory not found: {site_dir}")
    page = Path(page).resolve()
    if not page.is_relative_to(site_dir) or not page.is_file():
        raise FileNotFoundError(f"Data Docs page not found in {site_dir}: {page}")
    report = OfflineReport(site_dir=site_dir)
    _rewrite_page(page, site_dir, _brand_html(brand_text), report)
    if strict and report.remaining_remote:
        raise RemoteResourceError(report.remaining_remote)
    return report


def find_remote_loads(text: str, path: Path | None = None) -> list[RemoteReference]:
    """List every http(s)/protocol-relative resource load in an HTML document.

    Covers src/srcset/data/poster on any element, href on <link> (and SVG <image>/<use>), and url() or
    @import in <style> blocks and style attributes. <a href> is navigation and not reported here.
    """
    where = path if path is not None else Path("<html>")
    found: list[RemoteReference] = []
    for tag in _TAG_WITH_URL_RE.finditer(text):
        name = tag.group(1).lower()
        for attr, value in _attrs(tag.group(2)):
            is_load = attr in _LOAD_ATTRS or (attr in ("href", "xlink:href") and name in _HREF_LOAD_TAGS)
            if attr == "content" and name == "meta" and "url=" in value.lower():
                # <meta http-equiv="refresh" content="0; url=https://...">
                value = value[value.lower().index("url=") + 4 :]
                is_load = True
            if not is_load:
                continue
            urls = [part.split()[0] for part in value.split(",") if part.strip()] if attr == "srcset" else [value]
            for url in urls:
                if _REMOTE_PREFIX_RE.match(url):
                    found.append(RemoteReference(where, _line(text, tag.start()), f"{name}[{attr}]", url.strip()))
    for block in _STYLE_BLOCK_RE.finditer(text):
        found.extend(_css_remote(block.group(1), where, block.start(1), text))
    for attr in _STYLE_ATTR_RE.finditer(text):
        found.extend(_css_remote(html.unescape(attr.group(1)[1:-1]), where, attr.start(1), text))
    found.sort(key=lambda ref: ref.line)
    return found


def local_site_dirs(site_urls: Mapping[str, str]) -> dict[str, Path]:
    """Map the result of ``context.build_data_docs()`` (site name -> index URL) to local site dirs.

    Sites that are not on the local filesystem (S3, GCS, Azure) are left out.
    """
    dirs: dict[str, Path] = {}
    for name, url in site_urls.items():
        parsed = urlparse(url)
        if parsed.scheme != "file":
            continue
        # GX does not percent-encode its base directory ("file://" + path), real file URIs do: take the
        # literal path when only that one exists.
        decoded = Path(url2pathname(parsed.path)).parent
        literal = Path(parsed.path).parent
        dirs[name] = literal if literal.is_dir() and not decoded.is_dir() else decoded
    return dirs


def _brand_html(brand_text: str) -> str:
    return f'<span class="navbar-brand-text">{html.escape(brand_text)}</span>'


def _rewrite_page(page: Path, site_dir: Path, brand_html: str, report: OfflineReport) -> None:
    """Rewrite one page of `site_dir` (a resolved path) in place; note what changed and what is left."""
    report.pages_scanned += 1
    original = page.read_bytes().decode("utf-8", "surrogateescape")
    favicon = site_dir / "static" / "images" / "favicon.ico"
    text = _rewrite_html(original, page.parent, site_dir / VENDOR_SUBDIR, favicon, brand_html)
    if text != original:
        page.write_bytes(text.encode("utf-8", "surrogateescape"))
        report.files_changed.append(page)
    report.remaining_remote.extend(find_remote_loads(text, page))
    report.external_links.extend(_external_links(text, page))


def _rewrite_html(text: str, page_dir: Path, vendor_dir: Path, favicon: Path, brand_html: str) -> str:
    def asset_tag(match: re.Match[str]) -> str:
        tag = match.group(0)
        name = match.group(1).lower()
        attr_name = "href" if name == "link" else "src"
        value = dict(_attrs(tag[len(name) + 1 :])).get(attr_name)
        if value is None:
            return tag
        if name == "img" and _host(value) == _GX_ASSET_HOST:
            # The remote logo (with the data context id in its query): swap for a text label.
            return brand_html
        target = URL_MAP.get(_schemeless(value))
        if target is None:
            return tag
        local = _relative(vendor_dir / target, page_dir)
        tag = _replace_attr_value(tag, attr_name, local)
        return _STRIP_ATTR_RE.sub("", tag)

    text = _ASSET_TAG_RE.sub(asset_tag, text)
    text = _GX_CSS_URL_RE.sub("none", text)
    text = _GX_FOOTER_RE.sub("", text)
    text = _GX_LINK_RE.sub(r"\1", text)
    if favicon.is_file():
        # GX computes the favicon path one level too shallow on validation pages; point broken ones at the file.
        def fix_favicon(m: re.Match[str]) -> str:
            if os.path.normpath(page_dir / m.group(3)) == os.path.normpath(favicon):
                return m.group(0)
            return f"{m.group(1)}{m.group(2)}{_relative(favicon, page_dir)}{m.group(2)}"

        text = _FAVICON_RE.sub(fix_favicon, text)
    return text


def _sync_assets(vendor_dir: Path, report: OfflineReport) -> None:
    """Mirror ASSETS_DIR into vendor_dir, writing only files whose bytes differ."""
    wanted = {p.relative_to(ASSETS_DIR) for p in ASSETS_DIR.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        src, dst = ASSETS_DIR / rel, vendor_dir / rel
        if dst.is_file() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        report.assets_copied.append(dst)
    if vendor_dir.is_dir():
        # static/vendor is ours alone: drop files from an older asset set so the site matches the package.
        for stale in sorted(p for p in vendor_dir.rglob("*") if p.is_file()):
            if stale.relative_to(vendor_dir) not in wanted:
                stale.unlink()
                report.assets_removed.append(stale)
        for folder in sorted((p for p in vendor_dir.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()


def _css_remote(css: str, where: Path, offset: int, full_text: str) -> list[RemoteReference]:
    return [
        RemoteReference(where, _line(full_text, offset + m.start()), "css url()", m.group(1))
        for m in _CSS_REMOTE_RE.finditer(css)
    ]


def _external_links(text: str, where: Path) -> list[RemoteReference]:
    links = []
    for tag in _A_TAG_RE.finditer(text):
        if "//" not in tag.group(1):
            continue
        href = dict(_attrs(tag.group(1))).get("href", "")
        if _REMOTE_PREFIX_RE.match(href):
            links.append(RemoteReference(where, _line(text, tag.start()), "a[href]", href))
    return links


def _attrs(attr_text: str) -> Iterable[tuple[str, str]]:
    for m in _ATTR_RE.finditer(attr_text):
        raw = m.group(2)
        if raw is None:
            yield m.group(1).lower(), ""
        else:
            yield m.group(1).lower(), html.unescape(raw[1:-1] if raw[:1] in "\"'" else raw)


def _replace_attr_value(tag: str, attr_name: str, new: str) -> str:
    pattern = re.compile(r"(\s" + re.escape(attr_name) + r"""\s*=\s*)("[^"]*"|'[^']*'|[^\s>"']+)""", re.IGNORECASE)
    quoted = '"' + html.escape(new, quote=True) + '"'
    return pattern.sub(lambda m: m.group(1) + quoted, tag, count=1)


def _relative(target: Path, page_dir: Path) -> str:
    return Path(os.path.relpath(target, page_dir)).as_posix()


def _schemeless(url: str) -> str:
    url = url.strip()
    return url[url.index("//") :] if _REMOTE_PREFIX_RE.match(url) else url


def _host(url: str) -> str:
    return (urlparse(_schemeless(url)).hostname or "") if _REMOTE_PREFIX_RE.match(url) else ""


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
