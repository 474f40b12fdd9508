"""Reading deliveries: CSV (comma and Dutch Excel), xlsx and parquet into raw strings and typed columns."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from sources.definitions import Definitions, load_definitions
from sources.readers import (
    DeliveryFrame,
    UnreadableDelivery,
    parse_boolean,
    parse_date,
    parse_decimal,
    parse_integer,
    read_delivery,
)

KIND = [hashlib.sha256(f"kind-{i}".encode()).hexdigest() for i in range(3)]
GIM_HEADER = [
    "maatregel_id",
    "kind_id",
    "gemeente_code",
    "geboortejaar",
    "maatregel_type",
    "datum_uitspraak",
    "datum_in_kennisstelling",
    "datum_jeugdbeschermer",
    "datum_plan_van_aanpak",
    "datum_passende_hulp",
    "datum_einde",
    "reden_einde",
    "scheidingsproblematiek",
]
# The same three measures, as an ISO comma CSV and as Dutch Excel writes them.
GIM_ISO = [
    ["M1", KIND[0], "GM0214", "2015", "OTS", "2024-01-10", "2024-01-11", "2024-01-15", "2024-02-10", "2024-03-01",
     "", "", "ja"],
    ["M2", KIND[1], "GM0216", "2010", "JR_GBM", "2023-05-01", "2023-05-02", "2023-05-05", "2023-06-01", "2023-06-15",
     "2024-02-29", "DOEL_BEREIKT", "nee"],
    ["M3", KIND[0], "GM0263", "2008", "VOOGDIJ", "2022-11-30", "2022-12-01", "", "", "", "", "", ""],
]  # fmt: skip
GIM_DUTCH = [
    ["M1", KIND[0], "GM0214", "2015", "OTS", "10-01-2024", "11-1-2024", "15-01-2024", "10-02-2024", "1-3-2024", "", "",
     "Ja"],
    ["M2", KIND[1], "GM0216", "2010", "JR_GBM", "01-05-2023", "2-5-2023", "05-05-2023", "01-06-2023 00:00:00",
     "15-06-2023", "29-02-2024", "DOEL_BEREIKT", "NEE"],
    ["M3", KIND[0], "GM0263", "2008", "VOOGDIJ", "30-11-2022", "01-12-2022", "", "", "", "", "", ""],
]  # fmt: skip
GIC_HEADER = [
    "peildatum",
    "fte_jeugdbeschermer",
    "fte_jeugdreclasseerder",
    "instroom_medewerkers",
    "uitstroom_medewerkers",
    "verzuim_pct",
]
GIC_ISO = [["2024-01-31", "120.5", "30", "3", "2", "6.1"], ["2024-02-29", "121", "30.25", "0", "1", "5.9"]]
GIC_DUTCH = [["31-01-2024", "120,5", "30", "3", "2", "6,1"], ["29-02-2024", "121", "30,25", "0", "1", "5,9"]]


@pytest.fixture(scope="module")
def defs() -> Definitions:
    return load_definitions()


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], sep: str = ",", bom: bool = False, crlf: bool = False
) -> Path:
    newline = "\r\n" if crlf else "\n"
    text = newline.join(sep.join(r) for r in [header, *rows]) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def read(path: Path, defs: Definitions, bron: str = "gi_maatregelen") -> DeliveryFrame:
    return read_delivery(path, defs.bronnen[bron], defs)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# --- CSV --------------------------------------------------------------------------------------


def test_comma_csv(tmp_path: Path, defs: Definitions) -> None:
    frame = read(write_csv(tmp_path / "2024-03-31.csv", GIM_HEADER, GIM_ISO), defs)
    assert len(frame) == 3
    assert frame.fmt == "csv"
    assert frame.header == GIM_HEADER
    assert list(frame.raw.columns) == GIM_HEADER
    assert all(str(t) == "string" for t in frame.raw.dtypes)
    typed = frame.typed
    assert list(typed.columns) == GIM_HEADER
    assert str(typed["maatregel_id"].dtype) == "string"
    assert str(typed["geboortejaar"].dtype) == "Int64"
    assert str(typed["datum_uitspraak"].dtype) == "datetime64[s]"
    assert str(typed["scheidingsproblematiek"].dtype) == "boolean"
    assert typed["geboortejaar"].tolist() == [2015, 2010, 2008]
    assert typed["datum_uitspraak"].tolist() == [ts("2024-01-10"), ts("2023-05-01"), ts("2022-11-30")]
    assert typed["datum_einde"].isna().tolist() == [True, False, True]
    assert typed.loc[1, "datum_einde"] == ts("2024-02-29")
    assert typed["scheidingsproblematiek"].tolist() == [True, False, pd.NA]
    # Empty is missing, in raw and in typed.
    assert frame.raw["reden_einde"].isna().tolist() == [True, False, True]


def test_dutch_excel_csv_reads_as_the_iso_version(tmp_path: Path, defs: Definitions) -> None:
    iso = read(write_csv(tmp_path / "iso.csv", GIM_HEADER, GIM_ISO), defs)
    dutch = read(write_csv(tmp_path / "nl.csv", GIM_HEADER, GIM_DUTCH, sep=";", bom=True, crlf=True), defs)
    pd.testing.assert_frame_equal(dutch.typed, iso.typed)
    assert dutch.header == GIM_HEADER  # the BOM is not part of the first name


def test_decimal_comma(tmp_path: Path, defs: Definitions) -> None:
    iso = read(write_csv(tmp_path / "iso.csv", GIC_HEADER, GIC_ISO), defs, "gi_capaciteit")
    dutch = read(
        write_csv(tmp_path / "nl.csv", GIC_HEADER, GIC_DUTCH, sep=";", bom=True, crlf=True), defs, "gi_capaciteit"
    )
    pd.testing.assert_frame_equal(dutch.typed, iso.typed)
    assert str(iso.typed["fte_jeugdbeschermer"].dtype) == "Float64"
    assert iso.typed["fte_jeugdreclasseerder"].tolist() == [30.0, 30.25]
    assert dutch.raw["verzuim_pct"].tolist() == ["6,1", "5,9"]  # raw keeps what the file says


def test_headers_are_trimmed_and_case_insensitive(tmp_path: Path, defs: Definitions) -> None:
    header = [f"  {h.upper()} " if i % 2 else h.title() for i, h in enumerate(GIM_HEADER)]
    frame = read(write_csv(tmp_path / "x.csv", header, GIM_ISO), defs)
    assert list(frame.raw.columns) == GIM_HEADER
    assert frame.header == header
    assert list(frame.typed.columns) == GIM_HEADER
    assert frame.original_name("kind_id") == "  KIND_ID "


def test_values_are_trimmed_and_blank_is_missing(tmp_path: Path, defs: Definitions) -> None:
    rows = [list(r) for r in GIM_ISO]
    rows[0][0], rows[0][3], rows[0][12] = "  M1 ", " 2015\t", "   "
    frame = read(write_csv(tmp_path / "x.csv", GIM_HEADER, rows), defs)
    assert frame.raw.loc[0, "maatregel_id"] == "M1"
    assert frame.typed.loc[0, "geboortejaar"] == 2015
    assert pd.isna(frame.raw.loc[0, "scheidingsproblematiek"])


def test_unparsable_values_are_na_in_typed_but_kept_in_raw(tmp_path: Path, defs: Definitions) -> None:
    rows = [list(r) for r in GIM_ISO]
    rows[0][5], rows[1][3], rows[2][12] = "2024-02-30", "twintig", "misschien"
    frame = read(write_csv(tmp_path / "x.csv", GIM_HEADER, rows), defs)
    assert frame.raw.loc[0, "datum_uitspraak"] == "2024-02-30"
    assert pd.isna(frame.typed.loc[0, "datum_uitspraak"])
    assert frame.typed.loc[1, "datum_uitspraak"] == ts("2023-05-01")  # the rest of the column still parses
    assert frame.raw.loc[1, "geboortejaar"] == "twintig"
    assert pd.isna(frame.typed.loc[1, "geboortejaar"])
    assert frame.raw.loc[2, "scheidingsproblematiek"] == "misschien"
    assert pd.isna(frame.typed.loc[2, "scheidingsproblematiek"])


def test_quoted_values_hold_delimiters_and_line_breaks(tmp_path: Path, defs: Definitions) -> None:
    rows = [list(r) for r in GIM_ISO]
    rows[0][11] = '""'
    rows[1][11] = '"DOEL_BEREIKT"'
    path = write_csv(tmp_path / "x.csv", GIM_HEADER + ["opmerking"], [r + ['"a, b\nc"'] for r in rows])
    frame = read(path, defs)
    assert frame.raw["opmerking"].tolist() == ["a, b\nc"] * 3
    assert frame.raw["reden_einde"].isna().tolist() == [True, False, True]
    assert [frame.row_number(i) for i in range(3)] == [2, 3, 4]  # records, not physical lines


def test_duplicate_column_names_are_all_kept(tmp_path: Path, defs: Definitions) -> None:
    path = write_csv(tmp_path / "x.csv", GIM_HEADER + [" Kind_ID"], [r + ["extra"] for r in GIM_ISO])
    frame = read(path, defs)
    assert list(frame.raw.columns)[-2:] == ["scheidingsproblematiek", "kind_id.1"]
    assert frame.header[-1] == " Kind_ID"
    assert frame.raw["kind_id.1"].tolist() == ["extra"] * 3
    assert frame.typed["kind_id"].tolist() == [KIND[0], KIND[1], KIND[0]]  # the first one is the column


def test_trailing_delimiter_adds_no_column(tmp_path: Path, defs: Definitions) -> None:
    path = write_csv(tmp_path / "x.csv", GIM_HEADER + [""], [r + [""] for r in GIM_ISO], sep=";")
    assert list(read(path, defs).raw.columns) == GIM_HEADER


def test_unnamed_column_with_values_is_kept(tmp_path: Path, defs: Definitions) -> None:
    path = write_csv(tmp_path / "x.csv", GIM_HEADER + [""], [r + ["x"] for r in GIM_ISO])
    assert list(read(path, defs).raw.columns)[-1] == "(kolom 14)"


@pytest.mark.parametrize("ending", ["\n", "", "\r\n\r\n"])
def test_header_only_is_an_empty_frame(tmp_path: Path, defs: Definitions, ending: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(",".join(GIM_HEADER) + ending)
    frame = read(path, defs)
    assert len(frame) == 0
    assert list(frame.raw.columns) == GIM_HEADER
    assert list(frame.typed.columns) == GIM_HEADER
    assert str(frame.typed["datum_uitspraak"].dtype) == "datetime64[s]"


def test_row_numbers(tmp_path: Path, defs: Definitions) -> None:
    frame = read(write_csv(tmp_path / "x.csv", GIM_HEADER, GIM_ISO), defs)
    assert frame.row_number(0) == 2
    assert frame.row_numbers(pd.Series([False, True, True])) == [3, 4]
    assert frame.row_numbers(pd.Series([True, True, True]), limit=2) == [2, 3]


# --- unreadable files ---------------------------------------------------------------------------


def unreadable(path: Path, defs: Definitions, bron: str = "gi_maatregelen") -> UnreadableDelivery:
    with pytest.raises(UnreadableDelivery) as info:
        read(path, defs, bron)
    assert info.value.code == "ALG-BEST-001"
    assert info.value.path == path
    return info.value


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_empty_file(tmp_path: Path, defs: Definitions, ext: str) -> None:
    path = tmp_path / f"2024-03-31.{ext}"
    path.write_bytes(b"")
    assert "empty (0 bytes)" in unreadable(path, defs).reason


def test_non_utf8_bytes_name_offset_and_line(tmp_path: Path, defs: Definitions) -> None:
    header = ",".join(GIM_HEADER) + "\n"
    first = ",".join(GIM_ISO[0]) + "\n"
    second = ",".join(GIM_ISO[1]).replace("JR_GBM", "JR_GBM\xe9")
    path = tmp_path / "x.csv"
    path.write_bytes((header + first + second + "\n").encode("latin-1"))
    offset = len(header) + len(first) + second.index("\xe9")
    error = unreadable(path, defs)
    assert f"byte offset {offset} (line 3)" in error.reason
    assert "0xe9" in error.reason
    assert f"positie {offset} (regel 3)" in error.reden_nl


def test_utf16_is_named(tmp_path: Path, defs: Definitions) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes((",".join(GIM_HEADER) + "\n").encode("utf-16"))
    assert "UTF-16" in unreadable(path, defs).reason


def test_more_fields_than_header_names_the_line(tmp_path: Path, defs: Definitions) -> None:
    rows = [list(r) for r in GIM_ISO]
    rows[1] = rows[1] + ["surplus"]
    error = unreadable(write_csv(tmp_path / "x.csv", GIM_HEADER, rows), defs)
    assert error.reason == "line 3 has 14 field(s) where the header has 13"
    assert "surplus" not in error.reason and KIND[1] not in error.reason  # never quote the line


def test_fewer_fields_than_header_names_the_line(tmp_path: Path, defs: Definitions) -> None:
    rows = [list(r) for r in GIM_ISO]
    rows[2] = rows[2][:4]  # a file cut off while writing
    assert unreadable(write_csv(tmp_path / "x.csv", GIM_HEADER, rows), defs).reason.startswith("line 4 has 4 field(s)")


def test_no_header_row(tmp_path: Path, defs: Definitions) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_text("\n" + ",".join(GIM_HEADER) + "\n")
    assert "no header row" in unreadable(blank, defs).reason
    # A file without a header: the first record must not become the column names (and the report).
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("\n".join(",".join(r) for r in GIM_ISO) + "\n")
    error = unreadable(headerless, defs)
    assert "no header row" in error.reason
    assert KIND[0] not in error.reason


def test_truncated_xlsx(tmp_path: Path, defs: Definitions) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [GIM_HEADER, *GIM_ISO])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:700])
    assert "xlsx" in unreadable(bad, defs).reason


def test_corrupt_parquet(tmp_path: Path, defs: Definitions) -> None:
    good = tmp_path / "good.parquet"
    pd.DataFrame({"peildatum": ["2024-01-31"]}).to_parquet(good)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[:-20])
    assert "parquet" in unreadable(bad, defs, "gi_capaciteit").reason


def test_empty_xlsx_sheet_has_no_header(tmp_path: Path, defs: Definitions) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", [])
    assert "no header row" in unreadable(path, defs).reason


# --- xlsx and parquet ---------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_delivery_reads_as_the_csv(tmp_path: Path, defs: Definitions) -> None:
    csv = read(write_csv(tmp_path / "x.csv", GIM_HEADER, GIM_ISO), defs)
    header = [h.upper() if i == 0 else h for i, h in enumerate(GIM_HEADER)] + [None]
    rows: list[list[object]] = [
        header,
        ["M1", KIND[0], "GM0214", 2015, "OTS", datetime(2024, 1, 10), date(2024, 1, 11), "2024-01-15",
         datetime(2024, 2, 10), date(2024, 3, 1), None, None, "ja"],
        [None] * 13,  # an empty row in the sheet: skipped, but the row numbers stay the sheet's
        ["M2", KIND[1], "GM0216", 2010.0, "JR_GBM", date(2023, 5, 1), date(2023, 5, 2), date(2023, 5, 5),
         date(2023, 6, 1), date(2023, 6, 15), date(2024, 2, 29), "DOEL_BEREIKT", False],
        ["M3", KIND[0], " GM0263 ", "2008", "VOOGDIJ", "30-11-2022", date(2022, 12, 1), None, None, None, "", None,
         None],
    ]  # fmt: skip
    frame = read(write_xlsx(tmp_path / "x.xlsx", rows), defs)
    assert frame.fmt == "xlsx"
    assert frame.header == header[:-1]
    pd.testing.assert_frame_equal(frame.typed, csv.typed)
    assert frame.raw.loc[1, "geboortejaar"] == "2010"  # an integral float is written as an integer
    assert frame.raw.loc[0, "datum_uitspraak"] == "2024-01-10"  # a date cell is an ISO date
    assert frame.raw.loc[1, "scheidingsproblematiek"] == "false"
    assert frame.row_numbers(pd.Series([True, True, True])) == [2, 4, 5]
    assert frame.row_number(1) == 4


def test_xlsx_decimals_and_non_midnight_times(tmp_path: Path, defs: Definitions) -> None:
    rows: list[list[object]] = [
        GIC_HEADER,
        [datetime(2024, 1, 31), 120.5, 30, 3, 2, "6,1"],
        [datetime(2024, 2, 29, 13, 30), 121, 30.25, 0, 1, 5.9],
    ]
    frame = read(write_xlsx(tmp_path / "x.xlsx", rows), defs, "gi_capaciteit")
    assert frame.typed["fte_jeugdbeschermer"].tolist() == [120.5, 121.0]
    assert frame.typed["verzuim_pct"].tolist() == [6.1, 5.9]
    assert frame.raw["peildatum"].tolist() == ["2024-01-31", "2024-02-29 13:30:00"]
    assert frame.typed["peildatum"].isna().tolist() == [False, True]  # a time of day is not a date


def test_parquet_delivery_reads_as_the_csv(tmp_path: Path, defs: Definitions) -> None:
    csv = read(write_csv(tmp_path / "x.csv", GIM_HEADER, GIM_ISO), defs)
    data = {h: [r[i] or None for r in GIM_ISO] for i, h in enumerate(GIM_HEADER)}
    for name in GIM_HEADER:
        if name.startswith("datum_"):
            data[name] = [date.fromisoformat(v) if v else None for v in data[name]]
    data["geboortejaar"] = pd.array([2015, 2010, 2008], dtype="Int64")
    data["scheidingsproblematiek"] = pd.array([True, False, None], dtype="boolean")
    path = tmp_path / "x.parquet"
    df = pd.DataFrame(data)
    df["datum_uitspraak"] = pd.to_datetime(df["datum_uitspraak"])  # a timestamp column at midnight
    df.to_parquet(path)
    frame = read(path, defs)
    assert frame.fmt == "parquet"
    pd.testing.assert_frame_equal(frame.typed, csv.typed)
    assert frame.raw.loc[0, "datum_uitspraak"] == "2024-01-10"
    assert frame.raw.loc[0, "geboortejaar"] == "2015"
    assert frame.raw.loc[0, "scheidingsproblematiek"] == "true"
    assert all(str(t) == "string" for t in frame.raw.dtypes)


def test_parquet_numbers_become_the_csv_strings(tmp_path: Path, defs: Definitions) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame(
        {
            "peildatum": [date(2024, 1, 31), date(2024, 2, 29)],
            "fte_jeugdbeschermer": [120.5, float("nan")],  # pandas' missing value
            "fte_jeugdreclasseerder": [30.0, 30.25],
            "instroom_medewerkers": [3, 0],
            "uitstroom_medewerkers": pa.array([2, None], pa.int32()).to_pandas(),
            "verzuim_pct": [6.1, 5.9],
        }
    ).to_parquet(path)
    frame = read(path, defs, "gi_capaciteit")
    assert frame.raw["fte_jeugdreclasseerder"].tolist() == ["30", "30.25"]
    assert pd.isna(frame.raw.loc[1, "fte_jeugdbeschermer"])
    assert frame.typed["instroom_medewerkers"].tolist() == [3, 0]
    assert frame.typed["uitstroom_medewerkers"].tolist() == [2, pd.NA]


# --- value parsers --------------------------------------------------------------------------------


def chunked(values: list[str | None]) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(values, pa.string())])


@pytest.mark.parametrize(
    "text",
    ["2024-01-05", "05-01-2024", "5-1-2024", "2024-01-05 00:00:00", "05-01-2024 00:00:00", "2024-01-05T00:00:00"],
)
def test_dates_accepted(text: str) -> None:
    assert parse_date(chunked([text, None])).tolist() == [ts("2024-01-05"), pd.NaT]


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30",
        "30-02-2024",
        "29-02-2023",
        "05-13-2024",
        "2024-01-05 12:30:00",
        "2024/01/05",
        "05/01/2024",
        "05x01y2024",
        "20240105",
        "morgen",
        "5-1-24",
    ],
)
@pytest.mark.parametrize("partner", ["2024-01-05", "05-01-2024"])
def test_dates_rejected(text: str, partner: str) -> None:
    # A whole column in one format takes a fast path; a bad value sends it down the general one.
    assert parse_date(chunked([partner, text])).isna().tolist() == [False, True]


def test_leap_day() -> None:
    assert parse_date(chunked(["29-02-2024", "2024-02-29"])).tolist() == [ts("2024-02-29")] * 2


def test_integers() -> None:
    values = ["12", "+12", "-3", "2015.0", "0x10", "1e3", "1,5", "", None]
    assert parse_integer(chunked(values)).tolist() == [12, 12, -3, 2015, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]


def test_decimals() -> None:
    values = ["1,5", "2.25", "-0,25", "3", "nan", "inf", "1.234,5", "abc", None]
    assert parse_decimal(chunked(values)).tolist() == [1.5, 2.25, -0.25, 3.0, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]


def test_booleans() -> None:
    true = ["true", "TRUE", "ja", "Ja", "j", "1", "waar", "yes"]
    false = ["false", "nee", "NEE", "n", "0", "onwaar", "no", "No"]
    result = parse_boolean(chunked(true + false + ["misschien", None])).tolist()
    assert result == [True] * len(true) + [False] * len(false) + [pd.NA, pd.NA]
