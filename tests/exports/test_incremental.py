"""Incremental region exports on a hand-built warehouse (small_warehouse.py: regions NOORD and ZUID):
only regions whose figures changed are written, and the result equals an export from scratch."""

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import exports.regions as regions_module
from exports.regions import MANIFEST, STATE_FILE, VERSIONS_DIR, export_regions, export_specs
from sources.definitions import load_definitions
from tests.exports.small_warehouse import T, build, change_binnen, connect, drop_region


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return build(tmp_path / "data")


def _links(root: Path) -> dict[str, str]:
    exports = root / "exports"
    return {p.name: os.readlink(p) for p in sorted(exports.iterdir()) if not p.name.startswith(".")}


def _files(root: Path, region: str) -> dict[str, bytes]:
    folder = root / "exports" / region
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _versions(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "exports" / VERSIONS_DIR).iterdir() if p.is_dir())


def _normen(root: Path, region: str) -> list[dict]:
    """The region's settled quarter rows."""
    rows = pq.read_table(root / "exports" / region / "normen.parquet").to_pylist()
    return [r for r in rows if r["periode_type"] == "kwartaal"]


def _change_noord(root: Path, binnen: int) -> None:
    change_binnen(root, "NOORD", binnen)


def test_first_export_writes_every_region_with_its_own_rows_and_deliveries(root):
    summary = export_regions(root, run_id="een")
    assert summary.changed == ["NOORD", "ZUID"] and summary.unchanged == [] and not summary.skipped
    assert summary.files == summary.files_written == 2 * len(export_specs())
    noord = _normen(root, "NOORD")
    assert [(r["organisatie_code"], r["binnen_norm"], r["buiten_norm"], r["pct_binnen_norm"]) for r in noord] == [
        ("GI_A", 9, 3, 75.0),
        (T, 9, 3, 75.0),
    ]
    zuid = _normen(root, "ZUID")
    assert [(r["organisatie_code"], r["binnen_norm"], r["pct_binnen_norm"], r["onderdrukt"]) for r in zuid] == [
        ("GI_B", None, None, True),
        (T, None, None, True),
    ]
    caseload = pq.read_table(root / "exports" / "NOORD" / "caseload.parquet").to_pylist()
    assert [(r["organisatie_code"], r["lopende_maatregelen"]) for r in caseload] == [("GI_A", 30)]
    # The manifest names the region's own organisations' deliveries only.
    manifest = json.loads((root / "exports" / "NOORD" / MANIFEST).read_text())
    assert manifest["organisaties"] == ["GI_A"]
    assert [d["levering_id"] for d in manifest["leveringen"]] == ["GI_A/gi_maatregelen/2026-10-31.csv"]
    assert manifest["aanlevering"] is None  # no delivery monitor in this warehouse
    # The state sits beside the versions, never in a region's folder.
    assert (root / "exports" / VERSIONS_DIR / STATE_FILE).is_file()
    for region in ("NOORD", "ZUID"):
        assert sorted(_files(root, region)) == sorted([MANIFEST, *(f"{s.name}.parquet" for s in export_specs())])


def test_nothing_changed_reads_and_writes_nothing(root):
    first = export_regions(root, run_id="een")
    links, noord, zuid = _links(root), _files(root, "NOORD"), _files(root, "ZUID")
    state = (root / "exports" / VERSIONS_DIR / STATE_FILE).read_bytes()
    second = export_regions(root, run_id="twee")
    assert second.skipped and second.version == "" and second.changed == []
    assert second.unchanged == second.regions == ["NOORD", "ZUID"]
    assert (second.files, second.rows) == (first.files, first.rows) and second.files_written == 0
    assert _links(root) == links and _versions(root) == [first.version]
    assert _files(root, "NOORD") == noord and _files(root, "ZUID") == zuid  # run_id "een" in the manifests
    assert (root / "exports" / VERSIONS_DIR / STATE_FILE).read_bytes() == state


def test_without_fingerprints_the_regions_are_compared_and_nothing_is_written(root):
    first = export_regions(root, run_id="een")
    links, noord = _links(root), _files(root, "NOORD")
    con = connect(root)
    try:
        con.execute("DELETE FROM meta.model_inhoud")  # a warehouse built before fingerprints
    finally:
        con.close()
    second = export_regions(root, run_id="twee")
    assert not second.skipped
    assert second.changed == [] and second.unchanged == ["NOORD", "ZUID"] and second.version == ""
    assert _links(root) == links and _versions(root) == [first.version] and _files(root, "NOORD") == noord


def test_a_change_in_one_region_rewrites_only_that_region(root):
    first = export_regions(root, run_id="een")
    zuid_link, zuid = _links(root)["ZUID"], _files(root, "ZUID")
    _change_noord(root, 10)
    second = export_regions(root, run_id="twee")
    assert second.changed == ["NOORD"] and second.unchanged == ["ZUID"]
    assert second.files_written == len(export_specs()) and second.files == 2 * len(export_specs())
    assert _links(root) == {
        "NOORD": f"{VERSIONS_DIR}/{second.version}/NOORD",
        "ZUID": zuid_link,
    }
    assert zuid_link == f"{VERSIONS_DIR}/{first.version}/ZUID"
    assert _files(root, "ZUID") == zuid
    # 10 binnen, 3 buiten: 100 * 10 / 13 = 76.9, exported in whole percents: 77.
    assert [(r["binnen_norm"], r["pct_binnen_norm"]) for r in _normen(root, "NOORD")] == [(10, 77.0), (10, 77.0)]
    assert json.loads((root / "exports" / "NOORD" / MANIFEST).read_text())["run_id"] == "twee"
    assert json.loads((root / "exports" / "ZUID" / MANIFEST).read_text())["run_id"] == "een"
    # The first version holds ZUID still, so it stays; no third folder was made.
    assert _versions(root) == sorted([first.version, second.version])
    assert not (root / "exports" / VERSIONS_DIR / second.version / "ZUID").exists()


def test_a_region_without_rows_loses_its_link(root):
    first = export_regions(root, run_id="een")
    drop_region(root, "ZUID")
    second = export_regions(root, run_id="twee")
    assert second.regions == ["NOORD"] and second.removed == ["ZUID"]
    # NOORD's figures, organisations and deliveries are the same: it keeps its files.
    assert second.changed == [] and second.unchanged == ["NOORD"]
    assert _links(root) == {"NOORD": f"{VERSIONS_DIR}/{first.version}/NOORD"}
    assert not (root / "exports" / "ZUID").is_symlink()
    assert sorted(json.loads((root / "exports" / VERSIONS_DIR / STATE_FILE).read_text())["regio"]) == ["NOORD"]


def test_old_versions_no_region_links_to_are_pruned(root):
    first = export_regions(root, run_id="een")
    _change_noord(root, 10)
    second = export_regions(root, run_id="twee")
    _change_noord(root, 11)
    third = export_regions(root, run_id="drie")
    # NOORD moved from `second` to `third`; `second` was linked just before, so it stays one more
    # run; `first` still holds ZUID.
    assert _versions(root) == sorted([first.version, second.version, third.version])
    _change_noord(root, 12)
    fourth = export_regions(root, run_id="vier")
    assert _versions(root) == sorted([first.version, third.version, fourth.version])


def test_a_crash_before_publication_leaves_the_old_exports_in_force(root, monkeypatch):
    export_regions(root, run_id="een")
    links, noord = _links(root), _files(root, "NOORD")
    state = (root / "exports" / VERSIONS_DIR / STATE_FILE).read_bytes()
    _change_noord(root, 10)

    def crash(*args, **kwargs):
        raise OSError("stroomstoring")  # the files of the new version are written, no link is switched

    monkeypatch.setattr(regions_module, "publish", crash)
    with pytest.raises(OSError, match="stroomstoring"):
        export_regions(root, run_id="twee")
    assert _links(root) == links and _files(root, "NOORD") == noord
    assert (root / "exports" / VERSIONS_DIR / STATE_FILE).read_bytes() == state

    monkeypatch.undo()
    third = export_regions(root, run_id="drie")
    assert third.changed == ["NOORD"] and third.unchanged == ["ZUID"]
    assert _links(root)["NOORD"] == f"{VERSIONS_DIR}/{third.version}/NOORD"
    assert [r["binnen_norm"] for r in _normen(root, "NOORD")] == [10, 10]
    # The version the crashed run left behind was never linked: pruned.
    assert not [v for v in _versions(root) if v.endswith("-twee")]


def test_a_crash_after_the_links_before_the_state_is_redone(root, monkeypatch):
    export_regions(root, run_id="een")
    _change_noord(root, 10)
    real = regions_module._write_state

    def crash(*args, **kwargs):
        raise OSError("stroomstoring")

    monkeypatch.setattr(regions_module, "_write_state", crash)
    with pytest.raises(OSError):
        export_regions(root, run_id="twee")
    monkeypatch.setattr(regions_module, "_write_state", real)
    # The links are switched but the state is the old one: the next run does not skip, and
    # publishes NOORD again (identical rows), ZUID stays.
    third = export_regions(root, run_id="drie")
    assert not third.skipped and third.changed == ["NOORD"] and third.unchanged == ["ZUID"]
    assert export_regions(root, run_id="vier").skipped


def test_an_incremental_export_equals_one_from_scratch(root, tmp_path):
    export_regions(root, run_id="een")
    _change_noord(root, 10)
    export_regions(root, run_id="twee", generated_at=datetime(2026, 11, 10, tzinfo=UTC))
    fresh = tmp_path / "vers"
    shutil.copytree(root / "warehouse", fresh / "warehouse")
    scratch = export_regions(fresh, run_id="vers")
    assert scratch.changed == ["NOORD", "ZUID"]
    for region in ("NOORD", "ZUID"):
        incremental, full = _files(root, region), _files(fresh, region)
        assert sorted(incremental) == sorted(full)
        for name in incremental:
            if name == MANIFEST:
                drop = ("generated_at", "run_id")
                a, b = (json.loads(x) for x in (incremental[name], full[name]))
                assert {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}
            else:
                assert incremental[name] == full[name], (region, name)


def test_other_settings_rewrite_every_region(root):
    export_regions(root, run_id="een")
    defs = load_definitions()
    rules = defs.instellingen.onderdrukking.model_copy(update={"drempel": 5})
    lower = defs.model_copy(update={"instellingen": defs.instellingen.model_copy(update={"onderdrukking": rules})})
    summary = export_regions(root, run_id="twee", defs=lower)
    assert summary.changed == ["NOORD", "ZUID"]
    # Threshold 5: ZUID's n = 6 is shown, 100 * 4 / 6 = 66.7 -> 67%.
    assert [(r["binnen_norm"], r["pct_binnen_norm"]) for r in _normen(root, "ZUID")] == [(4, 67.0), (4, 67.0)]


def test_rows_left_out_unread_are_still_counted(root):
    """Person-level rows that stay under the threshold even rounded up (at most 5) are not read,
    but the run's statistics count them as if they were. instroom of NOORD, one month:
    - gemeente G1: 5, left out unread (a count cell emptied);
    - gemeente G2: 7 with cell key 2^31 (u = 0.5 >= 2/5: rounded down to 5): read, emptied, left out;
    - gemeente G3: 12 with cell key 0 (u = 0 < 2/5: rounded up to 15): published as 15."""
    con = connect(root)
    try:
        for gemeente, aantal, sleutel in (("G1", 5, 0), ("G2", 7, 2**31), ("G3", 12, 0)):
            con.execute(
                "INSERT INTO marts.instroom (periode_type, periode, bron, organisatie_code, jeugdregio_code, "
                "gemeente_code, categorie, soort_instroom, aantal, celsleutel_aantal) VALUES "
                "('maand', DATE '2026-10-01', 'gi_maatregelen', 'GI_A', 'NOORD', ?, 'OTS', 'NIEUW_TRAJECT', ?, ?)",
                [gemeente, aantal, sleutel],
            )
    finally:
        con.close()
    summary = export_regions(root, run_id="een")
    rows = pq.read_table(root / "exports" / "NOORD" / "instroom.parquet").to_pylist()
    assert [(r["gemeente_code"], r["aantal"]) for r in rows] == [("G3", 15)]
    assert summary.primary_cells == 2  # G1 (unread) and G2; normen and caseload are performance rows
    # Derived figures emptied: the pct of ZUID's two quarter rows (n = 6: emptied whole) and GI_B's
    # kinderen_per_fte (9 children: under 10).
    assert summary.derived_cells == 3


def test_a_retried_run_with_the_same_id_and_time_keeps_the_regions_it_does_not_change(root):
    moment = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
    first = export_regions(root, run_id="een", generated_at=moment)
    zuid = _files(root, "ZUID")
    _change_noord(root, 10)
    second = export_regions(root, run_id="een", generated_at=moment)
    assert second.changed == ["NOORD"] and second.version == f"{first.version}-2"
    assert _files(root, "ZUID") == zuid
    assert [r["binnen_norm"] for r in _normen(root, "NOORD")] == [10, 10]
