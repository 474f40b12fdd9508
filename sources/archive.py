"""Keep every delivery byte for byte, and a typed copy of each accepted one.

The archive is append-only: `<data dir>/archive/<org>/<bron>/<peildatum>.<sha256[:16]>.<ext>`
is written once and never changed. An accepted delivery also gets a normalised parquet copy
(every contract column typed, vervallen codes replaced, plus organisatie_code, levering_peildatum,
levering_id) that staging reads.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sources.definitions import Definitions
from sources.paths import archive_dir, warehouse_path

_ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def sha256_text(text: str) -> str:
    """The sha256 of a text (a fingerprint of what a table is built from)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _link_bytes(path: Path) -> bytes:
    return b"symbolic link to " + os.fsencode(os.readlink(path)) + b"\n"


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes: the one file hash of the project (archive names, registry, manifests).

    A symbolic link is never followed (an inbox link is refused unread, sources/inbox.py): its hash is
    that of the text "symbolic link to <target>", which is also what the archive keeps of it.
    """
    if Path(path).is_symlink():
        return hashlib.sha256(_link_bytes(path)).hexdigest()
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_delivery(source: Path, root: Path, relative: Path, sha256: str) -> Path:
    """Copy the delivery into the archive under its inbox path and content hash; never overwrite."""
    rel = Path(relative)
    target = archive_dir(root) / rel.parent / f"{rel.stem}.{sha256[:16]}{rel.suffix.lower()}"
    if Path(source).is_symlink():
        # Never followed, never copied: the archive keeps where the link pointed, as evidence.
        target = target.with_name(target.name + ".symlink")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        if Path(source).is_symlink():
            tmp.write_bytes(_link_bytes(source))
        else:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)  # atomic: a crash never leaves a half-written archive file
    return target


def normalised_path(root: Path, organisatie_code: str, bron: str, peildatum: date, sha256: str) -> Path:
    return warehouse_path(root).parent / "geleverd" / organisatie_code / bron / f"{peildatum}.{sha256[:16]}.parquet"


def arrow_schema(defs: Definitions, bron: str) -> pa.Schema:
    """The typed columns of a bron, then the delivery's own columns."""
    fields = [pa.field(k.naam, _ARROW_TYPES[defs.typen[k.type].basis]) for k in defs.bronnen[bron].kolommen]
    fields += [
        pa.field("organisatie_code", pa.string()),
        pa.field("levering_peildatum", pa.date32()),
        pa.field("levering_id", pa.string()),
    ]
    return pa.schema(fields)


def as_dates(values: pd.Series) -> pa.Array:
    """A typed date column (datetime64 at midnight, NaT when missing, as the readers parse it) as date32.

    Cast in Arrow, all values at once: going through Python `date` objects (`.dt.date`) took a second per
    million values. The same dates as that: the day of each value, missing stays missing.
    """
    return pc.cast(pa.array(values, from_pandas=True), pa.date32())


def write_normalised(
    typed: pd.DataFrame,
    defs: Definitions,
    bron: str,
    organisatie_code: str,
    peildatum: date,
    levering_id: str,
    target: Path,
) -> int:
    """Write the typed records of an accepted delivery as parquet; returns the row count.

    The copy always holds every contract column: an optional column the delivery left out (one of an
    earlier contract version) is all empty, so staging and the marts can name it for every delivery.
    A vervallen code with a `vervangen_door` is written as that code (VERHUISD -> OVERGEDRAGEN), so
    the figures read one current code.
    """
    schema = arrow_schema(defs, bron)
    kolommen = {k.naam: k for k in defs.bronnen[bron].kolommen}
    columns = {}
    for field in schema:
        kolom = kolommen.get(field.name)
        if kolom is not None and field.name not in typed.columns:
            values = pa.nulls(len(typed), field.type)
        elif kolom is not None and kolom.codelijst and defs.codelijsten[kolom.codelijst].vervangingen:
            replaced = typed[field.name].replace(defs.codelijsten[kolom.codelijst].vervangingen)
            values = pa.array(replaced, field.type, from_pandas=True)
        elif field.name == "organisatie_code":
            values = pa.repeat(pa.scalar(organisatie_code, pa.string()), len(typed))
        elif field.name == "levering_peildatum":
            values = pa.repeat(pa.scalar(peildatum, pa.date32()), len(typed))
        elif field.name == "levering_id":
            values = pa.repeat(pa.scalar(levering_id, pa.string()), len(typed))
        elif pa.types.is_date32(field.type):
            values = as_dates(typed[field.name])
        else:
            values = pa.array(typed[field.name], field.type, from_pandas=True)
        columns[field.name] = values
    table = pa.table(columns, schema=schema)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return table.num_rows


def empty_table(defs: Definitions, bron: str) -> pa.Table:
    return arrow_schema(defs, bron).empty_table()
