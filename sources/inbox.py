"""The delivery inbox: `<inbox>/<organisatie_code>/<bron>/<peildatum>.<csv|xlsx|parquet>`.

Only the layout is checked here (rule ALG-BEST-003), and that no part of a delivery's path is a
symbolic link: a link is refused unread, never followed. Whether the organisation is known
(ALG-ORG-001) and may deliver the bron (ALG-ORG-002) is decided in validation, against
the definitions, so that a supplier gets every problem of a delivery in one report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FORMATS = ("csv", "xlsx", "parquet")
PATH_RULE = "ALG-BEST-003"

_PEILDATUM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Files that operating systems and office programs leave behind; never a delivery.
_JUNK_NAMES = {"thumbs.db", "desktop.ini"}


@dataclass(frozen=True, order=True)
class DeliveryRef:
    """One delivery file in the inbox."""

    organisatie_code: str
    bron: str
    peildatum: date
    fmt: str
    path: Path


class InboxPathError(ValueError):
    """A file in the inbox does not follow the layout (rule ALG-BEST-003)."""

    code = PATH_RULE

    def __init__(self, path: Path | str, reason: str, reden_nl: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.reden_nl = reden_nl or reason
        super().__init__(f"{path}: {reason}")


def _relative_parts(path: Path, inbox: Path) -> tuple[str, ...]:
    for candidate, root in ((path, inbox), (path.resolve(), inbox.resolve())):
        try:
            return candidate.relative_to(root).parts
        except ValueError:
            continue
    raise InboxPathError(
        path, f"the file is not inside the inbox {inbox}", f"het bestand staat niet in de inbox {inbox}"
    )


def parse_peildatum(text: str) -> date | None:
    """`YYYY-MM-DD` as a real date, else None."""
    if not _PEILDATUM.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def delivery_format(path: Path) -> str | None:
    """The format of a delivery by its extension (case-insensitive), or None when unknown."""
    fmt = path.suffix.lower().lstrip(".")
    return fmt if fmt in FORMATS else None


def linked_part(path: Path, inbox: Path) -> str | None:
    """The first part of `path` below `inbox` that is a symbolic link (the file, or a folder above it), or None.

    A link in the inbox is never followed: it could point anywhere (another organisation's folder, a
    file outside the inbox), and the archive would keep whatever it pointed to as a delivery.
    """
    path, inbox = Path(path), Path(inbox)
    try:
        parts = path.relative_to(inbox).parts
    except ValueError:
        return None
    for i in range(1, len(parts) + 1):
        if inbox.joinpath(*parts[:i]).is_symlink():
            return "/".join(parts[:i])
    return None


def parse_delivery_path(path: Path, inbox: Path) -> DeliveryRef:
    """Parse `<inbox>/<organisatie_code>/<bron>/<peildatum>.<ext>`; raise `InboxPathError` otherwise."""
    path, inbox = Path(path), Path(inbox)
    parts = _relative_parts(path, inbox)
    link = linked_part(path, inbox)
    if link is not None:
        raise InboxPathError(
            path,
            f"{link} is a symbolic link; a link is never followed (it may point outside the inbox), "
            "so it was not read: deliver the file itself",
            f"{link} is een symbolische koppeling; een koppeling wordt nooit gevolgd (ze kan buiten de inbox "
            "wijzen), dus ze is niet gelezen: lever het bestand zelf",
        )
    if len(parts) != 3:
        raise InboxPathError(
            path,
            f"expected <organisatie_code>/<bron>/<peildatum>.<csv|xlsx|parquet> in the inbox, got {'/'.join(parts)}",
            f"verwacht <organisatie_code>/<bron>/<peildatum>.<csv|xlsx|parquet> in de inbox, niet {'/'.join(parts)}",
        )
    organisatie_code, bron, name = parts
    fmt = delivery_format(path)
    if fmt is None:
        ext = path.suffix or "(none)"
        raise InboxPathError(
            path,
            f"unknown extension {ext}; deliver .csv, .xlsx or .parquet",
            f"onbekende extensie {ext}; lever .csv, .xlsx of .parquet",
        )
    stem = name[: -len(path.suffix)]
    peildatum = parse_peildatum(stem)
    if peildatum is None:
        raise InboxPathError(
            path,
            f"file name {stem!r} is not a valid peildatum YYYY-MM-DD",
            f"bestandsnaam {stem!r} is geen geldige peildatum JJJJ-MM-DD",
        )
    return DeliveryRef(organisatie_code, bron, peildatum, fmt, path)


def _ignored(parts: tuple[str, ...]) -> bool:
    # Hidden files and folders, Excel lock files (~$name.xlsx) and OS thumbnails.
    return any(p.startswith((".", "~$")) for p in parts) or parts[-1].lower() in _JUNK_NAMES


def scan_inbox(inbox: Path) -> tuple[list[DeliveryRef], list[InboxPathError]]:
    """Every delivery in the inbox (sorted) and every misplaced file (sorted by path)."""
    inbox = Path(inbox)
    refs: list[DeliveryRef] = []
    errors: list[InboxPathError] = []
    if not inbox.is_dir():
        return refs, errors
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or _ignored(path.relative_to(inbox).parts):
            continue
        try:
            refs.append(parse_delivery_path(path, inbox))
        except InboxPathError as exc:
            errors.append(exc)
    refs.sort()
    errors.sort(key=lambda e: str(e.path))
    return refs, errors
