"""Pseudonymisation for suppliers: BSN -> kind_id, case numbers -> record ids (docs/privacy.md).

Every chain partner must compute the same `kind_id` from the same BSN, or the chain links to
its records silently break. The definitions, once:

- the BSN is normalised (sources/bsn.py): spaces, dots and hyphens removed, an 8-digit BSN
  gets its leading zero, the eleven-test must pass; what is hashed is the 9 ASCII digits,
  nothing else (no line break, no BOM);
- `kind_id` = HMAC-SHA256(key, those 9 bytes) as 64 lowercase hex characters;
- a record id (a case number) = HMAC-SHA256(record key, the value's UTF-8 bytes, trimmed), the
  record key being HMAC-SHA256(key, "ketenmonitor-record-id"): a separate key, so a record id
  never equals the kind_id of the same characters;
- the key's fingerprint = the first 16 lowercase hex characters of SHA-256("ketenmonitor-
  sleutel-vingerafdruk-v1:" + key): partners compare it to know they hold the same key without
  showing it. It is a hash of the key only, never of a BSN, and reveals nothing usable about it.

The key is read from a file, at least 32 bytes, exactly as stored (a trailing line break is part
of it: the fingerprint shows the difference). It is never taken from the command line or the
environment and never printed.

Privacy: nothing here writes or logs a BSN. An invalid BSN is reported by its spreadsheet row
number only, and when any BSN is invalid nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sources import bsn
from sources.definitions import Bron, Definitions
from sources.readers import read_delivery

MIN_SLEUTEL_BYTES = 32
VINGERAFDRUK_KOLOM = "sleutel_vingerafdruk"
VINGERAFDRUK_PREFIX = b"ketenmonitor-sleutel-vingerafdruk-v1:"
RECORD_ID_LABEL = b"ketenmonitor-record-id"
# The published test key (docs/privacy.md, test vectors): for synthetic data and for a partner
# proving its own tooling. Public, so never for real BSNs.
TEST_SLEUTEL = b"ketenmonitor-testsleutel-openbaar-nooit-voor-echte-bsns"
# How many invalid rows a report lists before "and N more".
MAX_ROWS_SHOWN = 100


class SleutelFout(ValueError):
    """The key file cannot be used (missing, unreadable, too short)."""


class ExtractFout(ValueError):
    """The extract cannot be pseudonymised as asked (a column missing, a bron without kind_id)."""


def lees_sleutel(path: Path) -> bytes:
    """The key: the file's bytes exactly. Raises SleutelFout when it is missing or shorter than 32 bytes."""
    path = Path(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise SleutelFout(f"no key file {path}") from None
    except IsADirectoryError:
        raise SleutelFout(f"{path} is a folder, not a key file") from None
    except OSError as exc:
        raise SleutelFout(f"cannot read the key file {path}: {exc.strerror or exc}") from None
    if len(key) < MIN_SLEUTEL_BYTES:
        # The length is no secret worth keeping; the content never shows.
        raise SleutelFout(
            f"the key file {path} holds {len(key)} bytes; a key must be at least {MIN_SLEUTEL_BYTES} bytes"
        )
    return key


def vingerafdruk(key: bytes) -> str:
    """The key's fingerprint: 16 lowercase hex characters of SHA-256 over a fixed prefix and the key."""
    return hashlib.sha256(VINGERAFDRUK_PREFIX + key).hexdigest()[:16]


def record_sleutel(key: bytes) -> bytes:
    """The key for record ids, derived from the chain key (never the chain key itself)."""
    return hmac.digest(key, RECORD_ID_LABEL, "sha256")


def hmac_sha256_hex(key: bytes, messages: Sequence[bytes]) -> list[str]:
    """HMAC-SHA256 (RFC 2104) of each message as lowercase hex; the key's pads are hashed once, which is
    what makes a national extract fast."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    result = []
    for message in messages:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        result.append(o.hexdigest())
    return result


def kind_ids(bsns: Sequence[str], key: bytes) -> list[str]:
    """kind_id of each normalised BSN (nine digits, as sources.bsn.normaliseer gives them)."""
    return hmac_sha256_hex(key, [b.encode("ascii") for b in bsns])


def kind_id(value: str, key: bytes) -> str:
    """kind_id of one BSN as a supplier may write it; ValueError when it is not a valid BSN."""
    nine, valid, _ = bsn.normaliseer(pa.array([value], pa.string()))
    if not valid[0]:
        raise ValueError("not a valid BSN")
    return kind_ids([nine[0].as_py()], key)[0]


def record_ids(values: Sequence[str], key: bytes) -> list[str]:
    """Pseudonymous record ids of case numbers (trimmed, UTF-8) under the derived record key."""
    return hmac_sha256_hex(record_sleutel(key), [v.strip().encode("utf-8") for v in values])


def pseudoniem_kolom(bron: Bron, defs: Definitions) -> str | None:
    """The bron's kind_id column (type `pseudoniem`), None when it has none (gi_capaciteit)."""
    for kolom in bron.kolommen:
        if kolom.type == "pseudoniem":
            return kolom.naam
    return None


@dataclass
class Uitkomst:
    """What `pseudonimiseer` did: the file written (None when nothing was) and what it found."""

    pad: Path | None
    rijen: int
    vingerafdruk: str
    ongeldige_rijen: list[int] = field(default_factory=list)  # spreadsheet rows, never values
    aantal_ongeldig: int = 0
    lege_bsn: int = 0
    # Another column holding BSN-like values: column -> (count, first spreadsheet rows).
    bsn_elders: dict[str, tuple[int, list[int]]] = field(default_factory=dict)


def pseudonimiseer(
    extract: Path,
    doel: Path,
    *,
    bron: Bron,
    defs: Definitions,
    bsn_kolom: str,
    key: bytes,
    record_kolommen: Sequence[str] = (),
) -> Uitkomst:
    """Read a supplier's extract, replace its BSN column by `kind_id`, write the contract CSV to `doel`.

    The extract is any format a delivery may have (csv, xlsx, parquet), read as the pipeline reads
    a delivery (values as text). The output holds the bron's columns in contract order (those in
    the extract, `kind_id` computed, `sleutel_vingerafdruk` added), never the BSN column.
    `record_kolommen` (record-id columns holding internal case numbers) are pseudonymised with the
    record key. When a BSN is invalid, or another column holds a BSN-like value, nothing is written
    and the rows are listed. Raises ExtractFout for a request that cannot work (a column missing, a
    column not in the contract) and the reader's RefusedDelivery for an unreadable file.
    """
    kind_kolom = pseudoniem_kolom(bron, defs)
    if kind_kolom is None:
        raise ExtractFout(f"{bron.bron} holds no kind_id: deliver it as it is, with `ketenmonitor check` first")
    frame = read_delivery(Path(extract), bron, defs)
    raw = frame.raw
    wanted = bsn_kolom.strip().lower()
    if wanted not in raw.columns:
        raise ExtractFout(f"the extract has no column {bsn_kolom!r} (the BSN column given by --bsn-kolom)")
    if wanted in bron.kolomnamen:
        raise ExtractFout(f"{bsn_kolom!r} is a contract column of {bron.bron}; give the column that holds the BSN")
    for taken in (kind_kolom, VINGERAFDRUK_KOLOM):
        if taken in raw.columns:
            raise ExtractFout(f"the extract already has a column {taken}; it is written by pseudonimiseer")
    unknown = [c for c in raw.columns if c != wanted and c not in bron.kolomnamen]
    if unknown:
        # Refused before anything is written: an unknown column may hold identifiers (ALG-KOL-001).
        raise ExtractFout(f"the extract has columns that are not in the contract of {bron.bron}: {', '.join(unknown)}")
    record_namen = [k.strip().lower() for k in record_kolommen]
    for naam in record_namen:
        if naam not in raw.columns:
            raise ExtractFout(f"the extract has no column {naam!r} (given by --record-kolom)")
        if naam not in bron.kolomnamen or bron.kolom(naam).type != "record_id":
            raise ExtractFout(f"{naam!r} is not a record-id column of {bron.bron}")

    nine, valid, empty = bsn.normaliseer(pa.array(raw[wanted], pa.string()))
    invalid = ~valid & ~empty
    fingerprint = vingerafdruk(key)
    if invalid.any():
        return Uitkomst(
            pad=None,
            rijen=len(raw),
            vingerafdruk=fingerprint,
            ongeldige_rijen=frame.row_numbers(invalid, limit=MAX_ROWS_SHOWN),
            aantal_ongeldig=int(invalid.sum()),
            lege_bsn=int(empty.sum()),
        )

    # A BSN in another column (a case number that is a BSN) would be written along: refuse it here, before
    # anything reaches the disk, as ALG-PRIV-001 would after.
    elsewhere = {}
    for kolom in raw.columns:
        if kolom in (wanted, *record_namen):
            continue
        found = _nine_digit_bsns(raw[kolom])
        if found.any():
            elsewhere[kolom] = (int(found.sum()), frame.row_numbers(found, limit=MAX_ROWS_SHOWN))
    if elsewhere:
        return Uitkomst(pad=None, rijen=len(raw), vingerafdruk=fingerprint, bsn_elders=elsewhere)

    hashed = np.full(len(raw), None, dtype=object)
    positions = np.flatnonzero(valid)
    hashed[positions] = kind_ids(nine.filter(pa.array(valid)).to_pylist(), key)
    columns: dict[str, Sequence[str | None]] = {}
    for kolom in bron.kolomnamen:
        if kolom == kind_kolom:
            columns[kolom] = hashed.tolist()
        elif kolom == VINGERAFDRUK_KOLOM:
            columns[kolom] = [fingerprint] * len(raw)
        elif kolom in record_namen:
            columns[kolom] = _record_column(raw[kolom].tolist(), key)
        elif kolom in raw.columns:
            columns[kolom] = _text(raw[kolom].tolist())
    _write_csv(Path(doel), columns)
    return Uitkomst(pad=Path(doel), rijen=len(raw), vingerafdruk=fingerprint, lege_bsn=int(empty.sum()))


def _nine_digit_bsns(values: pd.Series) -> np.ndarray:
    """Values that are nine digits passing the eleven-test once spaces, dots and hyphens are gone."""
    stripped = pa.array(values.str.replace(bsn.SEPARATORS, "", regex=True), pa.string())
    shaped = np.asarray(pc.fill_null(pc.match_substring_regex(stripped, r"^[0-9]{9}$"), False))
    result = np.zeros(len(values), dtype=bool)
    positions = np.flatnonzero(shaped)
    if len(positions):
        result[positions] = bsn.eleven_test(bsn.digit_matrix(stripped.filter(pa.array(shaped))))
    return result


def _text(values: list) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values]


def _record_column(values: list, key: bytes) -> list[str | None]:
    values = _text(values)
    filled = [i for i, v in enumerate(values) if v is not None and v.strip()]
    hashed = record_ids([values[i] for i in filled], key)
    result: list[str | None] = [None] * len(values)
    for i, h in zip(filled, hashed, strict=True):
        result[i] = h
    return result


def _write_csv(path: Path, columns: dict[str, Sequence[str | None]]) -> None:
    """UTF-8, ',' delimited, LF line ends, quoted only where needed; written under a hidden name, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(zip(*columns.values(), strict=True))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
