"""The delivery monitor (mart aanlevering), its freshness check and the monthly schedule.

Scenario, seeded straight into the registry meta.leveringen (termijn 15 days, signal after
15 days), judged on 2025-08-20 unless said otherwise:

- JBGL gi_maatregelen: May accepted on 06-10 (op_tijd); June rejected on 07-05 and again on
  07-08 with other rules (in_quarantaine, from 07-05, both rules sets); July nothing
  (ontbreekt, deadline 08-15 passed). Latest accepted May: June overdue since 07-15 -> stale.
- JBGL gi_capaciteit: May accepted on 06-20 (te_laat); June nothing (ontbreekt: July's
  delivery does not fill it); July accepted on 08-01 (op_tijd). Not stale.
- VT_GZ vt_meldingen: June accepted on 07-15 under the current definitions, but the same
  file version arrived on 07-01 under an older definitions version (op_tijd from 07-01);
  July's delivery arrives on 09-01, after the day judged (ontbreekt). Stale.
- RVDK never delivers: expected from the chain's first month (May), ontbreekt, stale.
- XYZ (not in the reference data) delivers: not listed.
"""

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from exports.regions import export_specs
from marts.catalog import catalog
from marts.registry import ensure_schema
from marts.runner import aanlevering_parameters, build_model, vandaag
from marts.warehouse import replace_table
from pipelines.automation import FULL_JOB, schedules
from pipelines.definitions import defs as base_defs
from pipelines.deliveries import LEVERINGEN
from pipelines.marts import mart_assets
from sources.definitions import DefinitionsError, load_definitions, reference
from tests.dagster_runs import materialize

AANLEVERING = dg.AssetKey(["marts", "aanlevering"])


def build_aanlevering(con, defs, today) -> int:
    return build_model(con, "aanlevering", defs, vandaag=today).rows


REPO = Path(__file__).resolve().parents[2]
CURRENT = load_definitions().versie

# levering_id | sha256 | status | rules broken | definitions version (empty: current) | verwerkt_op
REGISTRY_TEXT = """
JBGL/gi_maatregelen/2025-05-31.csv | a1 | geaccepteerd |                        |       | 2025-06-10 09:00
JBGL/gi_maatregelen/2025-06-30.csv | a2 | quarantaine  | GIM-ID-001,ALG-KOL-001 |       | 2025-07-05 09:00
JBGL/gi_maatregelen/2025-06-30.csv | a3 | quarantaine  | ALG-PRIV-001           |       | 2025-07-08 09:00
JBGL/gi_capaciteit/2025-05-31.csv  | b1 | geaccepteerd |                        |       | 2025-06-20 09:00
JBGL/gi_capaciteit/2025-07-31.csv  | b2 | geaccepteerd | ALG-OMV-001            |       | 2025-08-01 09:00
VT_GZ/vt_meldingen/2025-06-30.csv  | c1 | geaccepteerd |                        | 0.9.0 | 2025-07-01 09:00
VT_GZ/vt_meldingen/2025-06-30.csv  | c1 | geaccepteerd |                        |       | 2025-08-01 09:00
VT_GZ/vt_meldingen/2025-07-31.csv  | c2 | geaccepteerd |                        |       | 2025-09-01 09:00
XYZ/gi_maatregelen/2025-06-30.csv  | d1 | quarantaine  | ALG-ORG-001            |       | 2025-07-01 09:00
"""
REGISTRY = [[cell.strip() for cell in line.split("|")] for line in REGISTRY_TEXT.strip().splitlines()]


def seed(path: Path) -> None:
    """A warehouse with the reference organisations, modellen.instellingen and the registry above."""
    defs = load_definitions()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        replace_table(con, "referentie", "organisaties", reference.organisaties(defs))
        con.execute("CREATE SCHEMA IF NOT EXISTS modellen")
        build_model(con, "instellingen", defs)
        ensure_schema(con)
        for lid, sha, status, regels, versie, op in REGISTRY:
            org, bron, peil = lid.removesuffix(".csv").split("/")
            con.execute(
                "INSERT INTO meta.leveringen (levering_id, sha256, organisatie_code, bron, peildatum, status, fouten, "
                "waarschuwingen, regels, archief_pad, definities_versie, verwerkt_op) "
                "VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, 'archief', ?, ?)",
                [lid, sha, org, bron, peil, status, regels, versie or CURRENT, datetime.fromisoformat(op)],
            )
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "data" / "warehouse" / "ketenmonitor.duckdb"
    seed(path)
    return path


def build(path: Path, today: date) -> dict[tuple, tuple]:
    con = duckdb.connect(str(path))
    try:
        build_aanlevering(con, load_definitions(), today)
        rows = con.execute(
            "SELECT organisatie_code, bron, verwachte_maand, status, leverdatum, regels, uiterste_leverdatum, "
            "verouderd, laatste_geaccepteerde_peildatum FROM marts.aanlevering"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2].isoformat()[:7]): r[3:] for r in rows}


def test_status_per_organisation_bron_and_month(warehouse):
    rows = build(warehouse, date(2025, 8, 20))
    gim = {k[2]: v for k, v in rows.items() if k[:2] == ("JBGL", "gi_maatregelen")}
    assert gim == {
        "2025-05": ("op_tijd", date(2025, 6, 10), None, date(2025, 6, 15), True, date(2025, 5, 31)),
        "2025-06": (
            "in_quarantaine",
            date(2025, 7, 5),
            "ALG-KOL-001,ALG-PRIV-001,GIM-ID-001",
            date(2025, 7, 15),
            True,
            date(2025, 5, 31),
        ),
        "2025-07": ("ontbreekt", None, None, date(2025, 8, 15), True, date(2025, 5, 31)),
    }
    cap = {k[2]: v[:3] + v[4:5] for k, v in rows.items() if k[:2] == ("JBGL", "gi_capaciteit")}
    assert cap == {
        "2025-05": ("te_laat", date(2025, 6, 20), None, False),
        "2025-06": ("ontbreekt", None, None, False),
        "2025-07": ("op_tijd", date(2025, 8, 1), "ALG-OMV-001", False),
    }
    vt = {k[2]: v[:2] + v[3:5] for k, v in rows.items() if k[:2] == ("VT_GZ", "vt_meldingen")}
    assert vt == {
        "2025-06": ("op_tijd", date(2025, 7, 1), date(2025, 7, 15), True),
        "2025-07": ("ontbreekt", None, date(2025, 8, 15), True),
    }
    rvdk = {k[2]: v[0] for k, v in rows.items() if k[:2] == ("RVDK", "rvdk_onderzoeken")}
    assert rvdk == {"2025-05": "ontbreekt", "2025-06": "ontbreekt", "2025-07": "ontbreekt"}
    # Every organisation of the reference data with every bron of its type, nobody else.
    defs = load_definitions()
    expected = {
        (o, b)
        for o, t in reference.organisaties(defs)[["organisatie_code", "organisatie_type"]].values
        for b in defs.bronnen_voor(t)
    }
    assert {k[:2] for k in rows} == expected
    assert not any(k[0] == "XYZ" for k in rows)


def test_a_month_within_its_term_is_not_missing_yet(warehouse):
    rows = build(warehouse, date(2025, 8, 10))
    assert rows[("JBGL", "gi_maatregelen", "2025-07")][0] == "nog_binnen_termijn"
    # On 08-10 the July capaciteit delivery (08-01) counts; a delivery arriving after the day judged does not.
    assert rows[("JBGL", "gi_capaciteit", "2025-07")][0] == "op_tijd"
    assert ("VT_GZ", "vt_meldingen", "2025-07") in rows
    assert rows[("VT_GZ", "vt_meldingen", "2025-06")][0] == "op_tijd"
    # VT_GZ's July is due 08-15: not stale on 08-10.
    assert rows[("VT_GZ", "vt_meldingen", "2025-06")][4] is False


def test_asset_and_freshness_check_warn_with_the_late_organisations(warehouse, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "2025-08-20")
    root = warehouse.parents[1]
    # The delivery monitor alone, with its checks: a subset of the marts step.
    result = materialize(mart_assets(), root, selection=[AANLEVERING])
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.asset_key == dg.AssetKey(["marts", "aanlevering"])
    assert event.materialization.metadata["rows"].value > 0
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["sleutel_uniek"].passed and checks["sleutel_uniek"].severity == dg.AssetCheckSeverity.ERROR
    versheid = checks["versheid"]
    assert not versheid.passed
    assert versheid.severity == dg.AssetCheckSeverity.WARN
    late = {(r["organisatie_code"], r["bron"]) for r in versheid.metadata["verouderd"].value}
    assert (
        ("JBGL", "gi_maatregelen") in late
        and ("VT_GZ", "vt_meldingen") in late
        and ("RVDK", "rvdk_onderzoeken") in late
    )
    assert ("JBGL", "gi_capaciteit") not in late
    assert "JBGL" in versheid.metadata["organisaties"].value


def test_vandaag_is_injectable_and_parameters_follow_the_definitions(monkeypatch):
    defs = load_definitions()
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "2024-02-29")
    assert vandaag(defs) == date(2024, 2, 29)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "29-02-2024")
    with pytest.raises(ValueError, match="KETENMONITOR_VANDAAG"):
        vandaag(defs)
    monkeypatch.delenv("KETENMONITOR_VANDAAG")
    assert abs((vandaag(defs) - date.today()).days) <= 1
    params = aanlevering_parameters(defs, date(2025, 1, 1))
    pairs = set(zip(params["organisatie_types"], params["bronnen"], strict=True))
    assert pairs == {
        ("GI", "gi_maatregelen"),
        ("GI", "gi_capaciteit"),
        ("VT", "vt_meldingen"),
        ("RVDK", "rvdk_onderzoeken"),
    }
    assert params["termijn_dagen"] == defs.instellingen.aanlevering.termijn_dagen == 15
    assert params["signaal_na_dagen"] == defs.instellingen.aanlevering.versheid_dagen == 15


def test_the_monitor_is_no_contract_figure():
    # A normal model of the catalog, but no figure of the contract's mart list: not exported to the regions.
    assert "aanlevering" not in {s.name for s in export_specs()}
    spec = catalog()["aanlevering"]
    assert spec.key == ["organisatie_code", "bron", "verwachte_maand"]


def test_schedule_reads_cron_and_timezone_from_the_definitions(tmp_path, monkeypatch):
    (schedule,) = schedules()
    assert schedule.cron_schedule == "0 6 16 * *"
    assert schedule.execution_timezone == "Europe/Amsterdam"
    assert schedule.job_name == FULL_JOB

    changed = tmp_path / "definitions"
    import shutil

    shutil.copytree(REPO / "definitions", changed)
    text = (changed / "instellingen.yaml").read_text(encoding="utf-8")
    (changed / "instellingen.yaml").write_text(
        text.replace('cron: "0 6 16 * *"', 'cron: "30 7 20 * *"').replace(
            "tijdzone: Europe/Amsterdam", "tijdzone: UTC"
        ),
        encoding="utf-8",
    )
    (schedule,) = schedules(load_definitions(changed))
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 7 20 * *", "UTC")

    for old, new, key in [
        ('cron: "0 6 16 * *"', 'cron: "0 6 32 * *"', "cron"),
        ('cron: "0 6 16 * *"', 'cron: "monthly"', "cron"),
        ("tijdzone: Europe/Amsterdam", "tijdzone: Europe/Utrecht", "tijdzone"),
        ("signaal_na_dagen: 15", "signaal_na_dagen: -1", "signaal_na_dagen"),
    ]:
        (changed / "instellingen.yaml").write_text(text.replace(old, new), encoding="utf-8")
        with pytest.raises(DefinitionsError, match=key):
            load_definitions(changed)


def test_definitions_with_monitoring_load_grouped_by_layer():
    local = base_defs  # the project's Definitions, with the monitoring wired in
    dg.Definitions.validate_loadable(local)
    graph = local.resolve_asset_graph()
    key = dg.AssetKey(["marts", "aanlevering"])
    node = graph.get(key)
    assert node.group_name == "marts"
    assert "delivery" in node.description and "Grain:" in node.description
    assert LEVERINGEN in node.parent_keys
    assert dg.AssetKey(["referentie", "organisaties"]) in node.parent_keys
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    assert {"deliveries", "staging", "marts", "referentie"} <= groups
    # The main job, which the monthly schedule and the inbox sensor run: everything, the deliveries first.
    job = local.resolve_job_def(FULL_JOB)
    selected = job.asset_layer.executable_asset_keys
    assert {LEVERINGEN, key, dg.AssetKey(["staging", "gi_maatregelen"]), dg.AssetKey(["marts", "stand"])} <= set(
        selected
    )
    assert local.resolve_schedule_def("maandelijks").default_status == dg.DefaultScheduleStatus.RUNNING


def test_dagster_yaml_keeps_sqlite_and_documents_postgres():
    text = (REPO / "dagster.yaml").read_text(encoding="utf-8")
    settings = yaml.safe_load(text)
    assert "storage" not in settings and "run_storage" not in settings
    commented = "\n".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    for env in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        assert f"{{env: {env}}}" in commented
    assert "postgres" in commented
