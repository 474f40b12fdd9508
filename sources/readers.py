"""Read one delivery file (CSV, xlsx or parquet) into one shape for the rules.

Every format becomes a table of trimmed strings (`DeliveryFrame.raw`, missing = NA), and the
bron's known columns are parsed by their type's `basis` into `DeliveryFrame.typed`. A value
that does not parse is NA in `typed` while still present in `raw`, so rule ALG-TYPE-001 can
find it. Parsing is vectorised in pyarrow: a 2-million-row CSV reads in seconds.

A file that cannot be read as a table at all raises `UnreadableDelivery` (rule ALG-BEST-001).
Reasons never quote cell values: a broken line may hold a pseudonym or a BSN.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sources.definitions import Bron, Definitions
from sources.inbox import delivery_format

READ_RULE = "ALG-BEST-001"
FIRST_RECORD_ROW = 2  # spreadsheet row of the first record: the header is row 1

_BOM = b"\xef\xbb\xbf"
_CONTENT = re.compile(rb"[^\r\n]")  # anything after the header line but line breaks
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_STRING = pd.StringDtype("pyarrow")

# Accepted spellings of a boolean, compared lowercased (typen.yaml, type boolean).
_TRUE = ["true", "ja", "j", "1", "waar", "yes", "y"]
_FALSE = ["false", "nee", "n", "0", "onwaar", "no"]

# Excel and parquet timestamps write a date as "2024-01-31 00:00:00"; only midnight is a date.
_MIDNIGHT = r"[ T]00:00(:00(\.0+)?)?Z?$"
# YYYY-M(M)-D(D) or D(D)-M(M)-YYYY (Dutch Excel writes 5-1-2024).
_DATE_SHAPE = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4})$"
# 18 digits always fit an int64; "12.0" is how pandas writes an integer column with gaps.
_INTEGER = r"^[+-]?\d{1,18}([.,]0+)?$"
_DECIMAL = r"^[+-]?(\d+[.,]?\d*|[.,]\d+)([eE][+-]?\d+)?$"


class UnreadableDelivery(ValueError):
    """The file cannot be read as a table (rule ALG-BEST-001); `reason` says why, `reden_nl` in Dutch."""

    code = READ_RULE

    def __init__(self, path: Path | str, reason: str, reden_nl: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.reden_nl = reden_nl or reason
        super().__init__(f"{path}: {reason}")


@dataclass
class DeliveryFrame:
    """One delivery as strings (`raw`, every column) and parsed values (`typed`, known columns).

    `raw` has the normalised column names (trimmed, lowercased; a repeated name gets a suffix
    `.1`, `.2`); `header[i]` is the file's own name of `raw.columns[i]`. Both frames have a
    RangeIndex: record i is position i. `source_rows` holds the spreadsheet row of each record
    when it differs from i + 2 (xlsx with empty rows in between).
    """

    raw: pd.DataFrame
    typed: pd.DataFrame
    header: list[str]
    fmt: str
    source_rows: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.raw)

    def row_number(self, i: int) -> int:
        """The spreadsheet row number of record i (header = row 1, first record = row 2)."""
        if self.source_rows is not None:
            return int(self.source_rows[i])
        return i + FIRST_RECORD_ROW

    def row_numbers(self, mask: pd.Series | np.ndarray, limit: int | None = None) -> list[int]:
        """Spreadsheet row numbers of the records where `mask` is true, the first `limit` only."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if limit is not None:
            positions = positions[:limit]
        if self.source_rows is not None:
            return [int(r) for r in self.source_rows[positions]]
        return [int(p) + FIRST_RECORD_ROW for p in positions]

    def original_name(self, kolom: str) -> str:
        """The column's name as written in the file."""
        return self.header[list(self.raw.columns).index(kolom)]


# --- public entry point ----------------------------------------------------------------


def read_delivery(path: Path, bron: Bron, defs: Definitions) -> DeliveryFrame:
    """Read a delivery of `bron`; raise `UnreadableDelivery` when it is not a readable table."""
    path = Path(path)
    fmt = delivery_format(path)
    if fmt is None:
        raise UnreadableDelivery(
            path, f"unknown file format {path.suffix!r}", f"onbekend bestandsformaat {path.suffix!r}"
        )
    if path.is_file() and path.stat().st_size == 0:
        raise UnreadableDelivery(path, "the file is empty (0 bytes)", "het bestand is leeg (0 bytes)")

    try:
        names, columns, source_rows = _READERS[fmt](path)
    except OSError as exc:
        raise UnreadableDelivery(
            path, f"the file cannot be opened ({exc.strerror})", f"het bestand kan niet worden geopend ({exc.strerror})"
        ) from None
    names, header, columns = _drop_unnamed_empty(normalise_names(names), names, [_clean(c) for c in columns])
    if not names:
        raise UnreadableDelivery(path, "no header row", "geen kopregel")
    if fmt != "parquet" and not set(names) & set(bron.kolomnamen):
        # Without a header the first record would become the column names (and end up in reports).
        hint_en, hint_nl = (" (or the delimiter is not , or ;)", " (of het scheidingsteken is geen , of ;)")
        if fmt != "csv":
            hint_en = hint_nl = ""
        raise UnreadableDelivery(
            path,
            f"no header row: the first row holds none of the column names of {bron.bron}{hint_en}",
            f"geen kopregel: de eerste rij bevat geen enkele kolomnaam van {bron.bron}{hint_nl}",
        )
    raw = pa.table(dict(zip(names, columns, strict=True))).to_pandas(types_mapper=_string_mapper)
    typed = _type_columns(raw, columns, names, bron, defs)
    return DeliveryFrame(raw=raw, typed=typed, header=header, fmt=fmt, source_rows=source_rows)


def normalise_names(names: Sequence[str]) -> list[str]:
    """Trim and lowercase column names; name an unnamed column by position; suffix repeats."""
    used: set[str] = set()
    result = []
    for i, name in enumerate(names):
        base = (name or "").strip().lower() or f"(kolom {i + 1})"
        candidate, n = base, 0
        while candidate in used:
            n += 1
            candidate = f"{base}.{n}"
        used.add(candidate)
        result.append(candidate)
    return result


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], list[pa.ChunkedArray], None]:
    data = path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        raise UnreadableDelivery(
            path,
            "the file is UTF-16 (Excel 'Unicode text'); save it as 'CSV UTF-8'",
            "het bestand is UTF-16 (Excel 'Unicode-tekst'); sla het op als 'CSV UTF-8'",
        )
    start = len(_BOM) if data.startswith(_BOM) else 0
    end = data.find(b"\n", start)
    header_bytes = data[start : end if end >= 0 else len(data)].rstrip(b"\r")
    try:
        header_text = header_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise _utf8_error(path, data) from None
    if not header_text.strip():
        raise UnreadableDelivery(
            path, "no header row (the first line is empty)", "geen kopregel (de eerste regel is leeg)"
        )
    delimiter = ";" if header_text.count(";") > header_text.count(",") else ","
    names = next(csv.reader([header_text], delimiter=delimiter))
    if end < 0 or not _CONTENT.search(data, end + 1):
        return names, [pa.chunked_array([], pa.string()) for _ in names], None  # header only
    body = pa.py_buffer(data).slice(end + 1)
    # Quoted values can hold line breaks; handling them slows the parser, so only when needed.
    quoted = data.find(b'"', end) >= 0
    try:
        table = _parse_csv(body, len(names), delimiter, quoted)
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, data, body, len(names), delimiter, quoted, exc) from None
    return names, table.columns, None


def _parse_csv(
    body: pa.Buffer,
    width: int,
    delimiter: str,
    quoted: bool,
    use_threads: bool = True,
    on_invalid: Callable[[pacsv.InvalidRow], str] | None = None,
) -> pa.Table:
    keys = [f"c{i}" for i in range(width)]  # the file's names may repeat; pyarrow's must not
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(column_names=keys, use_threads=use_threads),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=quoted, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(keys, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


def _csv_error(
    path: Path, data: bytes, body: pa.Buffer, width: int, delimiter: str, quoted: bool, exc: pa.ArrowInvalid
) -> UnreadableDelivery:
    message = str(exc)
    if "UTF8" in message:
        return _utf8_error(path, data)
    if "Expected" in message and "columns" in message:
        # The threaded parser does not know line numbers; the single-threaded one does.
        invalid: list[pacsv.InvalidRow] = []

        def record(row: pacsv.InvalidRow) -> str:
            invalid.append(row)
            return "error"

        with contextlib.suppress(pa.ArrowInvalid):
            _parse_csv(body, width, delimiter, quoted, use_threads=False, on_invalid=record)
        if invalid:
            return _field_count_error(path, invalid[0], quoted)
    # Arrow appends the offending row's text after the last colon: leave it out of the report.
    return UnreadableDelivery(
        path,
        f"not a valid CSV file ({message.split(':')[0]})",
        f"geen geldig CSV-bestand ({message.split(':')[0]})",
    )


def _field_count_error(path: Path, row: pacsv.InvalidRow, quoted: bool) -> UnreadableDelivery:
    # Arrow counts records from the line after the header; with quoted line breaks a record is
    # not a line, so name the spreadsheet row (header = row 1) instead.
    en, nl = ("row", "rij") if quoted else ("line", "regel")
    where_en = f"{en} {row.number + 1}" if row.number is not None else f"a {en}"
    where_nl = f"{nl} {row.number + 1}" if row.number is not None else f"een {nl}"
    hint_en = hint_nl = ""
    if quoted and row.actual_columns < row.expected_columns:
        hint_en, hint_nl = " (is a quote left open?)", " (staat er een aanhalingsteken open?)"
    return UnreadableDelivery(
        path,
        f"{where_en} has {row.actual_columns} field(s) where the header has {row.expected_columns}{hint_en}",
        f"{where_nl} heeft {row.actual_columns} veld(en) waar de kopregel er {row.expected_columns} heeft{hint_nl}",
    )


def _utf8_error(path: Path, data: bytes) -> UnreadableDelivery:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = data.count(b"\n", 0, offset) + 1
        byte = data[offset]
        return UnreadableDelivery(
            path,
            f"the file is not UTF-8: byte 0x{byte:02x} at byte offset {offset} (line {line}); save it as 'CSV UTF-8'",
            f"het bestand is geen UTF-8: byte 0x{byte:02x} op positie {offset} (regel {line}); "
            "sla het op als 'CSV UTF-8'",
        )
    return UnreadableDelivery(path, "the file is not valid UTF-8", "het bestand is geen geldige UTF-8")


# --- xlsx ---------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> tuple[list[str], list[pa.Array], np.ndarray]:
    import openpyxl  # only xlsx deliveries need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from BadZipFile to KeyError on a broken file
        kind = type(exc).__name__
        raise UnreadableDelivery(
            path, f"not a valid xlsx workbook ({kind})", f"geen geldige xlsx-werkmap ({kind})"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong sheet size
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        records: list[tuple] = []
        row_numbers: list[int] = []
        # openpyxl yields cell by cell anyway; an xlsx holds at most ~1M rows.
        for number, row in enumerate(rows, start=FIRST_RECORD_ROW):
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
                records.append(row)
                row_numbers.append(number)
    except Exception as exc:
        kind = type(exc).__name__
        raise UnreadableDelivery(
            path, f"the xlsx workbook is damaged ({kind})", f"de xlsx-werkmap is beschadigd ({kind})"
        ) from None
    finally:
        workbook.close()
    if header is None or all(v is None or not str(v).strip() for v in header):
        raise UnreadableDelivery(
            path, "no header row (the first row of the first sheet is empty)", "geen kopregel (de eerste rij is leeg)"
        )
    width = max([len(header)] + [_used_width(r) for r in records])
    names = [_cell_text(header[j]) or "" if j < len(header) else "" for j in range(width)]
    columns = [pa.array([_cell_text(r[j]) if j < len(r) else None for r in records], pa.string()) for j in range(width)]
    return names, columns, np.asarray(row_numbers, dtype=np.int64)


def _used_width(row: tuple) -> int:
    for j in range(len(row) - 1, -1, -1):
        if row[j] is not None:
            return j + 1
    return 0


def _cell_text(value: object) -> str | None:
    """A cell as the text a CSV export would hold: ISO dates, integral numbers without '.0'."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --- parquet -------------------------------------------------------------------------------


def _read_parquet(path: Path) -> tuple[list[str], list[pa.ChunkedArray], None]:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        reason = str(exc).split(":")[0][:120]
        raise UnreadableDelivery(
            path, f"not a valid parquet file ({reason})", f"geen geldig parquet-bestand ({reason})"
        ) from None
    names = list(table.column_names)
    return names, [_as_strings(path, name, col) for name, col in zip(names, table.columns, strict=True)], None


def _as_strings(path: Path, name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed parquet column in the raw string shape of a CSV delivery."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _as_strings(path, name, pc.cast(column, kind.value_type))
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    if pa.types.is_floating(kind):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)  # NaN is pandas' "missing"
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            column = pc.local_timestamp(column)  # a date stored as a zoned instant is a local date
        # A date written as a timestamp is midnight: show it as the date a CSV would hold.
        days = pc.cast(column, pa.date32(), safe=False)
        midnight = pc.equal(pc.cast(days, column.type), column)
        return pc.if_else(midnight, pc.cast(days, pa.string()), pc.cast(column, pa.string()))
    if (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_temporal(kind)
    ):
        try:
            return pc.cast(column, pa.string())
        except pa.ArrowInvalid:
            pass
    raise UnreadableDelivery(
        path,
        f"column {name!r} has a type that cannot be read as text ({kind})",
        f"kolom {name!r} heeft een type dat niet als tekst te lezen is ({kind})",
    )


# --- shared: strings and types ------------------------------------------------------------


def _string_mapper(kind: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return _STRING if kind == pa.string() else None


def _clean(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim surrounding whitespace; an empty value is missing."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    trimmed = pc.ascii_trim_whitespace(column)
    if not pc.all(pc.string_is_ascii(trimmed)).as_py():
        # Unicode trimming (a non-breaking space from Excel) is ten times slower: only when needed.
        trimmed = pc.utf8_trim_whitespace(trimmed)
    empty = pc.equal(pc.binary_length(trimmed), 0)
    if not pc.any(empty).as_py():
        return trimmed  # a required column: no copy needed
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


def _drop_unnamed_empty(
    names: list[str], originals: list[str], columns: list[pa.ChunkedArray]
) -> tuple[list[str], list[str], list[pa.ChunkedArray]]:
    # A trailing delimiter ("a;b;c;") or a formatted empty Excel column adds a nameless empty column.
    keep = [i for i, c in enumerate(columns) if originals[i].strip() or c.null_count < len(c)]
    return [names[i] for i in keep], [originals[i] for i in keep], [columns[i] for i in keep]


def _type_columns(
    raw: pd.DataFrame, columns: list[pa.ChunkedArray], names: list[str], bron: Bron, defs: Definitions
) -> pd.DataFrame:
    by_name = dict(zip(names, columns, strict=True))
    typed: dict[str, pd.Series] = {}
    for kolom in bron.kolommen:
        if kolom.naam not in by_name:
            continue
        basis = defs.typen[kolom.type].basis
        typed[kolom.naam] = raw[kolom.naam] if basis == "string" else PARSERS[basis](by_name[kolom.naam])
    return pd.DataFrame(typed, index=raw.index)


def type_columns(raw: pd.DataFrame, bron: Bron, defs: Definitions) -> pd.DataFrame:
    """The `typed` frame for a `raw` one (trimmed strings, missing = NA), parsed as `read_delivery` does.

    Lets a consumer that only holds the raw strings (the Great Expectations batch) rebuild the
    same `DeliveryFrame` the rules saw, without reading the file again.
    """
    names = list(raw.columns)
    known = {k.naam for k in bron.kolommen if defs.typen[k.type].basis != "string"}
    # Only the columns that get parsed need Arrow arrays; string columns are taken from `raw` as they are.
    columns = [_as_chunked(raw[n]) if n in known else pa.chunked_array([], pa.string()) for n in names]
    return _type_columns(raw, columns, names, bron, defs)


def _as_chunked(series: pd.Series) -> pa.ChunkedArray:
    array = pa.array(series, type=pa.string(), from_pandas=True)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _null_unless(ok: pa.ChunkedArray, values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(ok, values, pa.scalar(None, values.type))


def parse_integer(values: pa.ChunkedArray) -> pd.Series:
    """Whole numbers ("12", "+12", "-3", "12.0") as Int64; anything else NA."""
    if pc.all(pc.ascii_is_decimal(values)).as_py() is not False:
        ints = pc.cast(values, pa.int64())  # fast path: digits only (the cast alone would take "0x10")
    else:
        ok = pc.match_substring_regex(values, _INTEGER)
        clean = pc.replace_substring_regex(pc.replace_substring_regex(values, r"^\+", ""), r"[.,]0+$", "")
        ints = pc.cast(_null_unless(ok, clean), pa.int64())
    return ints.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def parse_decimal(values: pa.ChunkedArray) -> pd.Series:
    """Decimals with a point or a comma ("3,5") as Float64; anything else (also nan, inf) NA."""
    try:
        floats = pc.cast(values, pa.float64())
    except pa.ArrowInvalid:
        ok = pc.match_substring_regex(values, _DECIMAL)
        clean = pc.replace_substring(pc.replace_substring_regex(values, r"^\+", ""), ",", ".")
        floats = pc.cast(_null_unless(ok, clean), pa.float64())
    floats = _null_unless(pc.is_finite(floats), floats)
    return floats.to_pandas(types_mapper={pa.float64(): pd.Float64Dtype()}.get)


def _strict_days(values: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The whole column as ISO dates, or None when any value is not one (Arrow's cast is strict)."""
    try:
        return pc.cast(values, pa.date32())
    except pa.ArrowInvalid:
        return None


def _dmy_as_iso(values: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """Zero-padded DD-MM-YYYY rearranged to YYYY-MM-DD, or None when some value has another shape."""
    if pc.all(pc.equal(pc.binary_length(values), 10)).as_py() is False:
        return None
    dashes = pc.and_(
        pc.equal(pc.utf8_slice_codeunits(values, 2, 3), "-"), pc.equal(pc.utf8_slice_codeunits(values, 5, 6), "-")
    )
    if pc.all(dashes).as_py() is False:
        return None
    parts = [pc.utf8_slice_codeunits(values, a, b) for a, b in ((6, 10), (3, 5), (0, 2))]
    return pc.binary_join_element_wise(*parts, "-")


def _as_datetime(days: pa.ChunkedArray) -> pd.Series:
    return pd.Series(pc.cast(days, pa.timestamp("s")).to_numpy(zero_copy_only=False))


def parse_date(values: pa.ChunkedArray) -> pd.Series:
    """Dates YYYY-MM-DD or D(D)-M(M)-YYYY, optionally with a midnight time, as datetime64[s]; else NaT."""
    # Fast paths for a column entirely in one clean format: ISO, or zero-padded DD-MM-YYYY.
    days = _strict_days(values)
    if days is None and (iso := _dmy_as_iso(values)) is not None:
        days = _strict_days(iso)
    if days is not None:
        return _as_datetime(days)
    return _as_datetime(_general_days(values))


def _general_days(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any mix of the accepted date forms, as timestamps; null where a value is not a real date."""
    if pc.any(pc.match_substring(values, ":")).as_py():
        values = pc.replace_substring_regex(values, _MIDNIGHT, "")
    text = _null_unless(pc.fill_null(pc.match_substring_regex(values, _DATE_SHAPE), False), values)
    year_last = pc.equal(pc.utf8_slice_codeunits(text, -5, -4), "-")
    # Most columns hold one form only: then the other parse is not needed.
    if pc.all(year_last).as_py() is not False:
        return _strptime_days(text, "%d-%m-%Y", 0, 2)
    if pc.any(year_last).as_py() is not True:
        return _strptime_days(text, "%Y-%m-%d", -2, None)
    return pc.if_else(year_last, _strptime_days(text, "%d-%m-%Y", 0, 2), _strptime_days(text, "%Y-%m-%d", -2, None))


def _strptime_days(text: pa.ChunkedArray, fmt: str, day_start: int, day_stop: int | None) -> pa.ChunkedArray:
    """Parse one date form; `day_start:day_stop` is where the day stands in the text (with a '-')."""
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    day = pc.cast(pc.utf8_trim(pc.utf8_slice_codeunits(text, day_start, day_stop), "-"), pa.int64())
    # strptime rolls 30 February over into March: then the day no longer matches the text.
    return _null_unless(pc.fill_null(pc.equal(pc.day(parsed), day), False), parsed)


def parse_boolean(values: pa.ChunkedArray) -> pd.Series:
    """true/false, ja/nee, j/n, 1/0, waar/onwaar, yes/no (any case) as boolean; else NA."""
    lower = pc.utf8_lower(values)
    result = pc.if_else(
        pc.is_in(lower, pa.array(_TRUE)),
        True,
        pc.if_else(pc.is_in(lower, pa.array(_FALSE)), False, pa.scalar(None, pa.bool_())),
    )
    return result.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


_READERS: dict[str, Callable[[Path], tuple[list[str], list, np.ndarray | None]]] = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "parquet": _read_parquet,
}
PARSERS = {"integer": parse_integer, "decimal": parse_decimal, "date": parse_date, "boolean": parse_boolean}
