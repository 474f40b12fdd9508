"""Hostile and careless deliveries (issue 12): no crash, no silent wrong figure, no unbounded memory.

Every case goes through what a supplier or the operator runs: `ketenmonitor check` (in-process,
or as a subprocess whose peak memory and time are measured) and one real `run_pipeline` over an
inbox holding all of them next to valid deliveries. Row, cell and byte figures are worked out by
hand in the comments.

- CR-only line ends (old Mac Excel) are read like LF;
- an xlsx formula without a stored value is refused naming its cells (ALG-XLSX-001), a stored one is read;
- a peildatum after today is refused (ALG-DATUM-002), with $KETENMONITOR_VANDAAG as "today";
- a file past a limit of `limieten` (instellingen.yaml) is refused before the expensive read
  (ALG-LIM-001), within 1 GiB and 10 s of `ketenmonitor check`;
- an xlsx with a second non-empty sheet is refused naming the sheets (ALG-XLSX-002);
- a symbolic link in the inbox is refused unread, and the archive keeps only where it pointed (ALG-BEST-003).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from valid_deliveries import VALID

from pipelines.cli import main as cli
from pipelines.run import RunSummary, run_pipeline
from sources.definitions import DEFAULT_DEFINITIONS_DIR, DEFINITIONS_DIR_ENV, load_definitions
from sources.inbox import InboxPathError, parse_delivery_path
from sources.readers import read_delivery

REPO = Path(__file__).resolve().parents[2]
GIM_ORG, GIM_HEADER, GIM_ROWS = VALID["gi_maatregelen"]
GiB = 1 << 30
MB = 1 << 20


# --- writing deliveries ------------------------------------------------------------------------


def csv_bytes(bron: str, rows: list[list[str]] | None = None, eol: str = "\n") -> bytes:
    _, header, valid = VALID[bron]
    lines = [",".join(header), *(",".join(r) for r in (valid if rows is None else rows))]
    return (eol.join(lines) + eol).encode("utf-8")


def place(root: Path, relative: str, data: bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def workbook_with(rows: list[list[object]], title: str = "Sheet") -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return workbook


def gim_with_formulas() -> openpyxl.Workbook:
    """The valid measures, with the three optional date columns of M1 and M2 as formulas.

    Columns H, I, J are datum_jeugdbeschermer, datum_plan_van_aanpak, datum_passende_hulp (the 8th to
    10th); M1 is row 2, M2 row 3. openpyxl, like any program but Excel, stores no calculated value:
    read as values, the six cells are empty, and empty is allowed there, so before issue 12 the
    delivery was accepted with every measure still waiting for its jeugdbeschermer.
    """
    workbook = workbook_with([GIM_HEADER, *GIM_ROWS])
    sheet = workbook.active
    for row in (2, 3):
        for column in "HIJ":
            year, month, day = (int(p) for p in sheet[f"{column}{row}"].value.split("-"))
            sheet[f"{column}{row}"] = f"=DATE({year},{month},{day})"
    return workbook


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {MAIN} '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row_xml(number: int, values: list[str], cells: dict[int, str] | None = None) -> bytes:
    """One sheet row of text cells; `cells` replaces the cell of a 0-based column by raw XML (REF: its reference)."""
    xml = []
    for j, value in enumerate(values):
        ref = f"{column_letter(j + 1)}{number}"
        if cells and j in cells:
            xml.append(cells[j].replace("REF", ref))
        elif value:
            xml.append(cell_xml(ref, value))
    return f'<row r="{number}">{"".join(xml)}</row>'.encode()


def write_sheet_xlsx(path: Path, rows: Iterable[bytes], dimension: str | None = None, level: int = 6) -> Path:
    """A one-sheet workbook written part by part, so that a sheet of any size streams into the zip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {MAIN}>'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def copied_row() -> bytes:
    """M1's row without a row number: a row that can be repeated any number of times."""
    return b"<row>" + row_xml(2, GIM_ROWS[0])[len(b'<row r="2">') :]


def gim_sheet_rows(records: int) -> Iterator[bytes]:
    """The header and `records` valid measures (the three valid ones in turn, ids M0, M1, ...)."""
    yield row_xml(1, GIM_HEADER)
    for i in range(records):
        values = list(GIM_ROWS[i % 3])
        values[0] = f"M{i}"
        yield row_xml(i + 2, values)


def rle_parquet(path: Path, rows: int) -> Path:
    """Every column one dictionary value, `rows` times: run-length encoded to next to nothing."""
    indices = pa.array(np.zeros(rows, dtype=np.int8))
    columns = {
        name: pa.DictionaryArray.from_arrays(indices, pa.array([GIM_ROWS[0][j] or "x"]))
        for j, name in enumerate(GIM_HEADER)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, compression="zstd", row_group_size=rows)
    return path


def dictionary_parquet(path: Path, rows: int = 5000, size: int = 1_000_000) -> Path:
    """5000 valid rows but reden_einde one 1 MB value, stored once in the dictionary page (a few KB)."""
    columns = {name: pa.array([GIM_ROWS[0][j]] * rows) for j, name in enumerate(GIM_HEADER)}
    indices = pa.array(np.zeros(rows, dtype=np.int32))
    columns["reden_einde"] = pa.DictionaryArray.from_arrays(indices, pa.array(["X" * size]))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, compression="zstd")
    return path


def check(path: Path, capsys: pytest.CaptureFixture, *options: str) -> tuple[int, str]:
    code = cli(["check", str(path), *options])
    return code, capsys.readouterr().out


# --- measured `ketenmonitor check` ---------------------------------------------------------------


@dataclass
class Measured:
    exit_code: int | None  # None: killed (memory cap or time-out)
    peak_rss: int  # bytes
    seconds: float
    output: str


# Runs the command, polls its RSS (killing it above the cap or after the time-out), and writes its exit
# status, peak RSS and wall time as JSON. A small process of its own: the kernel's peak RSS of a child
# (wait4) includes what the parent held when it forked, and pytest holds hundreds of MB.
_MEASURE = """
import json, os, subprocess, sys, time
result, cap, timeout, command = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
started = time.monotonic()
process = subprocess.Popen(command)
killed = False
while True:
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid:
        break
    try:
        with open(f"/proc/{process.pid}/status") as fh:
            rss = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        rss = 0
    if not killed and (rss > cap or time.monotonic() - started > timeout):
        process.kill()
        killed = True
    time.sleep(0.02)
code = None if killed else os.waitstatus_to_exitcode(status)
with open(result, "w") as fh:
    json.dump({"exit": code, "rss": usage.ru_maxrss * 1024, "seconds": time.monotonic() - started}, fh)
"""


def measured_check(path: Path, cap: int = 3 * GiB, timeout: float = 60.0) -> Measured:
    """`ketenmonitor check FILE` in its own process: its peak RSS (the kernel's, from wait4) and wall time.

    Killed above `cap` or after `timeout`, so that a file that still blows up fails the test
    instead of the machine.
    """
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        command = [sys.executable, "-m", "pipelines.cli", "check", str(path)]
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(result), str(cap), str(timeout), *command],
            capture_output=True,
            cwd=REPO,
            check=False,
        )
        figures = json.loads(result.read_text())
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    return Measured(figures["exit"], figures["rss"], figures["seconds"], output)


# --- 4: CR-only line ends -------------------------------------------------------------------------


def test_cr_only_csv_is_read_like_lf(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = place(tmp_path, "JBGL/gi_maatregelen/2024-03-31.csv", csv_bytes("gi_maatregelen", eol="\r"))
    code, out = check(path, capsys)
    assert code == 0, out
    assert "ACCEPTED" in out and "Traceback" not in out
    assert "Records:             3" in out  # header + 3 records, each ended by a lone CR


def test_cr_only_csv_names_the_right_rows(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [list(r) for r in GIM_ROWS]
    rows[1][4] = "ONBEKEND"  # M2's maatregel_type: the second record, spreadsheet row 3
    path = place(tmp_path, "JBGL/gi_maatregelen/2024-03-31.csv", csv_bytes("gi_maatregelen", rows, eol="\r"))
    code, out = check(path, capsys)
    assert code == 1
    assert "[FOUT / ERROR] ALG-CODE-001  kolom / column: maatregel_type" in out
    assert "aantal rijen / rows: 1; voorbeeldrijen / example rows: 3" in out


def test_cr_only_csv_not_utf8_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = csv_bytes("gi_maatregelen", eol="\r").replace(b"JR_GBM", b"JR_GBM\xe9")  # in M2's line: line 3
    path = place(tmp_path, "JBGL/gi_maatregelen/2024-03-31.csv", data)
    code, out = check(path, capsys)
    assert code == 1
    assert "ALG-BEST-001" in out and "(line 3)" in out


# --- 5: xlsx formulas without a stored value ----------------------------------------------------------


def test_xlsx_formulas_without_stored_value_are_refused_naming_the_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.xlsx"
    path.parent.mkdir(parents=True)
    gim_with_formulas().save(path)
    code, out = check(path, capsys)
    assert code == 1, out
    # H2:H3, I2:I3, J2:J3: six cells, listed by column runs in reading order.
    assert (
        "EN: JBGL/gi_maatregelen/2024-03-31.xlsx: sheet 'Sheet': H2:H3, I2:I3, J2:J3 hold(s) a formula without "
        "a stored value (6 cell(s)); open and save the file in Excel, or deliver CSV"
    ) in out
    assert "[FOUT / ERROR] ALG-XLSX-001" in out


def test_xlsx_formula_with_a_stored_value_reads_that_value(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # M1's datum_jeugdbeschermer (H2, 0-based column 7) as a formula whose value Excel stored.
    formula = '<c r="REF" t="str"><f>TEXT(DATE(2024,1,15),"yyyy-mm-dd")</f><v>2024-01-15</v></c>'
    rows = [
        row_xml(1, GIM_HEADER),
        *(row_xml(i + 2, r, {7: formula} if i == 0 else None) for i, r in enumerate(GIM_ROWS)),
    ]
    path = write_sheet_xlsx(tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.xlsx", rows)
    code, out = check(path, capsys)
    assert code == 0, out
    defs = load_definitions()
    frame = read_delivery(path, defs.bronnen["gi_maatregelen"], defs)
    assert frame.raw["datum_jeugdbeschermer"].tolist()[:2] == ["2024-01-15", "2023-05-05"]


# --- 7: a peildatum after today ------------------------------------------------------------------------


def test_peildatum_after_today_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch) -> None:
    path = place(tmp_path, "JBGL/gi_maatregelen/2024-03-31.csv", csv_bytes("gi_maatregelen"))
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "2024-03-30")
    code, out = check(path, capsys)
    assert code == 1, out
    assert "EN: JBGL/gi_maatregelen/2024-03-31.csv: the peildatum 2024-03-31 lies after today (2024-03-30)" in out
    assert "[FOUT / ERROR] ALG-DATUM-002" in out
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "2024-03-31")  # the peildatum itself is no longer in the future
    code, out = check(path, capsys)
    assert code == 0, out
    # --peildatum is judged the same way.
    code, out = check(path, capsys, "--organisatie", "JBGL", "--bron", "gi_maatregelen", "--peildatum", "2024-04-30")
    assert code == 1 and "the peildatum 2024-04-30 lies after today (2024-03-31)" in out


# --- 8: limits, before the expensive read ----------------------------------------------------------------


def limited_definitions(tmp_path: Path, monkeypatch, **limits: int) -> None:
    """A copy of the definitions with other limits, for `ketenmonitor check` in this process."""
    copy = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DEFINITIONS_DIR, copy)
    text = (copy / "instellingen.yaml").read_text(encoding="utf-8")
    for key, value in limits.items():
        start = text.index(f"  {key}: ")
        end = text.index("\n", start)
        text = text[:start] + f"  {key}: {value}" + text[end:]
    (copy / "instellingen.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(DEFINITIONS_DIR_ENV, str(copy))


def four_measures() -> list[list[str]]:
    fourth = list(GIM_ROWS[0])
    fourth[0] = "M4"
    return [*GIM_ROWS, fourth]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_row_limit_is_exact(tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch, fmt: str) -> None:
    limited_definitions(tmp_path, monkeypatch, max_rijen=3)
    folder = tmp_path / "inbox" / "JBGL" / "gi_maatregelen"
    folder.mkdir(parents=True)
    three, four = folder / f"2024-03-31.{fmt}", folder / f"2024-04-30.{fmt}"
    for path, rows in ((three, GIM_ROWS), (four, four_measures())):
        if fmt == "csv":
            path.write_bytes(csv_bytes("gi_maatregelen", rows))
        elif fmt == "xlsx":
            workbook_with([GIM_HEADER, *rows]).save(path)
        else:
            pq.write_table(pa.table({h: [r[j] for r in rows] for j, h in enumerate(GIM_HEADER)}), path)
    code, out = check(three, capsys)
    assert code == 0, out  # three records: at the limit
    code, out = check(four, capsys)
    assert code == 1, out
    expected = {
        "csv": "the file has 4 lines after the header",
        # openpyxl stores the sheet's range: header + 4 records is A1:M5.
        "xlsx": "sheet 'Sheet' declares the range A1:M5, 4 rows after the header",
        "parquet": "the file holds 4 rows",
    }[fmt]
    assert (
        f"EN: JBGL/gi_maatregelen/2024-04-30.{fmt} was not read: {expected}, more than limieten.max_rijen (3) "
        "in instellingen.yaml"
    ) in out
    assert "[FOUT / ERROR] ALG-LIM-001" in out


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_column_limit_is_exact(tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch, fmt: str) -> None:
    limited_definitions(tmp_path, monkeypatch, max_kolommen=13)
    path = tmp_path / "inbox" / "JBGL" / "gi_maatregelen" / f"2024-03-31.{fmt}"
    path.parent.mkdir(parents=True)
    header, rows = [*GIM_HEADER, "opmerking"], [[*r, "x"] for r in GIM_ROWS]  # a 14th column
    if fmt == "csv":
        path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    elif fmt == "xlsx":
        workbook_with([header, *rows]).save(path)
    else:
        pq.write_table(pa.table({h: [r[j] for r in rows] for j, h in enumerate(header)}), path)
    code, out = check(path, capsys)
    assert code == 1, out
    expected = {
        "csv": "the header has 14 columns",
        "xlsx": "sheet 'Sheet' declares the range A1:N4, 14 columns wide",  # header + 3 records, columns A-N
        "parquet": "the file has 14 columns",
    }[fmt]
    assert f"was not read: {expected}, more than limieten.max_kolommen (13) in instellingen.yaml" in out
    assert "ALG-KOL-001" not in out  # not read: nothing about its columns beyond the limit


def test_xlsx_cell_past_the_column_limit_is_refused_while_streaming(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # No stored range (the check before reading has nothing to go on): the reader stops at the cell itself,
    # XFD2 in M1's row (column 16384 is 0-based 16383).
    rows = [row_xml(1, GIM_HEADER), *(row_xml(i + 2, r) for i, r in enumerate(GIM_ROWS))]
    rows[1] = row_xml(2, [*GIM_ROWS[0], *[""] * (16384 - len(GIM_ROWS[0]))], {16383: cell_xml("REF", "x")})
    path = write_sheet_xlsx(tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.xlsx", rows)
    code, out = check(path, capsys)
    assert code == 1, out
    assert (
        "was not read: sheet 'Blad1': cell XFD2 lies in column 16384, more than limieten.max_kolommen (100) "
        "in instellingen.yaml"
    ) in out


def test_file_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.csv"
    path.parent.mkdir(parents=True)
    with path.open("wb") as fh:
        fh.truncate(257 * MB)  # sparse: 257 MB of NUL bytes that take no disk
    measured = measured_check(path)
    assert measured.exit_code == 1, measured.output
    assert (
        "was not read: the file is 257.0 MB, more than limieten.max_bestand_mb (256 MB) in instellingen.yaml"
        in measured.output
    )
    assert measured.peak_rss < GiB and measured.seconds < 10


def test_csv_line_limit_is_counted_before_parsing(tmp_path: Path) -> None:
    # The header, then 5,000,001 lines of one field each: one line past limieten.max_rijen.
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(csv_bytes("gi_maatregelen", rows=[]) + b"M\n" * 5_000_001)
    measured = measured_check(path)
    assert measured.exit_code == 1, measured.output
    assert "the file has 5000001 lines after the header, more than limieten.max_rijen (5000000)" in measured.output
    assert measured.peak_rss < GiB and measured.seconds < 10


BOMBS = {
    # A sheet of 5,000 valid rows that declares the range A1:XFD1048576 (one cell in XFD1048576): 16384
    # columns. Before: 0.9 GiB and 11 s, every record padded to 16384 cells.
    "xlsx, cell in XFD1048576": (
        "2024-03-31.xlsx",
        lambda p: write_sheet_xlsx(
            p,
            [*gim_sheet_rows(5000), b'<row r="1048576">' + cell_xml("XFD1048576", "x").encode() + b"</row>"],
            dimension="A1:XFD1048576",
        ),
        "sheet 'Blad1' declares the range A1:XFD1048576, 16384 columns wide, more than limieten.max_kolommen (100)",
    ),
    # 5,000 valid rows, each with a cell in column XFD, no stored range. Before: 1.5 GiB and 18 s.
    "xlsx, a cell in XFD on every row": (
        "2024-03-31.xlsx",
        lambda p: write_sheet_xlsx(
            p,
            (
                row[: -len(b"</row>")] + cell_xml(f"XFD{i + 1}", "x").encode() + b"</row>" if i else row
                for i, row in enumerate(gim_sheet_rows(5000))
            ),
        ),
        "sheet 'Blad1': cell XFD2 lies in column 16384, more than limieten.max_kolommen (100)",
    ),
    # 100,000 copies of one row (no row numbers): 62 MB of sheet packed some 200 to 1 into 0.3 MB.
    # Before: 35 s.
    "xlsx zip bomb, packed tight": (
        "2024-03-31.xlsx",
        lambda p: write_sheet_xlsx(
            p,
            [row_xml(1, GIM_HEADER), *[copied_row()] * 100_000],
            level=9,
        ),
        "part xl/worksheets/sheet1.xml unpacks to",
    ),
    # The same, 1,000,000 rows: 620 MB of sheet in 3 MB.
    "xlsx zip bomb, large": (
        "2024-03-31.xlsx",
        lambda p: write_sheet_xlsx(p, [row_xml(1, GIM_HEADER), *[copied_row() * 1000] * 1000], level=1),
        "the workbook unpacks to",
    ),
    # 60 million rows of one dictionary value per column: a few MB. Before: killed above 10 GiB.
    "parquet, run-length encoded": (
        "2024-03-31.parquet",
        lambda p: rle_parquet(p, 60_000_000),
        "the file holds 60000000 rows, more than limieten.max_rijen (5000000)",
    ),
    # 5,000 rows repeating one 1 MB value: 4 KB of file. The values as text: 5,000 x 1,000,000 bytes,
    # plus the other 12 values of the first valid measure (2 + 64 + 6 + 4 + 3 + 5 x 10 + 0 + 2 = 131
    # bytes) and 8 bytes for each of the 13 per row: 5,000 x (1,000,000 + 131 + 104) = 5,001,175,000
    # bytes = 4769.5 MB. Before: a traceback after 2.1 GiB.
    "parquet, huge dictionary value": (
        "2024-03-31.parquet",
        dictionary_parquet,
        "its values take 4769.5 MB as text, more than limieten.parquet_max_uitgepakt_mb (512 MB)",
    ),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_bomb_is_refused_within_1_gib_and_10_s(tmp_path: Path, bomb: str) -> None:
    name, build, reason = BOMBS[bomb]
    path = build(tmp_path / "JBGL" / "gi_maatregelen" / name)
    measured = measured_check(path)
    print(f"{bomb}: {path.stat().st_size} bytes, peak RSS {measured.peak_rss / MB:.0f} MiB, {measured.seconds:.1f} s")
    assert measured.exit_code == 1, measured.output[-2000:]
    assert "[FOUT / ERROR] ALG-LIM-001" in measured.output, measured.output[-2000:]
    assert reason in measured.output
    assert "Traceback" not in measured.output
    assert measured.peak_rss < GiB, measured.peak_rss
    assert measured.seconds < 10, measured.seconds


# --- 9: a second sheet ----------------------------------------------------------------------------------


def test_xlsx_with_a_second_non_empty_sheet_is_refused_naming_the_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    workbook = workbook_with([GIM_HEADER, *GIM_ROWS], title="Levering")
    workbook.create_sheet("Toelichting")["B5"] = "111222333"  # eleven-test: 9+8+7+12+10+8+9+6-3 = 66 = 6 x 11
    workbook.create_sheet("Blad3")  # empty: no reason to refuse
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    code, out = check(path, capsys)
    assert code == 1, out
    assert (
        "EN: JBGL/gi_maatregelen/2024-03-31.xlsx: the workbook has 2 non-empty sheets ('Levering', 'Toelichting'); "
        "deliver one sheet holding the delivery only"
    ) in out
    assert "111222333" not in out


def test_xlsx_with_empty_extra_sheets_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    workbook = workbook_with([GIM_HEADER, *GIM_ROWS], title="Blad1")
    workbook.create_sheet("Blad2")
    workbook.create_sheet("Blad3")["C3"] = "   "  # only blanks: empty
    path = tmp_path / "JBGL" / "gi_maatregelen" / "2024-03-31.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    code, out = check(path, capsys)
    assert code == 0, out


# --- 11: a symbolic link ---------------------------------------------------------------------------------


def test_check_refuses_a_symbolic_link_in_an_inbox_path(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = place(tmp_path, "elders/export.csv", csv_bytes("gi_maatregelen"))
    link = tmp_path / "inbox" / "JBGL" / "gi_maatregelen" / "2024-03-31.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    code, out = check(link, capsys)
    assert code == 1, out
    assert "ALG-BEST-003" in out and "2024-03-31.csv is a symbolic link" in out


def test_a_linked_folder_in_an_inbox_path_is_refused_too(tmp_path: Path) -> None:
    place(tmp_path, "elders/gi_maatregelen/2024-03-31.csv", csv_bytes("gi_maatregelen"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "JBGL").symlink_to(tmp_path / "elders", target_is_directory=True)
    with pytest.raises(InboxPathError, match="^.*: JBGL is a symbolic link; a link is never followed"):
        parse_delivery_path(inbox / "JBGL" / "gi_maatregelen" / "2024-03-31.csv", inbox)


# --- all of them in one `ketenmonitor run` -------------------------------------------------------------


@dataclass
class Run:
    root: Path
    summary: RunSummary
    outside: Path  # the file the link points to

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.root / "warehouse" / "ketenmonitor.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One inbox: a valid delivery next to each hostile one, through `run_pipeline` once."""
    root = tmp_path_factory.mktemp("hostile") / "data"
    inbox = root / "inbox"
    # 4: Veilig Thuis in CR-only CSV.
    place(inbox, "VT_GZ/vt_meldingen/2024-03-31.csv", csv_bytes("vt_meldingen", eol="\r"))
    # 5: JBGL's valid March, then April with formulas without a stored value.
    place(inbox, "JBGL/gi_maatregelen/2024-03-31.csv", csv_bytes("gi_maatregelen"))
    april = inbox / "JBGL" / "gi_maatregelen" / "2024-04-30.xlsx"
    gim_with_formulas().save(april)
    # 7: WSS's valid March, then a peildatum that would stay in force for good.
    place(inbox, "WSS/gi_capaciteit/2024-03-31.csv", csv_bytes("gi_capaciteit"))
    place(inbox, "WSS/gi_capaciteit/2099-12-31.csv", csv_bytes("gi_capaciteit"))
    # 8: JBRR's parquet with one 1 MB value in every row.
    dictionary_parquet(inbox / "JBRR" / "gi_maatregelen" / "2024-03-31.parquet")
    # 9: LJR's workbook with a second sheet holding a BSN.
    workbook = workbook_with([GIM_HEADER, *GIM_ROWS], title="Levering")
    workbook.create_sheet("Toelichting")["B5"] = "111222333"
    (inbox / "LJR" / "gi_maatregelen").mkdir(parents=True)
    workbook.save(inbox / "LJR" / "gi_maatregelen" / "2024-03-31.xlsx")
    # 11: DJGB's delivery is a link to a file outside the inbox.
    elsewhere = [[f"D{r[0]}", *r[1:]] for r in GIM_ROWS]  # ids DM1, DM2, DM3: no other file holds these bytes
    outside = place(root.parent, "elders/export.csv", csv_bytes("gi_maatregelen", elsewhere))
    (inbox / "DJGB" / "gi_maatregelen").mkdir(parents=True)
    (inbox / "DJGB" / "gi_maatregelen" / "2024-03-31.csv").symlink_to(outside)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.delenv("KETENMONITOR_VANDAAG", raising=False)
        summary = run_pipeline(root, log=lambda _: None)
    return Run(root, summary, outside)


def test_run_finishes_with_every_hostile_delivery_quarantined(run: Run) -> None:
    assert run.summary.failed_steps == []
    assert sorted(run.summary.accepted) == [
        "JBGL/gi_maatregelen/2024-03-31.csv",
        "VT_GZ/vt_meldingen/2024-03-31.csv",
        "WSS/gi_capaciteit/2024-03-31.csv",
    ]
    assert run.summary.quarantined == {
        "DJGB/gi_maatregelen/2024-03-31.csv": "ALG-BEST-003",
        "JBGL/gi_maatregelen/2024-04-30.xlsx": "ALG-XLSX-001",
        "JBRR/gi_maatregelen/2024-03-31.parquet": "ALG-LIM-001",
        "LJR/gi_maatregelen/2024-03-31.xlsx": "ALG-XLSX-002",
        "WSS/gi_capaciteit/2099-12-31.csv": "ALG-DATUM-002",
    }
    assert run.summary.exit_code == 2


def test_run_reads_cr_only_csv(run: Run) -> None:
    assert run.query("SELECT melding_id, datum_ontvangst::VARCHAR FROM staging.vt_meldingen ORDER BY 1") == [
        ("V1", "2024-01-05"),
        ("V2", "2024-02-10"),
        ("V3", "2024-03-20"),
    ]


def test_run_keeps_the_previous_delivery_in_force_over_formulas_and_a_future_peildatum(run: Run) -> None:
    in_force = run.query(
        "SELECT DISTINCT organisatie_code, levering_peildatum::VARCHAR FROM staging.gi_maatregelen ORDER BY 1"
    )
    assert in_force == [("JBGL", "2024-03-31")]  # not April's empty dates; LJR, JBRR and DJGB refused
    # M1 and M2 keep their jeugdbeschermer dates (H2, H3 in April's workbook).
    assert run.query("SELECT maatregel_id, datum_jeugdbeschermer::VARCHAR FROM staging.gi_maatregelen ORDER BY 1") == [
        ("M1", "2024-01-15"),
        ("M2", "2023-05-05"),
        ("M3", None),
    ]
    assert run.query("SELECT DISTINCT levering_peildatum::VARCHAR FROM staging.gi_capaciteit") == [("2024-03-31",)]
    (message,) = run.query(
        "SELECT melding_en FROM meta.regelresultaten WHERE levering_id = 'JBGL/gi_maatregelen/2024-04-30.xlsx'"
    )[0]
    assert "H2:H3, I2:I3, J2:J3 hold(s) a formula without a stored value (6 cell(s))" in message


def test_run_archives_and_reports_refused_files(run: Run) -> None:
    # A refused delivery is kept byte for byte (the link aside) and listed in quarantine.
    rows = dict(run.query("SELECT levering_id, archief_pad FROM meta.quarantaine"))
    workbook = run.root / "inbox" / "LJR" / "gi_maatregelen" / "2024-03-31.xlsx"
    assert Path(rows["LJR/gi_maatregelen/2024-03-31.xlsx"]).read_bytes() == workbook.read_bytes()
    (message,) = run.query(
        "SELECT melding_en FROM meta.regelresultaten WHERE levering_id = 'LJR/gi_maatregelen/2024-03-31.xlsx'"
    )[0]
    assert "2 non-empty sheets ('Levering', 'Toelichting')" in message
    (message,) = run.query(
        "SELECT melding_en FROM meta.regelresultaten WHERE levering_id = 'JBRR/gi_maatregelen/2024-03-31.parquet'"
    )[0]
    assert "its values take 4769.5 MB as text" in message
    assert "111222333" not in str(run.query("SELECT * FROM meta.regelresultaten"))


def test_run_never_reads_or_archives_a_linked_file(run: Run) -> None:
    content = run.outside.read_bytes()
    archived = [p for p in (run.root / "archive").rglob("*") if p.is_file()]
    assert not any(p.read_bytes() == content for p in archived)
    (note,) = [p for p in archived if "DJGB" in p.parts]
    # What the archive keeps of the link: where it pointed; its sha256 is that text's.
    text = b"symbolic link to " + str(run.outside).encode() + b"\n"
    assert note.name == f"2024-03-31.{hashlib.sha256(text).hexdigest()[:16]}.csv.symlink"
    assert note.read_bytes() == text
    ((sha256, status),) = run.query(
        "SELECT sha256, status FROM meta.leveringen WHERE levering_id = 'DJGB/gi_maatregelen/2024-03-31.csv'"
    )
    assert (sha256, status) == (hashlib.sha256(text).hexdigest(), "quarantaine")
    (message,) = run.query(
        "SELECT melding_en FROM meta.regelresultaten WHERE levering_id = 'DJGB/gi_maatregelen/2024-03-31.csv'"
    )[0]
    assert "DJGB/gi_maatregelen/2024-03-31.csv is a symbolic link" in message
    assert run.query("SELECT count(*) FROM staging.gi_maatregelen WHERE organisatie_code = 'DJGB'") == [(0,)]
