"""The read-only export server: `GET|HEAD /<jeugdregio_code>/<file>` with a region's bearer token.

A Starlette app (served by uvicorn, serve/server.py). Per request, in this order:

1. An address past the limit of failed token attempts gets 429 (serve/audit.py).
2. No token, an unknown or a revoked one: 401, the same for every path (nothing about the
   exports is said before the token is known). Unknown and revoked count as failed attempts.
3. Only `/<own region>/<file listed in its manifest>` and `/<own region>/manifest.json` exist
   for a token: any other path answers the same 404, whether or not it exists for another
   region, without looking at the disk (no probing, not even by timing). A path with a percent
   escape is refused as well: no export name needs one, and it is how traversals hide.
4. The file is resolved to one published version (serve/publication.py) and sent by Starlette's
   FileResponse with its Range support (single and multiple ranges, If-Range), the manifest's
   sha256 as strong ETag, its length and type.

Consistency during a publication. A client that reads one file in several requests (DuckDB's
httpfs: a HEAD, then ranged GETs; fsspec the same) must not get the first part of one version and
the rest of another. Two mechanisms:

- Validators: `If-Match` and `If-Range` with an ETag are answered from the kept version with those
  bytes (the previous publication stays on disk for one more run); `If-Match` with an ETag no longer
  kept gets 412, `If-Range` the whole current file (RFC 9110).
- A pin for clients that send no validators (DuckDB 1.5 and fsspec do not): the version a token
  got for a file is kept for that token and file while its requests for it follow each other
  within `pin_seconds` (at most PIN_MAX_SECONDS in all). A read that began before a publication
  ends on the old version; the next read, after a pause, gets the new one. A read that outlives
  its pin still gets a new ETag with the new bytes, and DuckDB stops with an error on an ETag
  that changed mid-read: an error, never a mixed file.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.audit import AuditLog, FailureLimit
from serve.publication import FILE_NAME, Publication, Served
from serve.toegang import LiveTokens
from sources.paths import audit_log_path, exports_dir, tokens_path

AUDIT_KEY = "ketenmonitor.audit"
# However busy a token keeps a file, it sees a new publication after this long.
PIN_MAX_SECONDS = 15 * 60


@dataclass(frozen=True)
class ServeSettings:
    """Options of `ketenmonitor serve` (server options, not contract settings: they change how one
    installation answers requests, never a figure; see docs/remote.md)."""

    max_failures: int = 10  # failed token attempts per client address ...
    failure_window: float = 600.0  # ... within this many seconds
    pin_seconds: float = 30.0  # 0: no pin (validators only)


def _not_found() -> Response:
    # One body for every 404, so a refusal says nothing about what exists.
    return PlainTextResponse("Niet gevonden\n", status_code=404)


def _unauthorized() -> Response:
    return PlainTextResponse(
        "Geen geldig token\n", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="ketenmonitor"'}
    )


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _etags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def _same_file(a: Served, b: Served) -> bool:
    return (a.stat.st_dev, a.stat.st_ino, a.stat.st_size, a.stat.st_mtime_ns) == (
        b.stat.st_dev,
        b.stat.st_ino,
        b.stat.st_size,
        b.stat.st_mtime_ns,
    )


class _Pins:
    """(token id, region, file) -> the version served to it, while its requests keep coming."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._pins: dict[tuple[str, str, str], tuple[Served, float, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str], now: float) -> Served | None:
        with self._lock:
            pin = self._pins.get(key)
            if pin is None:
                return None
            served, first, last = pin
            if now - last > self.seconds or now - first > PIN_MAX_SECONDS:
                del self._pins[key]
                return None
            self._pins[key] = (served, first, now)
            return served

    def set(self, key: tuple[str, str, str], served: Served, now: float) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._pins[key] = (served, now, now)
            if len(self._pins) > 10_000:  # drop idle pins so the table stays small
                for other, (_, first, last) in list(self._pins.items()):
                    if now - last > self.seconds or now - first > PIN_MAX_SECONDS:
                        del self._pins[other]


class _AuditMiddleware:
    """Writes one audit line per request once its response is sent (status and bytes as sent)."""

    def __init__(self, app: ASGIApp, log: AuditLog):
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields: dict = {}
        scope[AUDIT_KEY] = fields
        sent = {"status": None, "bytes": 0, "logged": False}

        def write() -> None:
            if sent["logged"]:
                return
            sent["logged"] = True
            client = scope.get("client")
            raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            self.log.write(
                adres=client[0] if client else None,
                methode=scope["method"],
                pad=raw.decode("latin-1"),
                status=sent["status"],
                bytes=sent["bytes"],
                regio=fields.get("regio"),
                token=fields.get("token"),
                label=fields.get("label"),
                reden=fields.get("reden"),
                versie=fields.get("versie"),
                bereik=fields.get("bereik"),
            )

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
            elif message["type"] == "http.response.body":
                if scope["method"] != "HEAD":
                    sent["bytes"] += len(message.get("body", b""))
                if not message.get("more_body", False):
                    # Logged before the last part goes out: when a client has its whole answer, the
                    # line is in the log.
                    write()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            write()  # an answer broken off (a client gone, a file pruned): logged with what was sent


class ExportServer:
    """The request handling of one data dir (see the module docstring for the order of checks)."""

    def __init__(self, root: Path, settings: ServeSettings):
        self.settings = settings
        self.tokens = LiveTokens(tokens_path(root))
        self.publication = Publication(exports_dir(root))
        self.limit = FailureLimit(settings.max_failures, settings.failure_window)
        self.pins = _Pins(settings.pin_seconds)

    async def handle(self, request: Request) -> Response:
        audit = request.scope.setdefault(AUDIT_KEY, {})
        address = request.client.host if request.client else "onbekend"
        wait = self.limit.blocked_for(address)
        if wait > 0:
            audit["reden"] = "te_veel_mislukte_pogingen"
            return PlainTextResponse(
                "Te veel mislukte pogingen\n", status_code=429, headers={"Retry-After": str(int(wait) + 1)}
            )
        presented = _bearer(request)
        if presented is None:
            audit["reden"] = "geen_token"
            return _unauthorized()
        checked = self.tokens.check(presented)
        if checked.token is not None:
            audit.update(regio=checked.token.regio, token=checked.token.id, label=checked.token.label)
        if checked.reden is not None:
            audit["reden"] = checked.reden
            self.limit.fail(address)
            return _unauthorized()
        token = checked.token

        raw = request.scope.get("raw_path") or b""
        parts = request.scope["path"].split("/")
        if (
            b"%" in raw
            or len(parts) != 3
            or parts[0] != ""
            or parts[1] != token.regio
            or not FILE_NAME.fullmatch(parts[2])
        ):
            audit["reden"] = "buiten_eigen_export"
            return _not_found()
        regio, naam = parts[1], parts[2]

        served = self._resolve(request, token.id, regio, naam)
        if isinstance(served, Response):
            return served
        if served is None:
            audit["reden"] = "niet_gepubliceerd"
            return _not_found()
        audit["versie"] = served.versie
        if "range" in request.headers:
            audit["bereik"] = request.headers["range"][:100]
        return FileResponse(
            served.path,
            media_type=served.media_type,
            stat_result=served.stat,
            headers={
                "etag": served.etag,
                # Bearer-protected: no shared cache may keep it; clients revalidate with the ETag.
                "cache-control": "private, no-cache",
                "x-content-type-options": "nosniff",
            },
        )

    def _resolve(self, request: Request, token_id: str, regio: str, naam: str) -> Served | Response | None:
        audit = request.scope[AUDIT_KEY]
        if_match = request.headers.get("if-match")
        if if_match is not None and if_match.strip() != "*":
            for etag in _etags(if_match):
                served = self.publication.by_etag(regio, naam, etag)
                if served is not None:
                    return served
            audit["reden"] = "versie_niet_meer_bewaard"
            return PlainTextResponse("Deze versie is niet meer beschikbaar\n", status_code=412)
        if_range = request.headers.get("if-range", "").strip()
        if if_range.startswith('"'):
            served = self.publication.by_etag(regio, naam, if_range)
            if served is not None:
                return served
            # Not kept: FileResponse sends the whole current file, as If-Range asks.

        now = time.monotonic()
        key = (token_id, regio, naam)
        pinned = self.pins.get(key, now)
        if pinned is not None:
            # Checked again as a fresh resolution is: the pinned version may have been pruned, and
            # a file that is no longer the one pinned (replaced, or by a symlink) is not sent.
            served = self.publication.in_version(pinned.versie, regio, naam)
            if served is not None and served.etag == pinned.etag and _same_file(served, pinned):
                return served
        served = self.publication.current(regio, naam)
        if served is not None:
            self.pins.set(key, served, now)
        return served


def create_app(root: Path, settings: ServeSettings | None = None) -> ASGIApp:
    """The ASGI app serving the published exports of data dir `root`."""
    server = ExportServer(root, settings or ServeSettings())
    app = Starlette(routes=[Route("/{pad:path}", server.handle, methods=["GET", "HEAD"])])
    return _AuditMiddleware(app, AuditLog(audit_log_path(root)))


__all__ = ["ExportServer", "ServeSettings", "create_app"]
