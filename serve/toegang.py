"""Region tokens (`ketenmonitor toegang`): who may read which jeugdregio's export over HTTPS.

A token is printed once, when it is made; the store (`<data dir>/toegang/tokens.json`, mode 0600)
keeps only its sha256, with the jeugdregio, a label (the analyst it was given to), the creation
time and, once revoked, the revocation time. A plain sha256 is enough: a token is 256 random bits,
not a password someone chose, so its hash gives nothing to guess from. Every analyst gets their
own token, so one can be revoked alone; a revoked token stays listed so the audit log's labels
keep their meaning.

A presented token is compared with every stored hash in constant time and without stopping at a
match, so how long a check takes says nothing about which tokens exist.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from exports.regions import SAFE_REGION

TOKEN_PREFIX = "kmt_"
STORE_VERSION = 1


@dataclass(frozen=True)
class Token:
    id: str  # public: shown by `toegang lijst`, written in the audit log, used to revoke
    regio: str
    label: str
    aangemaakt: str  # ISO 8601, UTC
    sha256: str  # of the token text; the token itself is never stored
    ingetrokken: str | None = None  # ISO 8601, UTC, once revoked

    @property
    def actief(self) -> bool:
        return self.ingetrokken is None


@dataclass(frozen=True)
class Check:
    """The outcome of checking a presented token: the token when valid, else why not."""

    token: Token | None
    reden: str | None  # None when valid; else onbekend_token or ingetrokken_token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read(path: Path) -> list[Token]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [Token(**entry) for entry in data["tokens"]]


def _write(path: Path, tokens: list[Token]) -> None:
    """Write the store whole and switch it in with one rename: a reader sees the old or the new store."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".nieuw")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"versie": STORE_VERSION, "tokens": [asdict(t) for t in tokens]}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


class TokenStore:
    """The token file of one data dir."""

    def __init__(self, path: Path):
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Two `toegang` commands at once must not lose each other's change (read, modify, write).
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def lijst(self) -> list[Token]:
        return _read(self.path)

    def maak(self, regio: str, label: str, bekende_regios: set[str] | None = None) -> tuple[str, Token]:
        """A new token for `regio`: returns (the token text, shown only now; its stored record)."""
        if not SAFE_REGION.fullmatch(regio):
            raise ValueError(f"{regio!r} is not a jeugdregio code")
        if bekende_regios is not None and regio not in bekende_regios:
            raise ValueError(f"{regio!r} is not a jeugdregio of definitions/referentie/gemeenten.csv")
        label = " ".join(label.split())
        if not label:
            raise ValueError("give a label: who the token is for (one token per analyst)")
        text = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._locked():
            tokens = _read(self.path)
            ids = {t.id for t in tokens}
            token_id = secrets.token_hex(4)
            while token_id in ids:
                token_id = secrets.token_hex(4)
            record = Token(id=token_id, regio=regio, label=label, aangemaakt=_now(), sha256=token_hash(text))
            _write(self.path, [*tokens, record])
        return text, record

    def intrekken(self, token_id: str) -> Token:
        """Revoke one token by its id; the server refuses it from its next request on."""
        with self._locked():
            tokens = _read(self.path)
            match = [t for t in tokens if t.id == token_id]
            if not match:
                raise KeyError(token_id)
            if not match[0].actief:
                return match[0]
            revoked = replace(match[0], ingetrokken=_now())
            _write(self.path, [revoked if t.id == token_id else t for t in tokens])
        return revoked


def check(tokens: list[Token], presented: str) -> Check:
    """Which stored token `presented` is, compared in constant time with every one of them."""
    digest = token_hash(presented)
    found = None
    for token in tokens:
        # No early exit: every stored hash is compared, whatever matched before.
        if hmac.compare_digest(token.sha256, digest):
            found = token
    if found is None:
        return Check(None, "onbekend_token")
    if not found.actief:
        return Check(found, "ingetrokken_token")
    return Check(found, None)


class LiveTokens:
    """The server's view of the store: read again whenever the file changed, so a token made or
    revoked with `ketenmonitor toegang` counts from the next request on, without a restart."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._tokens: list[Token] = []

    def current(self) -> list[Token]:
        try:
            st = os.stat(self.path)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._tokens = _read(self.path) if stamp else []
            self._stamp = stamp
        return self._tokens

    def check(self, presented: str) -> Check:
        return check(self.current(), presented)


__all__ = ["TOKEN_PREFIX", "Check", "LiveTokens", "Token", "TokenStore", "check", "token_hash"]
