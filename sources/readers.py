"""Read one delivery file (CSV, xlsx or parquet) into one shape for the rules.

Every format becomes a table of trimmed strings (`DeliveryFrame.raw`, missing = NA), and the
bron's known columns are parsed by their type's `basis` into `DeliveryFrame.typed`. A value
that does not parse is NA in `typed` while still present in `raw`, so rule ALG-TYPE-001 can
find it. Parsing is vectorised in pyarrow: a 2-million-row CSV reads in seconds.

A file that cannot be read as a table at all raises `UnreadableDelivery` (rule ALG-BEST-001). A
file past a limit of `limieten` (instellingen.yaml) raises `TooLargeDelivery` (ALG-LIM-001) BEFORE
the expensive read: the size on disk, then what the file's own directory or metadata declares (an
xlsx's unpacked parts, a parquet's rows, columns and page sizes), then, while streaming, every xlsx
cell's column and a parquet's values as text. So a sheet cell in column XFD, a zip bomb or a
run-length-encoded parquet column costs a rule, not the run's memory. An xlsx workbook is refused
when a formula cell holds no stored value (`UncachedFormulas`, ALG-XLSX-001: it would read as
empty) or when a sheet besides the first holds anything (`ExtraSheets`, ALG-XLSX-002: it would be
archived unchecked). All of them are `RefusedDelivery`; `RefusedDelivery.all` lists every refusal
of one file. Reasons never quote cell values: a broken line may hold a pseudonym or a BSN.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import re
import zipfile
from array import array
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

from sources.definitions import Bron, Definitions, Limieten
from sources.inbox import delivery_format

READ_RULE = "ALG-BEST-001"
FIRST_RECORD_ROW = 2  # spreadsheet row of the first record: the header is row 1

_BOM = b"\xef\xbb\xbf"
_CONTENT = re.compile(rb"[^\r\n]")  # anything after the header line but line breaks
# A line ends in LF, CRLF or a lone CR (old Mac Excel "CSV (Macintosh)"); Arrow's parser takes all three.
_LINE_END = re.compile(rb"\r\n?|\n")
MB = 1 << 20  # the limits' megabyte
_DIGITS = re.compile(r"[\d\s.\-]*")
# xlsx parts smaller than this are not held to the compression ratio (Apache POI's grace size):
# a small part may pack tightly and still cost nothing to unpack.
_RATIO_GRACE = 100 * 1024
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


class RefusedDelivery(ValueError):
    """The reader refuses the file under the general rule of kind `controle`; `reason` says why, `reden_nl` in Dutch.

    `also` holds further refusals of the same file (an xlsx with formulas without a value and a second
    sheet), so that a supplier learns every problem at once; `all` is this one and those.
    """

    controle = "leesbaar"

    def __init__(self, path: Path | str, reason: str, reden_nl: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.reden_nl = reden_nl or reason
        self.also: list[RefusedDelivery] = []
        super().__init__(f"{path}: {reason}")

    @property
    def all(self) -> list[RefusedDelivery]:
        return [self, *self.also]


class UnreadableDelivery(RefusedDelivery):
    """The file cannot be read as a table (rule ALG-BEST-001)."""

    code = READ_RULE
    controle = "leesbaar"


class TooLargeDelivery(RefusedDelivery):
    """The file is past a limit of `limieten` in instellingen.yaml (rule ALG-LIM-001); it was not read (on)."""

    controle = "binnen_limieten"


class UncachedFormulas(RefusedDelivery):
    """Cells of xlsx sheet `sheet` (its label, `sheet_label`) hold a formula without a stored value (ALG-XLSX-001).

    `cells` are (row, column), 1-based, in sheet order; `cell_ranges` writes them as "B2, F2:F40".
    """

    controle = "formules_met_waarde"

    def __init__(self, path: Path | str, sheet: str, cells: list[tuple[int, int]]) -> None:
        self.sheet = sheet
        self.cells = cells
        text = cell_ranges(cells)
        super().__init__(
            path,
            f"sheet {sheet}: {text} hold(s) a formula without a stored value",
            f"werkblad {sheet}: {text} bevat(ten) een formule zonder opgeslagen waarde",
        )


class ExtraSheets(RefusedDelivery):
    """An xlsx workbook has more than one non-empty sheet (rule ALG-XLSX-002); `sheets` labels them in order."""

    controle = "een_werkblad"

    def __init__(self, path: Path | str, sheets: list[str]) -> None:
        self.sheets = sheets
        names = ", ".join(sheets)
        super().__init__(
            path, f"{len(sheets)} non-empty sheets ({names})", f"{len(sheets)} niet-lege werkbladen ({names})"
        )


def _too_large(
    path: Path,
    what_en: str,
    what_nl: str,
    setting: str,
    limit: float,
    unit: str = "",
    hint: tuple[str, str] = ("", ""),
) -> TooLargeDelivery:
    """A limit breach, worded the same way for every limit: what the file has, the setting, what to do."""
    shown = (str(int(limit)) if float(limit).is_integer() else str(limit)) + unit
    return TooLargeDelivery(
        path,
        f"{what_en}, more than limieten.{setting} ({shown}) in instellingen.yaml{hint[0]}",
        f"{what_nl}, meer dan limieten.{setting} ({shown}) in instellingen.yaml{hint[1]}",
    )


def _mb(size: int | float) -> str:
    return f"{size / MB:.1f}"


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
    """Read a delivery of `bron`; raise a `RefusedDelivery` when it is not a readable table within the limits."""
    path = Path(path)
    fmt = delivery_format(path)
    if fmt is None:
        raise UnreadableDelivery(
            path, f"unknown file format {path.suffix!r}", f"onbekend bestandsformaat {path.suffix!r}"
        )
    limits = defs.instellingen.limieten
    size = path.stat().st_size if path.is_file() else None
    if size == 0:
        raise UnreadableDelivery(path, "the file is empty (0 bytes)", "het bestand is leeg (0 bytes)")
    if size is not None and size > limits.max_bestand_mb * MB:
        raise _too_large(
            path,
            f"the file is {_mb(size)} MB",
            f"het bestand is {_mb(size)} MB",
            "max_bestand_mb",
            limits.max_bestand_mb,
            " MB",
        )

    try:
        names, columns, source_rows = _READERS[fmt](path, limits)
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


def _read_csv(path: Path, limits: Limieten) -> tuple[list[str], list[pa.ChunkedArray], None]:
    data = path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        raise UnreadableDelivery(
            path,
            "the file is UTF-16 (Excel 'Unicode text'); save it as 'CSV UTF-8'",
            "het bestand is UTF-16 (Excel 'Unicode-tekst'); sla het op als 'CSV UTF-8'",
        )
    start = len(_BOM) if data.startswith(_BOM) else 0
    line_end = _LINE_END.search(data, start)
    end, body_start = (line_end.start(), line_end.end()) if line_end else (len(data), len(data))
    try:
        header_text = data[start:end].decode("utf-8")
    except UnicodeDecodeError:
        raise _utf8_error(path, data) from None
    if not header_text.strip():
        raise UnreadableDelivery(
            path, "no header row (the first line is empty)", "geen kopregel (de eerste regel is leeg)"
        )
    delimiter = ";" if header_text.count(";") > header_text.count(",") else ","
    names = next(csv.reader([header_text], delimiter=delimiter))
    if len(names) > limits.max_kolommen:
        raise _too_large(
            path,
            f"the header has {len(names)} columns",
            f"de kopregel heeft {len(names)} kolommen",
            "max_kolommen",
            limits.max_kolommen,
        )
    if line_end is None or not _CONTENT.search(data, body_start):
        return names, [pa.chunked_array([], pa.string()) for _ in names], None  # header only
    # Records are at most the lines after the header (a quoted line break makes a record longer),
    # counted before parsing, at memory speed: every LF, CRLF and lone CR ends one.
    lines = data.count(b"\n", body_start) + data.count(b"\r", body_start) - data.count(b"\r\n", body_start)
    lines += not data.endswith((b"\r", b"\n"))
    if lines > limits.max_rijen:
        raise _too_large(
            path,
            f"the file has {lines} lines after the header",
            f"het bestand heeft {lines} regels na de kopregel",
            "max_rijen",
            limits.max_rijen,
        )
    body = pa.py_buffer(data).slice(body_start)
    # Quoted values can hold line breaks; handling them slows the parser, so only when needed.
    quoted = data.find(b'"', body_start) >= 0
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
        line = len(_LINE_END.findall(data, 0, offset)) + 1
        byte = data[offset]
        return UnreadableDelivery(
            path,
            f"the file is not UTF-8: byte 0x{byte:02x} at byte offset {offset} (line {line}); save it as 'CSV UTF-8'",
            f"het bestand is geen UTF-8: byte 0x{byte:02x} op positie {offset} (regel {line}); "
            "sla het op als 'CSV UTF-8'",
        )
    return UnreadableDelivery(path, "the file is not valid UTF-8", "het bestand is geen geldige UTF-8")


# --- xlsx ---------------------------------------------------------------------------------


def _read_xlsx(path: Path, limits: Limieten) -> tuple[list[str], list[pa.Array], np.ndarray]:
    import openpyxl  # only xlsx deliveries need it

    _check_xlsx_package(path, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from BadZipFile to KeyError on a broken file
        kind = type(exc).__name__
        raise UnreadableDelivery(
            path, f"not a valid xlsx workbook ({kind})", f"geen geldige xlsx-werkmap ({kind})"
        ) from None
    try:
        if not workbook.worksheets:
            raise UnreadableDelivery(path, "the workbook has no sheet", "de werkmap heeft geen werkblad")
        sheet = workbook.worksheets[0]
        _check_declared_range(path, sheet, limits)
        # Another sheet is not part of the delivery and would stay in the archive unchecked.
        others = [
            sheet_label(other.title, i)
            for i, other in enumerate(workbook.worksheets[1:], start=2)
            if _sheet_has_content(workbook, other)
        ]
        header, cells, row_numbers, uncached = _read_sheet(path, workbook, sheet, limits)
    except RefusedDelivery:
        raise
    except Exception as exc:
        kind = type(exc).__name__
        raise UnreadableDelivery(
            path, f"the xlsx workbook is damaged ({kind})", f"de xlsx-werkmap is beschadigd ({kind})"
        ) from None
    finally:
        workbook.close()
    refusals: list[RefusedDelivery] = []
    if others:
        refusals.append(ExtraSheets(path, [sheet_label(sheet.title, 1), *others]))
    if uncached:
        refusals.append(UncachedFormulas(path, sheet_label(sheet.title, 1), uncached))
    if refusals:
        refusals[0].also = refusals[1:]
        raise refusals[0]
    if not header:
        raise UnreadableDelivery(
            path, "no header row (the first row of the first sheet is empty)", "geen kopregel (de eerste rij is leeg)"
        )
    records, columns, values = cells
    width = max([max(header) + 1] + ([max(columns) + 1] if columns else []))
    names = [_cell_text(header.get(j)) or "" for j in range(width)]
    return names, _sparse_columns(records, columns, values, len(row_numbers), width), np.asarray(row_numbers, np.int64)


def _check_xlsx_package(path: Path, limits: Limieten) -> None:
    """The unpacked size and compression ratio of the workbook's parts, from its zip directory, before unpacking.

    Python's zipfile stops at the size a part declares (and then fails its CRC), so the declared sizes
    bound what reading the workbook unpacks.
    """
    limit = limits.xlsx_max_uitgepakt_mb * MB
    if path.stat().st_size > limit:
        # Compression never makes a sheet larger: a bigger file is no workbook within the limit.
        raise _too_large(
            path,
            f"the workbook is {_mb(path.stat().st_size)} MB before unpacking",
            f"de werkmap is al {_mb(path.stat().st_size)} MB voor het uitpakken",
            "xlsx_max_uitgepakt_mb",
            limits.xlsx_max_uitgepakt_mb,
            " MB",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        kind = type(exc).__name__
        raise UnreadableDelivery(
            path, f"not a valid xlsx workbook ({kind})", f"geen geldige xlsx-werkmap ({kind})"
        ) from None
    total = sum(p.file_size for p in parts)
    if total > limit:
        raise _too_large(
            path,
            f"the workbook unpacks to {_mb(total)} MB",
            f"de werkmap is uitgepakt {_mb(total)} MB",
            "xlsx_max_uitgepakt_mb",
            limits.xlsx_max_uitgepakt_mb,
            " MB",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_GRACE and ratio > limits.xlsx_max_compressieverhouding:
            name = part.filename[:80]
            raise _too_large(
                path,
                f"part {name} unpacks to {ratio:.0f} times its packed size (a zip bomb)",
                f"onderdeel {name} is uitgepakt {ratio:.0f} keer zo groot als ingepakt (een zipbom)",
                "xlsx_max_compressieverhouding",
                limits.xlsx_max_compressieverhouding,
            )


def _check_declared_range(path: Path, sheet, limits: Limieten) -> None:
    """The range the sheet declares (`<dimension ref="A1:XFD1048576">`), before any cell is read."""
    columns, rows = sheet.max_column, sheet.max_row
    if columns is None or rows is None:
        return  # no dimension stored: the cells are checked one by one while reading
    label = sheet_label(sheet.title, 1)
    ref = f"{_column_letter(sheet.min_column)}{sheet.min_row}:{_column_letter(columns)}{rows}"
    if columns > limits.max_kolommen:
        raise _too_large(
            path,
            f"sheet {label} declares the range {ref}, {columns} columns wide",
            f"werkblad {label} geeft het bereik {ref} op, {columns} kolommen breed",
            "max_kolommen",
            limits.max_kolommen,
            hint=(
                "; delete the columns after the data (or deliver CSV)",
                "; verwijder de kolommen na de gegevens (of lever CSV)",
            ),
        )
    if rows - 1 > limits.max_rijen:
        raise _too_large(
            path,
            f"sheet {label} declares the range {ref}, {rows - 1} rows after the header",
            f"werkblad {label} geeft het bereik {ref} op, {rows - 1} rijen na de kopregel",
            "max_rijen",
            limits.max_rijen,
        )


@functools.cache
def _sheet_parser_class() -> type:
    """openpyxl's sheet parser, noting every formula cell that has no stored value.

    With `data_only` openpyxl gives a formula cell's stored value, and None when there is none: the
    same None as an empty cell. A formula written by a program (not saved by Excel) has no stored
    value, so the delivery would silently read as empty dates and codes.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class SheetParser(WorkSheetParser):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.uncached: list[tuple[int, int]] = []

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            # No value, or an empty one (openpyxl writes `<v/>`); only a text result may be empty.
            if element.find(FORMULA_TAG) is not None and not element.findtext(VALUE_TAG) and element.get("t") != "str":
                self.uncached.append((cell["row"], cell["column"]))
            return cell

    return SheetParser


def _sheet_parser(workbook, sheet, source):
    # openpyxl's own sheet parser, built as its read-only worksheet builds it (openpyxl/worksheet/_read_only.py,
    # `_cells_by_row`), but iterated here: openpyxl pads every row to its last cell (16384 wide for a cell in
    # column XFD), and its public rows cannot tell an empty cell from a formula without a stored value.
    return _sheet_parser_class()(
        source,
        sheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def sheet_label(title: str, position: int) -> str:
    """A sheet as a message names it: its name quoted, or "#2" when the name is digits only (it could be a BSN)."""
    return f"#{position}" if _DIGITS.fullmatch(title) else repr(title)


def _column_letter(number: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_ranges(cells: list[tuple[int, int]], limit: int | None = None) -> str:
    """(row, column) cells as spreadsheet ranges per column ("B2, F2:F40"), the first `limit` ranges only."""
    ranges: list[tuple[int, int, int]] = []  # column, first row, last row
    for row, column in sorted(set(cells), key=lambda c: (c[1], c[0])):
        if ranges and ranges[-1][0] == column and ranges[-1][2] == row - 1:
            ranges[-1] = (column, ranges[-1][1], row)
        else:
            ranges.append((column, row, row))
    ranges.sort(key=lambda r: (r[1], r[0]))  # in reading order: by first row, then column
    texts = [
        f"{_column_letter(c)}{a}" if a == b else f"{_column_letter(c)}{a}:{_column_letter(c)}{b}" for c, a, b in ranges
    ]
    if limit is not None and len(texts) > limit:
        return ", ".join(texts[:limit]) + f", ... (+{len(texts) - limit})"
    return ", ".join(texts)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _sheet_has_content(workbook, sheet) -> bool:
    """Whether any cell of the sheet holds a value or a formula; stops at the first one."""
    with sheet._get_source() as source:
        parser = _sheet_parser(workbook, sheet, source)
        for _, row in parser.parse():
            if parser.uncached or any(_filled(cell["value"]) for cell in row):
                return True
    return False


def _read_sheet(
    path: Path, workbook, sheet, limits: Limieten
) -> tuple[dict[int, object], tuple[array, array, list], list[int], list[tuple[int, int]]]:
    """The header (0-based column -> value), the filled cells of the records and their rows, and the formulas
    without a stored value.

    The cells are kept sparse, as (record, column, value), never as rows padded to the widest one: one
    cell in column XFD must not make every row 16384 cells wide. A filled cell past `max_kolommen` or a
    record past `max_rijen` stops the reading at once.
    """
    label = sheet_label(sheet.title, 1)
    header: dict[int, object] = {}
    records, columns, values = array("q"), array("q"), []
    row_numbers: list[int] = []
    with sheet._get_source() as source:
        parser = _sheet_parser(workbook, sheet, source)
        for number, row in parser.parse():
            filled = [(cell["column"], cell["value"]) for cell in row if _filled(cell["value"])]
            if not filled:
                continue
            for column, _ in filled:
                if column > limits.max_kolommen:
                    cell = f"{_column_letter(column)}{number}"
                    raise _too_large(
                        path,
                        f"sheet {label}: cell {cell} lies in column {column}",
                        f"werkblad {label}: cel {cell} staat in kolom {column}",
                        "max_kolommen",
                        limits.max_kolommen,
                    )
            if number == 1:
                header = {column - 1: value for column, value in filled}
                continue
            if number < 1:
                continue
            if len(row_numbers) >= limits.max_rijen:
                raise _too_large(
                    path,
                    f"sheet {label} has more than {limits.max_rijen} filled rows after the header",
                    f"werkblad {label} heeft meer dan {limits.max_rijen} gevulde rijen na de kopregel",
                    "max_rijen",
                    limits.max_rijen,
                )
            record = len(row_numbers)
            row_numbers.append(number)
            for column, value in filled:
                records.append(record)
                columns.append(column - 1)
                values.append(value)
        uncached = parser.uncached
    return header, (records, columns, values), row_numbers, uncached


def _sparse_columns(records: array, columns: array, values: list, length: int, width: int) -> list[pa.Array]:
    """One string array per column from the sparse cells; a cell not given is missing."""
    record_of = np.frombuffer(records, np.int64) if len(records) else np.zeros(0, np.int64)
    column_of = np.frombuffer(columns, np.int64) if len(columns) else np.zeros(0, np.int64)
    order = np.argsort(column_of, kind="stable")  # per column, the cells stay in record order
    bounds = np.searchsorted(column_of[order], np.arange(width + 1))
    result = []
    for j in range(width):
        cells = order[bounds[j] : bounds[j + 1]]
        texts = pa.array([_cell_text(values[i]) for i in cells], pa.string())
        positions = np.full(length, -1, np.int64)
        positions[record_of[cells]] = np.arange(len(cells))
        result.append(pc.take(texts, pa.array(positions, mask=positions < 0)))
    return result


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


def _read_parquet(path: Path, limits: Limieten) -> tuple[list[str], list[pa.ChunkedArray], None]:
    try:
        text, fixed = _check_parquet(path, limits)
        # Text columns come as dictionaries: a value stored once stays once until its size is known.
        table = pq.read_table(path, read_dictionary=text)
    except (pa.ArrowException, OSError) as exc:
        raise _parquet_error(path, exc) from None
    _check_parquet_text(path, table, fixed, limits)
    names, columns = list(table.column_names), table.columns
    del table
    strings = []
    for i, name in enumerate(names):
        strings.append(_as_strings(path, name, columns[i]))
        columns[i] = None  # each column's dictionary form goes as soon as its text is there
    return names, strings, None


def _parquet_error(path: Path, exc: Exception) -> UnreadableDelivery:
    reason = str(exc).split(":")[0][:120]
    return UnreadableDelivery(path, f"not a valid parquet file ({reason})", f"geen geldig parquet-bestand ({reason})")


def _is_text(kind: pa.DataType) -> bool:
    """Stored as parquet BYTE_ARRAY: values of any length, which a dictionary page can repeat at no cost."""
    if pa.types.is_dictionary(kind):
        return _is_text(kind.value_type)
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _readable_type(kind: pa.DataType) -> bool:
    """A type `_as_strings` can turn into text; the others are refused before any value is read."""
    if pa.types.is_dictionary(kind):
        return _readable_type(kind.value_type)
    return _is_text(kind) or any(
        test(kind)
        for test in (
            pa.types.is_null,
            pa.types.is_integer,
            pa.types.is_floating,
            pa.types.is_decimal,
            pa.types.is_boolean,
            pa.types.is_temporal,
        )
    )


# A value that is not text counts as this many bytes of text (a date is 10, a timestamp 19 to 26).
_OTHER_TEXT_BYTES = 24
# Per value: its offset in the string column (and more after conversion).
_VALUE_BYTES = 8


def _check_parquet(path: Path, limits: Limieten) -> tuple[list[str], int]:
    """Rows, columns, types and unpacked size from the metadata, before any value is read.

    Returns the text columns (to read as dictionaries) and what the other values take as text.
    """
    parquet = pq.ParquetFile(path)
    meta, schema = parquet.metadata, parquet.schema_arrow
    if meta.num_rows > limits.max_rijen:
        raise _too_large(
            path,
            f"the file holds {meta.num_rows} rows",
            f"het bestand bevat {meta.num_rows} rijen",
            "max_rijen",
            limits.max_rijen,
        )
    width = max(len(schema), meta.num_columns)
    if width > limits.max_kolommen:
        raise _too_large(
            path,
            f"the file has {width} columns",
            f"het bestand heeft {width} kolommen",
            "max_kolommen",
            limits.max_kolommen,
        )
    for spec in schema:
        if not _readable_type(spec.type):
            raise UnreadableDelivery(
                path,
                f"column {spec.name!r} has a type that cannot be read as text ({spec.type})",
                f"kolom {spec.name!r} heeft een type dat niet als tekst te lezen is ({spec.type})",
            )
    declared = sum(
        meta.row_group(g).column(c).total_uncompressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    )
    if declared > limits.parquet_max_uitgepakt_mb * MB:
        raise _parquet_too_large(
            path, f"its pages unpack to {_mb(declared)} MB", f"de pagina's zijn uitgepakt {_mb(declared)} MB", limits
        )
    text = [spec.name for spec in schema if _is_text(spec.type)]
    fixed = meta.num_rows * (_VALUE_BYTES * len(schema) + _OTHER_TEXT_BYTES * (len(schema) - len(text)))
    if fixed > limits.parquet_max_uitgepakt_mb * MB:
        raise _parquet_too_large(
            path, f"its values take {_mb(fixed)} MB as text", f"de waarden zijn als tekst {_mb(fixed)} MB", limits
        )
    return text, fixed


def _check_parquet_text(path: Path, table: pa.Table, size: int, limits: Limieten) -> None:
    """The text the dictionary-encoded columns stand for, added up before a value is converted.

    A dictionary-encoded column stores a value once and then only its index: a few KB of file can
    repeat a 1 MB value in every row.
    """
    for column in table.columns:
        if not _is_text(column.type):
            continue  # counted at a fixed width from the metadata
        for chunk in column.chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.take(pc.binary_length(chunk.dictionary), chunk.indices)
            else:
                lengths = pc.binary_length(chunk)
            size += pc.sum(lengths).as_py() or 0
    if size > limits.parquet_max_uitgepakt_mb * MB:
        raise _parquet_too_large(
            path, f"its values take {_mb(size)} MB as text", f"de waarden zijn als tekst {_mb(size)} MB", limits
        )


def _parquet_too_large(path: Path, what_en: str, what_nl: str, limits: Limieten) -> TooLargeDelivery:
    return _too_large(path, what_en, what_nl, "parquet_max_uitgepakt_mb", limits.parquet_max_uitgepakt_mb, " MB")


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


_READERS: dict[str, Callable[[Path, Limieten], tuple[list[str], list, np.ndarray | None]]] = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "parquet": _read_parquet,
}
PARSERS = {"integer": parse_integer, "decimal": parse_decimal, "date": parse_date, "boolean": parse_boolean}
