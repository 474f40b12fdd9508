"""Which bytes answer `/<jeugdregio_code>/<file>`: a file of one published version, never a mix.

exports/regions.py publishes a run as `exports/.versies/<version>/<region>/` and then swaps the
link `exports/<region>` to it; a version folder is never written again after that, and the one
published just before stays on disk for one more run. So a file is resolved once per request to
its path inside a version folder (never through the link, which may switch while a response is
being sent), with the strong ETag of its bytes: the sha256 of the region's manifest.json (the
sha256 of the manifest's own bytes for the manifest).

Only the files a version's manifest lists, and the manifest itself, are served: nothing else in a
version folder, nothing named with a dot or a slash, nothing that is a symlink or resolves
outside its version folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from exports.regions import MANIFEST, SAFE_REGION, VERSIONS_DIR

PARQUET_TYPE = "application/vnd.apache.parquet"  # registered with IANA in 2024
JSON_TYPE = "application/json"
# The names a region export has: <mart>.parquet and manifest.json. Nothing else is ever served.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.(parquet|json)")


@dataclass(frozen=True)
class Served:
    """One file of one published version, as it will be sent."""

    path: Path  # inside exports/.versies/<versie>/<regio>/, not through the region link
    etag: str  # strong, quoted: '"<sha256>"'
    versie: str
    media_type: str
    stat: os.stat_result


def _media_type(naam: str) -> str:
    return PARQUET_TYPE if naam.endswith(".parquet") else JSON_TYPE


class Publication:
    """The published exports under one `exports/` folder."""

    def __init__(self, exports: Path):
        self.exports = exports

    def _versions(self) -> Path:
        return self.exports / VERSIONS_DIR

    def current_version(self, regio: str) -> str | None:
        """The version `exports/<regio>` links to now, if it is a link of the published layout."""
        try:
            target = Path(os.readlink(self.exports / regio))
        except (FileNotFoundError, NotADirectoryError, OSError):
            return None  # no such region, or a plain folder (an older layout): not served
        parts = target.parts
        if len(parts) != 3 or parts[0] != VERSIONS_DIR or parts[2] != regio or not SAFE_REGION.fullmatch(parts[1]):
            return None
        return parts[1]

    def in_version(self, versie: str, regio: str, naam: str) -> Served | None:
        """`naam` of `regio` in version `versie`, when that version's manifest lists it."""
        if not (SAFE_REGION.fullmatch(versie) and SAFE_REGION.fullmatch(regio) and FILE_NAME.fullmatch(naam)):
            return None
        folder = self._versions() / versie / regio
        try:
            with open(folder / MANIFEST, "rb", opener=_no_follow) as handle:
                manifest_bytes = handle.read()
            if naam == MANIFEST:
                sha = hashlib.sha256(manifest_bytes).hexdigest()
            else:
                listed = {f.get("bestand"): f.get("sha256") for f in json.loads(manifest_bytes).get("bestanden", [])}
                sha = listed.get(naam)
                if not isinstance(sha, str):
                    return None
            path = folder / naam
            st = os.lstat(path)
            # A regular file whose real place is this version folder, under this exports folder.
            real_folder = folder.resolve(strict=True)
            if not stat.S_ISREG(st.st_mode) or path.resolve(strict=True).parent != real_folder:
                return None
            if real_folder.parent.parent != self._versions().resolve(strict=True):
                return None
        except (OSError, ValueError, AttributeError):
            # Gone (a version pruned meanwhile), unreadable, or a manifest that is not ours.
            return None
        return Served(path=path, etag=f'"{sha}"', versie=versie, media_type=_media_type(naam), stat=st)

    def current(self, regio: str, naam: str) -> Served | None:
        """`naam` as published now for `regio`."""
        # Twice at most: a publication may prune the version between reading the link and the
        # files; the link read again then names a version that is there.
        for _ in range(2):
            versie = self.current_version(regio)
            if versie is None:
                return None
            served = self.in_version(versie, regio, naam)
            if served is not None or self.current_version(regio) == versie:
                return served
        return None

    def by_etag(self, regio: str, naam: str, etag: str) -> Served | None:
        """The kept version of `naam` whose bytes have ETag `etag` (If-Match, If-Range): the one
        now published first, then the others still on disk (the previous publication is kept)."""
        current = self.current(regio, naam)
        if current is not None and current.etag == etag:
            return current
        try:
            versions = sorted((p.name for p in self._versions().iterdir()), reverse=True)
        except OSError:
            return None
        for versie in versions:
            served = self.in_version(versie, regio, naam)
            if served is not None and served.etag == etag:
                return served
        return None


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW)


__all__ = ["FILE_NAME", "JSON_TYPE", "PARQUET_TYPE", "Publication", "Served"]
