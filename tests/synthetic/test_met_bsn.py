"""`generate --met-bsn`: the suppliers' raw extracts behind the deliveries, with valid fake BSNs."""

import hashlib
import hmac
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.cli import main as cli
from sources import bsn
from sources.definitions import load_definitions
from sources.pseudonimisering import TEST_SLEUTEL, VINGERAFDRUK_KOLOM, vingerafdruk
from sources.readers import read_delivery

DEFS = load_definitions()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def met_bsn(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("met_bsn")
    assert cli(["generate", "--data-dir", str(root), "--end-month", "2025-06", "--snapshots", "1", "--met-bsn"]) == 0
    return root


def test_the_inbox_does_not_depend_on_the_flag(met_bsn, tmp_path):
    assert cli(["generate", "--data-dir", str(tmp_path), "--end-month", "2025-06", "--snapshots", "1"]) == 0
    assert tree(tmp_path / "inbox") == tree(met_bsn / "inbox")
    assert not (tmp_path / "leverancier").exists()


def test_the_test_key_is_written_as_its_bytes(met_bsn):
    assert (met_bsn / "leverancier" / "testsleutel.bin").read_bytes() == TEST_SLEUTEL


def test_every_raw_extract_holds_the_bsns_behind_the_kind_ids(met_bsn):
    raw_files = sorted((met_bsn / "leverancier").glob("*/*/*.*"))
    # Every organisation's bron with a kind_id: 7 GIs, 6 Veilig Thuis organisations, the Raad.
    assert len(raw_files) == 14
    assert not list((met_bsn / "leverancier").glob("*/gi_capaciteit"))
    spelled, eight_digits = 0, 0
    for path in raw_files:
        org, bron = path.parts[-3], path.parts[-2]
        definitie = DEFS.bronnen[bron]
        own = next((met_bsn / "inbox" / org / bron).glob("2025-06-30.*"))
        delivered = read_delivery(own, definitie, DEFS).raw
        raw = read_delivery(path, definitie, DEFS).raw
        assert list(raw.columns) == [
            "bsn" if c == "kind_id" else c for c in delivered.columns if c != VINGERAFDRUK_KOLOM
        ]
        assert set(delivered[VINGERAFDRUK_KOLOM]) == {vingerafdruk(TEST_SLEUTEL)}
        nine, valid, empty = bsn.normaliseer(pa.array(raw["bsn"], pa.string()))
        assert (valid | empty).all() and (empty == delivered["kind_id"].isna().to_numpy()).all()
        # The generator's kind_id is HMAC-SHA256 of the normalised BSN under the test key (Python's hmac).
        expected = [
            None if n is None else hmac.new(TEST_SLEUTEL, n.encode(), hashlib.sha256).hexdigest()
            for n in nine.to_pylist()
        ]
        assert delivered["kind_id"].astype(object).where(delivered["kind_id"].notna(), None).tolist() == expected
        text = raw["bsn"].dropna()
        spelled += int(text.str.contains(r"[ .]").sum())
        eight_digits += int(text.str.fullmatch(r"\d{8}").sum())
    # Suppliers' spellings: separators in CSV files, a lost leading zero in spreadsheets and CSVs.
    assert spelled > 100 and eight_digits > 100
