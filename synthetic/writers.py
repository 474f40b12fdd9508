"""Write a snapshot in the formats real suppliers send, byte-for-byte reproducibly.

- csv: ',' delimited, UTF-8, ISO dates, decimal point, true/false, LF line ends.
- csv_nl: what Dutch Excel writes: ';', UTF-8 with BOM, CRLF, DD-MM-YYYY, decimal comma, ja/nee.
- xlsx: one sheet, real date cells. openpyxl stamps the current time into docProps/core.xml
  and the zip entries, so the archive is rewritten with fixed times.
- parquet: date32 dates, nullable int64 integers, booleans.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openpyxl import Workbook

EXTENSIE = {"csv": "csv", "csv_nl": "csv", "xlsx": "xlsx", "parquet": "parquet"}
BOM = b"\xef\xbb\xbf"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def schrijf(table: pa.Table, path: Path, formaat: str, peildatum: date) -> None:
    """Write `table` to `path` in `formaat`; `peildatum` stamps the xlsx document properties."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if formaat == "csv":
        _csv(table, path)
    elif formaat == "csv_nl":
        _csv_nl(table, path)
    elif formaat == "xlsx":
        _xlsx(table, path, peildatum)
    elif formaat == "parquet":
        pq.write_table(table, path, compression="snappy")
    else:
        raise ValueError(f"unknown format {formaat!r}")


def _csv(table: pa.Table, path: Path) -> None:
    options = pacsv.WriteOptions(include_header=True, delimiter=",", quoting_style="none", quoting_header="none")
    pacsv.write_csv(table, path, options)


def _dutch_dates(column: pa.Array) -> pa.Array:
    """DD-MM-YYYY strings via a lookup over the column's day range (fast for millions of rows)."""
    days = pc.cast(column, pa.int32())
    if days.null_count == len(days):
        return pa.nulls(len(days), pa.string())
    lo, hi = pc.min_max(days).values()
    lo, hi = lo.as_py(), hi.as_py()
    text = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"))
    lookup = pa.array([f"{t[8:10]}-{t[5:7]}-{t[0:4]}" for t in text], pa.string())
    return pc.take(lookup, pc.subtract(days, lo))


def _csv_nl(table: pa.Table, path: Path) -> None:
    columns = []
    for column in table.columns:
        column = column.combine_chunks()
        if pa.types.is_date(column.type):
            column = _dutch_dates(column)
        elif pa.types.is_floating(column.type):
            column = pc.replace_substring(pc.cast(column, pa.string()), ".", ",")
        elif pa.types.is_boolean(column.type):
            column = pc.if_else(column, "ja", "nee")
        columns.append(column)
    options = pacsv.WriteOptions(
        include_header=True, delimiter=";", quoting_style="none", quoting_header="none", eol="\r\n"
    )
    with path.open("wb") as fh:
        fh.write(BOM)
        pacsv.write_csv(pa.table(columns, names=table.column_names), fh, options)


def _xlsx(table: pa.Table, path: Path, peildatum: date) -> None:
    stamp = datetime(peildatum.year, peildatum.month, peildatum.day)
    wb = Workbook(write_only=True)
    wb.properties.creator = "ketenmonitor"
    wb.properties.created = stamp
    ws = wb.create_sheet(title="levering")
    ws.append(table.column_names)
    for row in zip(*(column.to_pylist() for column in table.columns), strict=True):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    _reproducible_zip(buffer.getvalue(), path, stamp)


def _reproducible_zip(data: bytes, path: Path, stamp: datetime) -> None:
    """Rewrite the xlsx archive with fixed entry times and a fixed 'modified' property."""
    fixed = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + fixed + rb"\g<2>", content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
