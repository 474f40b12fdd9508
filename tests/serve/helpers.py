"""Helpers of the export server tests (imported as tests.serve.helpers; fixtures are in conftest.py)."""

from __future__ import annotations

import http.client
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import duckdb_extension_httpfs

from serve.audit import read_audit
from serve.toegang import TokenStore
from sources.paths import audit_log_path, tokens_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "marts"
REGIO, ANDERE = "RIVIERENLAND", "CENTRAAL_GELDERLAND"
HTTPFS = (
    Path(duckdb_extension_httpfs.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
)


def maak(root: Path, regio: str = REGIO, label: str = "analist") -> tuple[str, str]:
    """A new token for `regio`: (token text, token id)."""
    text, record = TokenStore(tokens_path(root)).maak(regio, label)
    return text, record.id


def request(
    base: str,
    path: str,
    token: str | None = None,
    method: str = "GET",
    headers: dict | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one request; `path` goes out unchanged."""
    url = urlsplit(base)
    if url.scheme == "https":
        conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=30, context=context)
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, headers=sent)
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def audit(root: Path) -> list[dict]:
    return read_audit(audit_log_path(root))


def with_threshold(drempel: int):
    """The repository's definitions with another suppression threshold: a publication whose files differ."""
    from sources.definitions import Onderdrukking, load_definitions

    defs = load_definitions()
    rules = defs.instellingen.onderdrukking
    instellingen = defs.instellingen.model_copy(
        update={"onderdrukking": Onderdrukking(drempel=drempel, afronding=rules.afronding, marts=rules.marts)}
    )
    return defs.model_copy(update={"instellingen": instellingen})
