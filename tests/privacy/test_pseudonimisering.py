"""Pseudonymisation for suppliers: the published test vectors, the key, and no BSN left behind.

The expected values are literals, worked out once with Python's own `hmac` module (not the
tool's HMAC) and published in docs/privacy.md; each test recomputes them with `hmac` and with
the tool and holds both to the literal.
"""

import csv
import hashlib
import hmac
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from expectations.validate import validate_file
from sources import bsn
from sources.pseudonimisering import (
    TEST_SLEUTEL,
    SleutelFout,
    kind_id,
    lees_sleutel,
    record_ids,
    vingerafdruk,
)

REPO = Path(__file__).resolve().parents[2]
PRIVACY_DOC = REPO / "docs" / "privacy.md"

KEY = b"ketenmonitor-testsleutel-openbaar-nooit-voor-echte-bsns"
FINGERPRINT = "4a4434368af88426"
# (as written in an extract, normalised, kind_id): docs/privacy.md, "Test vectors".
VECTORS = [
    ("123456782", "123456782", "6508d4beb3d39956214c66fe4b8c8b4d9087c86d60c33665a5410b38c6df9495"),
    ("111.222.333", "111222333", "9281b79a75682ea4e55ef8e2e5886eb80cd9f3a781cc345135c619604632b27c"),
    ("12345672", "012345672", "a4f1f4ffc6eeb4b124ef9da4248a44614870ed96dfdc0ee355e872aaf787fd47"),
    ("087654325", "087654325", "9505d2398b84d5799907615887d469c8f7843cdcef185d96afb520fe9cd22da0"),
    ("7312-86-455", "731286455", "4f720d16695c25fc232fad9ec2645ea20aa701afee463328ce81bdeccef973cd"),
    ("192 837 461", "192837461", "e6abdeeae2de9046e6f77a48b1175bdfc254c7dd58e51ba50ae66df945810360"),
    ("40404043", "040404043", "7468dcec4e087ab12f68c97e02375a1b633032f86aaac5036ce115b15277d425"),
    (" 564738293 ", "564738293", "190b98a4af9cb74c5bd3211a0ae7a9539d497e49e8ede428039b748c21abd3f4"),
    ("0246.81.350", "024681350", "2deb7d9d3ee80ce0601c1437a5c21c866719f34ac7e55d15ea08a24d520ad9b9"),
    ("999999990", "999999990", "2ab5deb21b3539cac3c0453500072f4ff35aa59e74698857f02422f2f2f136ac"),
]
# The usual mistakes, for BSN 123456782 (docs/privacy.md).
DROPPED_ZERO = "2939350f75a35fa3ac1aa7558f18610c9ad2cf910a2f0882f66103636136b131"  # b"12345672"
WITH_NEWLINE = "4b47b46328b205137b8e909648aad30bb6fa44c144ede54723c142b8afa49ecc"  # b"123456782\n"
KEY_WITH_NEWLINE = "06d90cd662a17bdd832bb341cb839d26ccccff52373429f371ad84253d9efcb4"  # key + b"\n"
RECORD_ID = ("2024-000123", "597fc1b38ae1cf3157b4d8628786bc2566502761635cd6a40b15e8c0a0fce24f")


def reference_hmac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def test_the_test_key_is_the_published_one():
    assert TEST_SLEUTEL == KEY and len(KEY) == 55
    assert hashlib.sha256(b"ketenmonitor-sleutel-vingerafdruk-v1:" + KEY).hexdigest()[:16] == FINGERPRINT
    assert vingerafdruk(TEST_SLEUTEL) == FINGERPRINT


@pytest.mark.parametrize(("written", "normalised", "expected"), VECTORS)
def test_vector(written, normalised, expected):
    assert reference_hmac(KEY, normalised.encode("ascii")) == expected
    assert kind_id(written, TEST_SLEUTEL) == expected
    nine, valid, empty = bsn.normaliseer(pa.array([written]))
    assert (nine.to_pylist(), valid.tolist(), empty.tolist()) == ([normalised], [True], [False])


def test_each_mistake_gives_another_kind_id():
    right = VECTORS[0][2]
    assert reference_hmac(KEY, b"12345672") == DROPPED_ZERO
    assert reference_hmac(KEY, b"123456782\n") == WITH_NEWLINE
    assert reference_hmac(KEY + b"\n", b"123456782") == KEY_WITH_NEWLINE
    assert len({right, DROPPED_ZERO, WITH_NEWLINE, KEY_WITH_NEWLINE}) == 4
    # The tool hashes the normalised nine digits: the leading zero restored, the line break gone.
    assert kind_id("12345672", KEY) == VECTORS[2][2] != DROPPED_ZERO
    assert kind_id("123456782\n", KEY) == right != WITH_NEWLINE
    assert kind_id("123456782", KEY + b"\n") == KEY_WITH_NEWLINE
    assert vingerafdruk(KEY + b"\n") != FINGERPRINT


def test_a_record_id_is_hashed_under_its_own_key():
    value, expected = RECORD_ID
    record_key = hmac.new(KEY, b"ketenmonitor-record-id", hashlib.sha256).digest()
    assert reference_hmac(record_key, value.encode("utf-8")) == expected
    assert record_ids([value, f"  {value} "], KEY) == [expected, expected]
    # The same characters as a BSN give a record id that is not the kind_id.
    assert record_ids(["123456782"], KEY)[0] != VECTORS[0][2]


def test_not_bsns_are_invalid_and_empty_values_are_empty():
    values = ["123456789", "1234567", "12345678A", "1234567890", "000000000", "", " - ", None, "12,345,678"]
    nine, valid, empty = bsn.normaliseer(pa.array(values, pa.string()))
    assert valid.tolist() == [False] * len(values)
    assert empty.tolist() == [False, False, False, False, False, True, True, True, False]
    assert nine.null_count == len(values)
    with pytest.raises(ValueError):
        kind_id("123456789", KEY)


def test_the_docs_publish_the_same_vectors():
    doc = PRIVACY_DOC.read_text(encoding="utf-8")
    assert KEY.decode("ascii") in doc and f"`{FINGERPRINT}`" in doc
    rows = re.findall(r"^\| `([^`]*)`[^|]*\| `(\d{9})` \| `([0-9a-f]{64})` \|$", doc, flags=re.MULTILINE)
    assert rows == VECTORS
    for value in (DROPPED_ZERO, WITH_NEWLINE, KEY_WITH_NEWLINE, RECORD_ID[1], RECORD_ID[0]):
        assert value in doc


def test_the_key_file(tmp_path):
    short = tmp_path / "kort.bin"
    short.write_bytes(b"x" * 31)
    with pytest.raises(SleutelFout, match="31 bytes"):
        lees_sleutel(short)
    with pytest.raises(SleutelFout, match="no key file"):
        lees_sleutel(tmp_path / "missing.bin")
    exact = tmp_path / "sleutel.bin"
    exact.write_bytes(b"k" * 32)
    assert lees_sleutel(exact) == b"k" * 32
    # The file's bytes exactly: a trailing line break is part of the key, and the fingerprint shows it.
    exact.write_bytes(KEY + b"\n")
    assert lees_sleutel(exact) == KEY + b"\n"
    assert vingerafdruk(lees_sleutel(exact)) != FINGERPRINT


# --- the command, run as a supplier runs it -----------------------------------------------------

# Valid BSNs in every spelling an extract might use; 012345672 and 040404043 start with a zero.
BSNS = ["123456782", "111222333", "012345672", "087654325", "731286455", "040404043"]
HEADER = (
    "maatregel_id,BSN,gemeente_code,geboortejaar,maatregel_type,datum_uitspraak,datum_in_kennisstelling,"
    "datum_jeugdbeschermer,datum_plan_van_aanpak,datum_passende_hulp,datum_einde,reden_einde,"
    "scheidingsproblematiek"
)
REST = "GM0202,2015,OTS,2025-03-03,2025-03-04,2025-03-06,2025-04-01,2025-05-01,,,false"


def spellings(value: str) -> set[str]:
    forms = {value, f"{value[:4]}.{value[4:6]}.{value[6:]}", f"{value[:3]} {value[3:6]} {value[6:]}"}
    forms |= {f"{value[:3]}-{value[3:6]}-{value[6:]}", f"{value[:3]}.{value[3:6]}.{value[6:]}"}
    if value.startswith("0"):
        forms.add(value[1:])
    return forms


def run_cli(args: list[str], scratch: Path) -> subprocess.CompletedProcess:
    """`ketenmonitor` in a fresh process whose temporary folder, home and working folder are scratch."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENMONITOR_")}
    tmp = scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    env |= {
        "TMPDIR": str(tmp),
        "HOME": str(scratch / "home"),
        "KETENMONITOR_DATA_DIR": str(scratch / "data"),
        "KETENMONITOR_VANDAAG": "2025-06-15",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=scratch,
        env=env | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_with_a_bsn(folder: Path, outside: Path) -> list[str]:
    """Every file under `folder` (but not under `outside`) holding any spelling of any BSN."""
    needles = [s.encode("ascii") for b in BSNS for s in spellings(b)]
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and outside not in path.parents:
            contents = [path.read_bytes()]
            if zipfile.is_zipfile(path):  # an xlsx: its parts are compressed
                with zipfile.ZipFile(path) as archive:
                    contents += [archive.read(name) for name in archive.namelist()]
            found += [f"{path}: {n!r}" for n in needles if any(n in data for data in contents)]
    return found


def write_extracts(folder: Path) -> dict[str, Path]:
    """The same six measures as a CSV (BSNs spelled every way) and as an xlsx (BSNs as numbers)."""
    folder.mkdir(parents=True)
    written = ["123456782", "111.222.333", "12345672", "0876 54 325", "731-286-455", "40404043"]
    lines = [HEADER] + [f"M-{i},{b},{REST}" for i, b in enumerate(written, start=1)]
    (folder / "extract.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for i, b in enumerate(BSNS, start=1):
        # A spreadsheet keeps a BSN as a number: the leading zero is gone.
        ws.append([f"M-{i}", int(b), *[None if v == "" else v for v in REST.split(",")]])
    wb.save(folder / "extract.xlsx")
    (folder / "sleutel.bin").write_bytes(TEST_SLEUTEL)
    return {"csv": folder / "extract.csv", "xlsx": folder / "extract.xlsx", "sleutel": folder / "sleutel.bin"}


def pseudonimiseer_args(extract: Path, key: Path, out: Path, *extra: str) -> list[str]:
    return [
        "pseudonimiseer",
        str(extract),
        "--bsn-kolom",
        "BSN",
        "--organisatie",
        "JBGL",
        "--bron",
        "gi_maatregelen",
        "--peildatum",
        "2025-05-31",
        "--sleutel",
        str(key),
        "--uitvoer",
        str(out),
        *extra,
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_pseudonimiseer_writes_kind_ids_and_leaves_no_bsn_behind(tmp_path, fmt, defs):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    inputs = write_extracts(tmp_path / "in")
    out = scratch / "data" / "inbox"
    args = pseudonimiseer_args(inputs[fmt], inputs["sleutel"], out, "--record-kolom", "maatregel_id")
    result = run_cli(args, scratch)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"key fingerprint: {FINGERPRINT}" in result.stdout
    written = out / "JBGL" / "gi_maatregelen" / "2025-05-31.csv"
    with written.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = {n: e for _, n, e in VECTORS}
    assert [r["kind_id"] for r in rows] == [expected[b] for b in BSNS]
    assert {r["sleutel_vingerafdruk"] for r in rows} == {FINGERPRINT}
    record_key = hmac.new(KEY, b"ketenmonitor-record-id", hashlib.sha256).digest()
    assert [r["maatregel_id"] for r in rows] == [reference_hmac(record_key, f"M-{i}".encode()) for i in range(1, 7)]
    assert "bsn" not in {c.lower() for c in rows[0]}
    assert validate_file(written, defs, inbox=out).accepted
    # Nothing else is left: no hidden work folder in the output, nothing in the temporary folder.
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "JBGL",
        "JBGL/gi_maatregelen",
        "JBGL/gi_maatregelen/2025-05-31.csv",
    ]
    assert list((scratch / "tmp").iterdir()) == []
    assert files_with_a_bsn(scratch, outside=tmp_path / "in") == []
    assert not any(s in result.stdout + result.stderr for b in BSNS for s in spellings(b))
    # The scan does find BSNs where they are: in the supplier's own extract.
    assert any(str(inputs[fmt]) in hit for hit in files_with_a_bsn(tmp_path / "in", outside=scratch))


def test_an_invalid_bsn_writes_nothing_and_names_rows_only(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    inputs = write_extracts(tmp_path / "in")
    lines = inputs["csv"].read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("12345672", "12345678")  # fails the eleven-test: row 4
    lines[6] = lines[6].replace("40404043", "4040404")  # seven digits: row 7
    inputs["csv"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = scratch / "uit"
    result = run_cli(pseudonimiseer_args(inputs["csv"], inputs["sleutel"], out), scratch)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 rij(en) zonder geldig BSN" in result.stdout and "(rijen / rows 4, 7)" in result.stdout
    assert "12345678" not in result.stdout and "4040404" not in result.stdout
    assert [p for p in out.rglob("*")] == []
    assert files_with_a_bsn(scratch, outside=tmp_path / "in") == []


def test_pseudonimiseer_refuses_a_short_key_and_a_missing_column(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    inputs = write_extracts(tmp_path / "in")
    short = tmp_path / "in" / "kort.bin"
    short.write_bytes(TEST_SLEUTEL[:31])
    result = run_cli(pseudonimiseer_args(inputs["csv"], short, scratch / "uit"), scratch)
    assert result.returncode == 2 and "at least 32 bytes" in result.stderr
    assert TEST_SLEUTEL[:31].decode() not in result.stdout + result.stderr
    args = pseudonimiseer_args(inputs["csv"], inputs["sleutel"], scratch / "uit")
    args[args.index("BSN")] = "burgerservicenummer"
    result = run_cli(args, scratch)
    assert result.returncode == 2 and "no column 'burgerservicenummer'" in result.stderr


def test_a_bsn_in_another_column_or_an_unknown_column_writes_nothing(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    inputs = write_extracts(tmp_path / "in")
    lines = inputs["csv"].read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("M-5,", "564.738.293,", 1)  # a case number that is a BSN: row 6
    inputs["csv"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = scratch / "uit"
    result = run_cli(pseudonimiseer_args(inputs["csv"], inputs["sleutel"], out), scratch)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "kolom / column maatregel_id: 1 waarde(n) die op een BSN lijken" in result.stdout
    assert "(rijen / rows 6)" in result.stdout and "564" not in result.stdout
    assert [p for p in out.rglob("*")] == []
    # An unknown column may hold identifiers: refused before anything is written, its name masked.
    lines = [f"{line},x" for line in write_extracts(tmp_path / "in2")["csv"].read_text().splitlines()]
    lines[0] = lines[0][: -len(",x")] + ",040404043"
    inputs["csv"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(pseudonimiseer_args(inputs["csv"], inputs["sleutel"], out), scratch)
    assert result.returncode == 2 and "not in the contract of gi_maatregelen: [bsn]" in result.stderr
    assert [p for p in out.rglob("*")] == []
    assert files_with_a_bsn(scratch, outside=tmp_path / "in") == []


def test_a_rejected_delivery_is_not_put_in_place(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    inputs = write_extracts(tmp_path / "in")
    text = inputs["csv"].read_text(encoding="utf-8").replace("GM0202", "GM9999")  # unknown municipality
    inputs["csv"].write_text(text, encoding="utf-8")
    out = scratch / "uit"
    result = run_cli(pseudonimiseer_args(inputs["csv"], inputs["sleutel"], out), scratch)
    assert result.returncode == 1 and "ALG-REF-001" in result.stdout and "Nothing was written" in result.stdout
    assert [p for p in out.rglob("*")] == []


def test_one_fingerprint_per_delivery(tmp_path, defs):
    """ALG-VING-001: a file pseudonymised with two keys is rejected, the rows of the minority named."""
    folder = tmp_path / "inbox" / "RVDK" / "rvdk_onderzoeken"
    folder.mkdir(parents=True)
    header = (
        "onderzoek_id,kind_id,gemeente_code,geboortejaar,soort,datum_verzoek,datum_start,datum_afgerond,uitkomst,"
        "datum_rekest,sleutel_vingerafdruk"
    )
    rows = [f"O-{i},{VECTORS[i][2]},GM0202,2015,BESCHERMINGSONDERZOEK,2025-03-03,,,,,{FINGERPRINT}" for i in range(4)]
    path = folder / "2025-05-31.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert validate_file(path, defs, inbox=tmp_path / "inbox").accepted
    rows[2] = rows[2].replace(FINGERPRINT, vingerafdruk(KEY + b"\n"))
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = validate_file(path, defs, inbox=tmp_path / "inbox")
    assert [(r.code, r.kolom, r.aantal, r.rijen) for r in report.errors] == [
        ("ALG-VING-001", "sleutel_vingerafdruk", 1, [4])
    ]
    rows[1] = rows[1].replace(FINGERPRINT, "nietgoed")
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    found = {r.code: r.rijen for r in validate_file(path, defs, inbox=tmp_path / "inbox").errors}
    assert found == {"ALG-VING-001": [3, 4], "ALG-PAT-001": [3]}


def test_a_parquet_extract(tmp_path, defs):
    """A parquet extract with the BSN as a number (the leading zero lost) gives the same kind_ids."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    inputs = write_extracts(tmp_path / "in")
    with inputs["csv"].open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    table = pa.table({k: [r[k] or None for r in records] for k in records[0]})
    table = table.set_column(1, "BSN", pa.array([int(b) for b in BSNS], pa.int64()))
    pq.write_table(table, tmp_path / "in" / "extract.parquet")
    out = scratch / "uit"
    result = run_cli(pseudonimiseer_args(tmp_path / "in" / "extract.parquet", inputs["sleutel"], out), scratch)
    assert result.returncode == 0, result.stdout + result.stderr
    with (out / "JBGL" / "gi_maatregelen" / "2025-05-31.csv").open(encoding="utf-8", newline="") as fh:
        assert [r["kind_id"] for r in csv.DictReader(fh)] == [dict((n, e) for _, n, e in VECTORS)[b] for b in BSNS]
