"""The supplier route end to end: raw extracts with BSNs -> `pseudonimiseer` -> inbox -> a real run.

`generate --met-bsn` writes, beside the inbox, every supplier's own extract (a BSN column
instead of kind_id) and the test key. Pseudonymised with `ketenmonitor pseudonimiseer`, those
extracts must give the generator's own kind_ids, be accepted, and link across the chain exactly
as the generator's deliveries do.
"""

import shutil

import pyarrow.parquet as pq
import pytest

from pipelines.cli import main as cli
from pipelines.run import run_pipeline
from sources.pseudonimisering import TEST_SLEUTEL, vingerafdruk
from sources.readers import read_delivery
from synthetic import generate
from tests.warehouse_queries import one, query

pytestmark = pytest.mark.slow

PEILDATUM = "2025-06-30"
# Chain-link shares over every new JB trajectory, all regions, whole years.
SHARE = (
    "SELECT sum(jb_trajecten), sum(met_rvdk_onderzoek), sum(met_vt_melding) FROM marts.doorstroom "
    "WHERE jeugdregio_code = 'TOTAAL' AND periode_type = 'jaar'"
)


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """Two data dirs: the generator's own deliveries, and the same deliveries made by `pseudonimiseer`."""
    base = tmp_path_factory.mktemp("keten")
    eigen, leverancier = base / "eigen", base / "leverancier"
    summary = generate(eigen, scale="demo", end_month="2025-06", snapshots=1, met_bsn=True)
    assert summary.sleutel_bestand.read_bytes() == TEST_SLEUTEL
    shutil.copytree(eigen / "inbox", leverancier / "inbox")
    pairs = []
    for raw in summary.leverancier:
        own = next(f.path for f in summary.files if (f.organisatie_code, f.bron) == (raw.organisatie_code, raw.bron))
        (leverancier / own.relative_to(eigen)).unlink()
        # One Veilig Thuis numbers its meldingen internally: they are pseudonymised too.
        extra = ["--record-kolom", "melding_id"] if raw.organisatie_code == "VT_GZ" else []
        args = [
            "pseudonimiseer",
            str(raw.path),
            "--bsn-kolom",
            "bsn",
            "--organisatie",
            raw.organisatie_code,
            "--bron",
            raw.bron,
            "--peildatum",
            PEILDATUM,
            "--sleutel",
            str(summary.sleutel_bestand),
            "--uitvoer",
            str(leverancier / "inbox"),
            *extra,
        ]
        assert cli(args) == 0, raw
        pairs.append((own, leverancier / "inbox" / raw.organisatie_code / raw.bron / f"{PEILDATUM}.csv", raw))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        for root in (eigen, leverancier):
            assert run_pipeline(root, log=lambda _: None).exit_code == 0, root
    return eigen, leverancier, pairs


def test_the_raw_extracts_hold_valid_bsns_in_the_suppliers_spellings(routes):
    _, _, pairs = routes
    assert {raw.bron for _, _, raw in pairs} == {"gi_maatregelen", "vt_meldingen", "rvdk_onderzoeken"}
    spreadsheet = [raw for _, _, raw in pairs if raw.format in ("xlsx", "parquet")]
    text = [raw for _, _, raw in pairs if raw.format.startswith("csv")]
    assert spreadsheet and text
    parquet = next(raw for raw in spreadsheet if raw.format == "parquet")
    assert str(pq.read_schema(parquet.path).field("bsn").type) == "int64"


def test_pseudonimiseer_gives_the_generators_kind_ids(routes, defs):
    _, _, pairs = routes
    fingerprint = vingerafdruk(TEST_SLEUTEL)
    for own, made, raw in pairs:
        bron = defs.bronnen[raw.bron]
        a, b = read_delivery(own, bron, defs).raw, read_delivery(made, bron, defs).raw
        assert a["kind_id"].tolist() == b["kind_id"].tolist(), made
        assert set(b["sleutel_vingerafdruk"]) == set(a["sleutel_vingerafdruk"]) == {fingerprint}
        assert "bsn" not in b.columns
        record = bron.record_id
        if raw.organisatie_code == "VT_GZ":
            assert b[record].str.fullmatch("[0-9a-f]{64}").all()
            # One record id per melding: a melding about siblings stays one melding.
            assert a[record].nunique() == b[record].nunique() < len(b)
        else:
            assert a[record].tolist() == b[record].tolist()


def test_the_chain_links_as_with_the_generators_pseudonyms(routes):
    eigen, leverancier, _ = routes
    trajecten, met_rvdk, met_vt = one(eigen, SHARE)
    # A real chain: most new JB trajectories follow an onderzoek of the Raad, many a melding before it.
    assert trajecten > 100 and 0.5 < met_rvdk / trajecten < 1 and 0.2 < met_vt / trajecten < met_rvdk / trajecten
    assert one(leverancier, SHARE) == (trajecten, met_rvdk, met_vt)
    doorstroom = "SELECT * FROM marts.doorstroom ORDER BY ALL"
    assert query(leverancier, doorstroom) == query(eigen, doorstroom)
    print(f"chain-link share: {met_rvdk / trajecten:.1%} with an onderzoek, {met_vt / trajecten:.1%} with a melding")


def test_staging_holds_the_fingerprint(routes):
    _, leverancier, _ = routes
    for bron in ("gi_maatregelen", "vt_meldingen", "rvdk_onderzoeken"):
        assert query(leverancier, f"SELECT DISTINCT sleutel_vingerafdruk FROM staging.{bron}") == [
            (vingerafdruk(TEST_SLEUTEL),)
        ]
