"""Region exports: a real Dagster materialisation on the fixture deliveries of tests/fixtures/marts/keten.

The scenario's figures are tiny (a handful of measures per region), so at the default threshold
nearly every count is suppressed; the complementary suppression is exercised on the same
warehouse with a lower threshold. Tests that write exports again work on a copy of the data dir.
"""

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

import exports.regions as exports_module
from exports.disclosure import ONDERDRUKT, DisclosureSpec
from exports.regions import (
    MANIFEST,
    VERSIONS_DIR,
    check_columns,
    export_regions,
    export_spec,
    export_specs,
    is_maximum,
)
from marts.catalog import TOTAAL, catalog
from pipelines.exports import export_assets
from pipelines.instance import instance_for
from pipelines.run import run_pipeline
from sources.definitions import Onderdrukking, load_definitions
from tests.warehouse_queries import query

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "marts"
CG, RL, MIJOV, RVN = "CENTRAAL_GELDERLAND", "RIVIERENLAND", "MIDDEN_IJSSEL_OOST_VELUWE", "RIJK_VAN_NIJMEGEN"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def regions(root: Path) -> list[Path]:
    return sorted(p for p in (root / "exports").iterdir() if not p.name.startswith("."))


def with_threshold(drempel: int, afronding: int | None = None):
    defs = load_definitions()
    rules = defs.instellingen.onderdrukking
    instellingen = defs.instellingen.model_copy(
        update={"onderdrukking": Onderdrukking(drempel=drempel, afronding=afronding, marts=rules.marts)}
    )
    return defs.model_copy(update={"instellingen": instellingen})


def file_hashes(root: Path) -> dict[str, str]:
    return {f"{r.name}/{f.name}": sha256(f) for r in regions(root) for f in sorted(r.iterdir())}


@pytest.fixture(scope="module")
def keten(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        root = tmp_path_factory.mktemp("exports") / "data"
        shutil.copytree(FIXTURES / "keten" / "inbox", root / "inbox")
        summary = run_pipeline(root, log=lambda _: None)
        assert summary.exit_code == 0
        # The main job's own materialisation of the exports (one run, its steps in flow order).
        event = instance_for(root).get_latest_materialization_event(dg.AssetKey("exports"))
        assert event.run_id == summary.run_id
        yield root, event


@pytest.fixture
def copy_of(keten, tmp_path):
    """A private copy of the fixture data dir (exports included), for tests that export again."""
    root, _ = keten
    copy = tmp_path / "data"
    shutil.copytree(root / "warehouse", copy / "warehouse")
    shutil.copytree(root / "exports", copy / "exports", symlinks=True)
    return copy


# --- the Dagster asset ------------------------------------------------------------------


def test_asset_group_pool_and_deps():
    (asset,) = export_assets()
    assert asset.key == dg.AssetKey("exports")
    assert asset.group_names_by_key[asset.key] == "exports"
    assert asset.node_def.pools == {"duckdb"}
    assert {k.to_user_string() for k in asset.asset_deps[asset.key]} == {
        *(f"marts/{s.name}" for s in export_specs()),
        "marts/aanlevering",
    }


def test_materialisation_reports_regions_files_and_suppression(keten):
    root, event = keten
    meta = event.asset_materialization.metadata
    folders = regions(root)
    assert {CG, RL, MIJOV, RVN} <= {p.name for p in folders}
    assert meta["regions"].value == len(folders)
    assert meta["files"].value == len(folders) * len(export_specs())
    manifests = [json.loads((p / MANIFEST).read_text()) for p in folders]
    assert meta["rows"].value == sum(f["rijen"] for m in manifests for f in m["bestanden"])
    assert meta["rows_suppressed"].value == sum(f["onderdrukte_rijen"] for m in manifests for f in m["bestanden"])
    assert meta["rows_suppressed"].value > 0
    assert {m["run_id"] for m in manifests} == {event.run_id}
    # exports/<region> is a link to a complete version folder.
    assert all(p.is_symlink() and Path(os.readlink(p)).parts[0] == VERSIONS_DIR for p in folders)


# --- contents -----------------------------------------------------------------------------


def test_a_region_export_holds_no_other_regions_rows(keten):
    root, _ = keten
    for folder in regions(root):
        active = set(json.loads((folder / MANIFEST).read_text())["organisaties"])
        for spec in export_specs():
            table = pq.read_table(folder / f"{spec.name}.parquet")
            if "jeugdregio_code" in table.column_names:
                # Only this region: no other region, and no national (TOTAAL = all regions) rows.
                assert set(table.column("jeugdregio_code").to_pylist()) <= {folder.name}, (folder.name, spec.name)
            else:
                assert set(table.column("organisatie_code").to_pylist()) <= active, (folder.name, spec.name)
    # The organisations active in a region: exactly those with a row for it in the marts.
    expected = {
        org
        for (org,) in query(
            root,
            "SELECT organisatie_code FROM marts.stand WHERE jeugdregio_code = ? "
            "UNION SELECT organisatie_code FROM marts.instroom WHERE jeugdregio_code = ?",
            MIJOV,
            MIJOV,
        )
        if org != TOTAAL
    }
    assert set(json.loads((root / "exports" / MIJOV / MANIFEST).read_text())["organisaties"]) >= expected
    assert "JBGL" in expected
    caseload = pq.read_table(root / "exports" / MIJOV / "caseload.parquet")
    assert "JBGL" in caseload.column("organisatie_code").to_pylist()
    # The region's own roll-up (the whole region) is there (performance rows are never dropped;
    # the scenario's person-level rows are all under the threshold and left out).
    normen = pq.read_table(root / "exports" / MIJOV / "normen.parquet")
    assert TOTAAL in normen.column("organisatie_code").to_pylist()


def test_exported_counts_follow_the_kind_of_rows(keten):
    root, _ = keten
    rules = load_definitions().instellingen.onderdrukking
    checked = 0
    for folder in regions(root):
        for spec in export_specs():
            ds = DisclosureSpec.for_mart(spec, rules)
            table = pq.read_table(folder / f"{spec.name}.parquet")
            for row in table.to_pylist():
                for col in ds.counts:
                    v = row[col]
                    if ds.soort == "persoonsniveau":
                        # Person-level: empty under the threshold, else a multiple of the base.
                        assert v is None or (v >= 10 and v % rules.afronding == 0), (spec.name, row)
                if ds.soort == "prestatie" and row[ONDERDRUKT] and all(row[c] is None for c in ds.basis):
                    assert all(row[c] is None for c in (*ds.counts, *ds.derived)), (spec.name, row)
                checked += 1
    assert checked > 100


def test_columns_and_descriptions_and_no_record_ids(keten):
    root, _ = keten
    folder = root / "exports" / RL
    for spec in export_specs():
        f = pq.ParquetFile(folder / f"{spec.name}.parquet")
        assert f.schema_arrow.names == [*spec.column_names, ONDERDRUKT]
        kv = {k.decode(): v.decode() for k, v in f.metadata.metadata.items()}
        assert all(kv[c.name] == " ".join(c.description.split()) for c in spec.columns)
        assert kv["ketenmonitor_mart"] == spec.name
    assert pq.ParquetFile(folder / "instroom.parquet").schema_arrow.field("aantal").type == "int64"
    # Never a maximum (one child's value, contract section 5.2): max_wachttijd_dagen is in the
    # warehouse, not in the export. The band's upper end is a configured value, not a maximum.
    assert "max_wachttijd_dagen" in catalog()["wachttijden"].column_names
    assert "max_wachttijd_dagen" not in pq.ParquetFile(folder / "wachttijden.parquet").schema_arrow.names
    assert not [
        (spec.name, c.name) for spec in export_specs() for c in spec.columns if c.role != "value" and "max" in c.name
    ]
    caseload = catalog()["caseload"]
    assert not is_maximum(caseload.column("streef_kinderen_max"))
    assert export_spec(caseload).column_names == caseload.column_names
    with pytest.raises(ValueError, match="pseudonym or record id"):
        check_columns(["periode", "kind_id"])
    with pytest.raises(ValueError):
        check_columns(["maatregel_id"])
    check_columns(catalog()["caseload"].column_names)  # unieke_kinderen is a count, not an id


def test_every_mart_is_exported_with_its_period_kinds(keten):
    root, _ = keten
    # The backlog of contract version 2 is a mart like the others: in every region's export.
    assert [s.name for s in export_specs()] == [
        "instroom",
        "uitstroom",
        "stand",
        "wachttijden",
        "achterstand",
        "normen",
        "doorlooptijden",
        "doorstroom",
        "caseload",
        "personeel",
    ]
    folder = root / "exports" / MIJOV
    achterstand = pq.read_table(folder / "achterstand.parquet")
    assert achterstand.column_names == [*catalog()["achterstand"].column_names, ONDERDRUKT]
    assert achterstand.num_rows > 0 and set(achterstand.column("jeugdregio_code").to_pylist()) == {MIJOV}
    # The flows, norms, lead times and chain carry periode_type; the scenario's half year
    # (January to June 2025) has months and quarters at least.
    for name in ("instroom", "uitstroom", "normen", "doorlooptijden", "doorstroom"):
        table = pq.read_table(folder / f"{name}.parquet")
        assert table.column_names[0] == "periode_type", name
        kinds = set(table.column("periode_type").to_pylist())
        assert kinds <= {"maand", "kwartaal", "halfjaar", "jaar", "rollend_12"}, name
        # Person-level rows whose counts are all under 10 are left out (contract 5.2), and this
        # scenario's counts are all small; performance rows stay, emptied whole.
        if name in ("normen", "doorlooptijden", "doorstroom"):
            assert {"maand", "kwartaal"} <= kinds, name


def test_manifest_checksums_and_row_counts_match_the_files(keten):
    root, _ = keten
    in_force = {
        (levering_id, sha)
        for levering_id, sha in query(
            root,
            "SELECT levering_id, sha256 FROM meta.leveringen WHERE status = 'geaccepteerd' "
            "QUALIFY row_number() OVER "
            "(PARTITION BY organisatie_code, bron ORDER BY peildatum DESC, verwerkt_op DESC) = 1",
        )
    }
    for folder in regions(root):
        manifest = json.loads((folder / MANIFEST).read_text())
        assert manifest["regio"] == folder.name
        assert manifest["definities_versie"] == load_definitions().versie
        assert manifest["onderdrukking"] == {
            "drempel": 10,
            "afronding": 5,
            "rijsoorten": {
                **dict.fromkeys(("instroom", "uitstroom", "stand"), "persoonsniveau"),
                **dict.fromkeys(
                    ("wachttijden", "achterstand", "normen", "doorlooptijden", "doorstroom", "caseload"), "prestatie"
                ),
                "personeel": "geen",
            },
        }
        datetime.fromisoformat(manifest["generated_at"])
        # The deliveries in force of the region's own organisations, no other's.
        own = set(manifest["organisaties"])
        assert {(d["levering_id"], d["sha256"]) for d in manifest["leveringen"]} == {
            (lid, sha) for lid, sha in in_force if lid.split("/")[0] in own
        }
        assert {d["organisatie_code"] for d in manifest["leveringen"]} <= own
        # The superseded JBGL delivery of 2025-05-31 is not in force.
        assert "JBGL/gi_maatregelen/2025-05-31.csv" not in {d["levering_id"] for d in manifest["leveringen"]}
        files = {f["bestand"]: f for f in manifest["bestanden"]}
        assert set(files) == {f"{s.name}.parquet" for s in export_specs()}
        for name, entry in files.items():
            assert entry["sha256"] == sha256(folder / name)
            assert entry["rijen"] == pq.ParquetFile(folder / name).metadata.num_rows


# --- publication ------------------------------------------------------------------------


def test_a_failed_run_leaves_the_previous_exports_untouched(copy_of, monkeypatch):
    before = file_hashes(copy_of)
    links = {p.name: os.readlink(p) for p in regions(copy_of)}
    real = exports_module.write_parquet
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 12:  # halfway through the second region
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(exports_module, "write_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        export_regions(copy_of, run_id="mislukt", defs=with_threshold(2))
    assert file_hashes(copy_of) == before
    assert {p.name: os.readlink(p) for p in regions(copy_of)} == links
    # The half-written version is gone; no temporary links are left.
    assert not [p for p in (copy_of / "exports" / VERSIONS_DIR).iterdir() if "mislukt" in p.name]
    assert not [p for p in (copy_of / "exports").iterdir() if p.name.endswith(".nieuw")]

    # The next run publishes normally: every region switches to the new, complete version.
    monkeypatch.setattr(exports_module, "write_parquet", real)
    summary = export_regions(copy_of, run_id="hersteld", defs=with_threshold(2))
    assert {os.readlink(p) for p in regions(copy_of)} == {
        f"{VERSIONS_DIR}/{summary.version}/{p.name}" for p in regions(copy_of)
    }
    assert file_hashes(copy_of) != before  # threshold 2 publishes more


def test_old_versions_are_pruned_but_the_previous_one_is_kept(copy_of):
    versions = []
    # Another threshold each time: every region changes, so every run writes a version.
    for i, drempel in enumerate((2, 3, 4)):
        versions.append(export_regions(copy_of, run_id=f"run{i}", defs=with_threshold(drempel)).version)
    kept = sorted(p.name for p in (copy_of / "exports" / VERSIONS_DIR).iterdir() if p.is_dir())
    # The version in force and the one before it (a reader may still be walking it).
    assert kept == sorted(versions[1:])


def test_exporting_twice_from_scratch_gives_identical_files(copy_of):
    def from_scratch(run_id: str, generated_at: datetime | None = None) -> dict:
        shutil.rmtree(copy_of / "exports")
        summary = export_regions(copy_of, run_id=run_id, generated_at=generated_at)
        assert summary.changed == summary.regions and not summary.unchanged
        return {p.name: json.loads((p / MANIFEST).read_text()) for p in regions(copy_of)}

    manifests = from_scratch("een", datetime(2026, 1, 1, tzinfo=UTC))
    hashes = file_hashes(copy_of)
    again = from_scratch("twee")
    assert {k: v for k, v in file_hashes(copy_of).items() if not k.endswith(MANIFEST)} == {
        k: v for k, v in hashes.items() if not k.endswith(MANIFEST)
    }
    for region, manifest in again.items():
        assert manifest["run_id"] == "twee" and manifests[region]["run_id"] == "een"
        drop = ("generated_at", "run_id")
        assert {k: v for k, v in manifest.items() if k not in drop} == {
            k: v for k, v in manifests[region].items() if k not in drop
        }


def test_exporting_again_without_a_change_keeps_every_file(copy_of):
    first = export_regions(copy_of, run_id="een", defs=with_threshold(2))
    hashes = file_hashes(copy_of)
    links = {p.name: os.readlink(p) for p in regions(copy_of)}
    second = export_regions(copy_of, run_id="twee", defs=with_threshold(2))
    # The fixture's warehouse records the fingerprints of its marts: nothing is even read.
    assert second.skipped and second.unchanged == first.regions and second.changed == []
    assert file_hashes(copy_of) == hashes and {p.name: os.readlink(p) for p in regions(copy_of)} == links


def test_publish_replaces_plain_folders_and_drops_regions_no_longer_exported(tmp_path):
    root = tmp_path / "exports"
    (root / "OUD").mkdir(parents=True)  # a plain folder from before the versioned layout
    (root / "OUD" / "instroom.parquet").write_text("oud")
    for version, region_list in (("v1", ["OUD", "WEG"]), ("v2", ["OUD"])):
        for region in region_list:
            (root / VERSIONS_DIR / version / region).mkdir(parents=True)
            (root / VERSIONS_DIR / version / region / MANIFEST).write_text(version)
        exports_module.publish(root, version, region_list)
    assert (root / "OUD").is_symlink() and (root / "OUD" / MANIFEST).read_text() == "v2"
    assert not (root / "WEG").exists() and not (root / "WEG").is_symlink()
    assert sorted(p.name for p in (root / VERSIONS_DIR).iterdir()) == ["v1", "v2"]
