"""Deliveries to staging through real Dagster runs on a temporary data dir and DuckDB file.

Scenario, worked out by hand: JBGL delivers gi_maatregelen for 2024-01-31 (3 measures) and
then 2024-02-29 (4 measures, one date corrected); VT_GZ delivers a Dutch Excel CSV; WSS
delivers a file with an extra column `naam` (rejected, the others go on); later JBGL's
January file arrives again (no change), a late December file (accepted but never in force),
and a broken March file (quarantined: February stays in force).
"""

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli import main as cli
from pipelines.run import run_pipeline
from tests.warehouse_queries import query

KIND = [hashlib.sha256(f"kind-{i}".encode()).hexdigest() for i in range(5)]
GIM_HEADER = (
    "maatregel_id,kind_id,gemeente_code,geboortejaar,maatregel_type,datum_uitspraak,datum_in_kennisstelling,"
    "datum_jeugdbeschermer,datum_plan_van_aanpak,datum_passende_hulp,datum_einde,reden_einde,scheidingsproblematiek"
)
JANUARY = [
    f"M1,{KIND[0]},GM0202,2015,OTS,2024-01-08,2024-01-09,2024-01-12,,,,,true",
    f"M2,{KIND[1]},GM0202,2012,VOORLOPIGE_OTS,2023-11-01,2023-11-02,2023-11-03,2023-12-01,2024-01-15,,,false",
    f"M3,{KIND[2]},GM0268,2010,JR_TOEZICHT_BEGELEIDING,2023-06-01,2023-06-01,2023-06-05,,,2024-01-20,DOEL_BEREIKT,",
]
# February: M2's jeugdbeschermer date corrected, M4 new.
FEBRUARY = [
    JANUARY[0],
    f"M2,{KIND[1]},GM0202,2012,VOORLOPIGE_OTS,2023-11-01,2023-11-02,2023-11-06,2023-12-01,2024-01-15,,,false",
    JANUARY[2],
    f"M4,{KIND[3]},GM0200,2019,OTS,2024-02-12,2024-02-13,,,,,,true",
]
VT_DUTCH = (
    "\ufeffmelding_id;kind_id;gemeente_code;geboortejaar;soort;datum_ontvangst;datum_afgerond;vervolg;"
    "datum_verzoek_rvdk\r\n"
    f"V1;{KIND[0]};GM0214;2015;MELDING;03-10-2023;15-12-2023;VERZOEK_ONDERZOEK_RVDK;15-12-2023\r\n"
    f"V2;{KIND[4]};GM0268;2009;ADVIES;10-01-2024;;;\r\n"
)


def deliver(root: Path, org: str, bron: str, peildatum: str, text: str, suffix: str = "csv") -> Path:
    path = root / "inbox" / org / bron / f"{peildatum}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def gim(rows: list[str]) -> str:
    return "\n".join([GIM_HEADER, *rows]) + "\n"


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "data"


def test_accept_quarantine_replace_and_keep(root, monkeypatch):
    january = deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(JANUARY))
    deliver(root, "VT_GZ", "vt_meldingen", "2024-01-31", VT_DUTCH)
    bad = gim(JANUARY[:1]).replace("scheidingsproblematiek\n", "scheidingsproblematiek,naam\n", 1)
    bad = bad.replace(",true\n", ",true,Jan Jansen\n")
    deliver(root, "WSS", "gi_maatregelen", "2024-01-31", bad)

    summary = run_pipeline(root, log=lambda _: None)
    assert summary.exit_code == 2
    assert sorted(summary.accepted) == ["JBGL/gi_maatregelen/2024-01-31.csv", "VT_GZ/vt_meldingen/2024-01-31.csv"]
    assert summary.quarantined == {"WSS/gi_maatregelen/2024-01-31.csv": "ALG-KOL-001, ALG-KOL-002"}

    # Staging holds the accepted records, typed; the Dutch Excel dates are normalised.
    assert query(root, "SELECT maatregel_id, organisatie_code FROM staging.gi_maatregelen ORDER BY 1") == [
        ("M1", "JBGL"),
        ("M2", "JBGL"),
        ("M3", "JBGL"),
    ]
    assert query(
        root, "SELECT melding_id, datum_ontvangst, datum_verzoek_rvdk FROM staging.vt_meldingen ORDER BY 1"
    ) == [
        ("V1", date(2023, 10, 3), date(2023, 12, 15)),
        ("V2", date(2024, 1, 10), None),
    ]
    # The rejected delivery is archived byte for byte and listed in quarantine with the rules it broke.
    ((rules, archived),) = query(root, "SELECT regels, archief_pad FROM meta.quarantaine")
    assert rules == "ALG-KOL-001,ALG-KOL-002"
    assert Path(archived).read_bytes() == bad.encode("utf-8")
    assert "Jan Jansen" not in str(query(root, "SELECT * FROM meta.regelresultaten"))
    # Data Docs list one validation per delivery, named organisation · bron · peildatum, the rejected one too.
    index = (root / "reports" / "data_docs" / "index.html").read_text(encoding="utf-8")
    for name in [
        "JBGL · gi_maatregelen · 2024-01-31",
        "VT_GZ · vt_meldingen · 2024-01-31",
        "WSS · gi_maatregelen · 2024-01-31",
    ]:
        assert name in index, name
    pages = list((root / "reports" / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == 3
    assert not any(
        KIND[0] in p.read_text(encoding="utf-8") or "Jan Jansen" in p.read_text(encoding="utf-8") for p in pages
    )
    (gx_run,) = query(root, "SELECT gx_run_id FROM meta.leveringen WHERE levering_id LIKE 'WSS/%'")[0]
    assert gx_run

    # February replaces January for JBGL; January's sha256 stays archived.
    deliver(root, "JBGL", "gi_maatregelen", "2024-02-29", gim(FEBRUARY))
    summary = run_pipeline(root, log=lambda _: None)
    assert "JBGL/gi_maatregelen/2024-02-29.csv" in summary.accepted
    assert query(
        root,
        "SELECT maatregel_id, datum_jeugdbeschermer, levering_peildatum FROM staging.gi_maatregelen "
        "WHERE maatregel_id IN ('M2', 'M4') ORDER BY 1",
    ) == [
        ("M2", date(2023, 11, 6), date(2024, 2, 29)),
        ("M4", None, date(2024, 2, 29)),
    ]
    assert query(root, "SELECT count(*) FROM staging.gi_maatregelen") == [(4,)]

    # The same January file again, a late December file and a broken March file.
    before = query(root, "SELECT count(*) FROM meta.leveringen")
    shutil.copyfile(january, january.with_name("copy.tmp"))
    january.with_name("copy.tmp").replace(january)
    deliver(
        root,
        "JBGL",
        "gi_maatregelen",
        "2023-12-31",
        gim(JANUARY[1:]).replace("2024-01-20", "2023-12-20").replace("2024-01-15,,,false", "2023-12-15,,,false"),
    )
    deliver(root, "JBGL", "gi_maatregelen", "2024-03-31", gim(FEBRUARY).replace("GM0200", "GM9999"))
    summary = run_pipeline(root, log=lambda _: None)
    assert "JBGL/gi_maatregelen/2024-01-31.csv" in summary.unchanged
    assert summary.quarantined["JBGL/gi_maatregelen/2024-03-31.csv"] == "ALG-REF-001"
    assert "JBGL/gi_maatregelen/2023-12-31.csv" in summary.accepted
    assert query(root, "SELECT count(*) FROM meta.leveringen") == [(before[0][0] + 2,)]
    # February stays in force: not the late December file, not the rejected March file.
    assert query(root, "SELECT DISTINCT levering_peildatum FROM staging.gi_maatregelen") == [(date(2024, 2, 29),)]
    assert query(root, "SELECT count(*) FROM staging.gi_maatregelen") == [(4,)]
    assert len(list((root / "archive" / "JBGL" / "gi_maatregelen").iterdir())) == 4


def test_run_and_check_commands(root, capsys):
    good = deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(JANUARY))
    assert cli(["run", "--data-dir", str(root)]) == 0
    assert cli(["check", str(good)]) == 0
    assert "ACCEPTED" in capsys.readouterr().out

    broken = deliver(root, "JBOV", "gi_maatregelen", "2024-01-31", gim([JANUARY[0].replace("OTS", "OTZ")]))
    assert cli(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "ALG-CODE-001" in out and "maatregel_type" in out and "rows 2" in out
    # Outside an inbox the organisation, bron and peildatum come from the options.
    loose = root.parent / "export.csv"
    loose.write_text(gim(JANUARY), encoding="utf-8")
    assert (
        cli(["check", str(loose), "--organisatie", "JBGL", "--bron", "gi_maatregelen", "--peildatum", "2024-01-31"])
        == 0
    )
    assert cli(["run", "--data-dir", str(root)]) == 2


def test_inbox_sensor_requests_one_run_for_new_or_changed_files(root):
    import dagster as dg

    from pipelines.automation import inbox_sensor
    from pipelines.resources import Warehouse

    deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(JANUARY))
    deliver(root, "VT_GZ", "vt_meldingen", "2024-01-31", VT_DUTCH)
    (root / "inbox" / "JBGL" / "~$2024-01-31.xlsx").write_bytes(b"lock")  # Excel lock files are ignored
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, resources={"warehouse": Warehouse(data_dir=str(root))})
        request = inbox_sensor(ctx)
        # One run of the main job for both files (not one run per file).
        assert isinstance(request, dg.RunRequest) and request.tags["ketenmonitor/changed"] == "2"
        # Nothing new: the next tick skips; a changed file is requested again.
        ctx2 = dg.build_sensor_context(
            instance=instance, cursor=ctx.cursor, resources={"warehouse": Warehouse(data_dir=str(root))}
        )
        assert isinstance(inbox_sensor(ctx2), dg.SkipReason)
        deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(JANUARY[:2]))
        ctx3 = dg.build_sensor_context(
            instance=instance, cursor=ctx.cursor, resources={"warehouse": Warehouse(data_dir=str(root))}
        )
        again = inbox_sensor(ctx3)
        assert isinstance(again, dg.RunRequest) and again.tags["ketenmonitor/changed"] == "1"
        assert again.run_key != request.run_key


def test_asset_checks_carry_rule_codes_rows_and_the_data_docs_page(root):
    import dagster as dg

    from pipelines.deliveries import leveringen
    from tests.dagster_runs import resources

    rows = [JANUARY[0], JANUARY[1].replace("VOORLOPIGE_OTS", "OTZ"), JANUARY[2].replace("GM0268", "GM9999")]
    deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(rows))
    key = "JBGL/gi_maatregelen/2024-01-31.csv"
    with dg.instance_for_test() as instance:
        result = dg.materialize([leveringen], instance=instance, resources=resources(root))
    assert result.success  # a rejected delivery is a finding, not a failed run
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    fouten, waarschuwingen = checks["fouten"], checks["waarschuwingen"]
    assert not fouten.passed and fouten.severity == dg.AssetCheckSeverity.ERROR
    assert waarschuwingen.passed and waarschuwingen.severity == dg.AssetCheckSeverity.WARN
    assert fouten.metadata["rule_codes"].value == "ALG-CODE-001, ALG-REF-001"
    delivery = fouten.metadata["per_delivery"].value[key]
    assert delivery["codes"] == ["ALG-CODE-001", "ALG-REF-001"]
    rules = {r["code"]: r for r in delivery["rules"]}
    assert (rules["ALG-CODE-001"]["kolom"], rules["ALG-CODE-001"]["aantal"], rules["ALG-CODE-001"]["rijen"]) == (
        "maatregel_type",
        1,
        [3],
    )
    assert (rules["ALG-REF-001"]["kolom"], rules["ALG-REF-001"]["rijen"]) == ("gemeente_code", [4])
    page = Path(delivery["data_docs"])
    assert page.is_file() and "ALG-CODE-001" in page.read_text(encoding="utf-8")
    assert KIND[1] not in str(fouten.metadata)


def test_run_exits_1_when_the_pipeline_fails(root):
    """Another process holding the warehouse open for writing makes the steps fail: exit status 1."""
    import subprocess
    import sys
    import time

    deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(JANUARY))
    warehouse = root / "warehouse" / "ketenmonitor.duckdb"
    warehouse.parent.mkdir(parents=True)
    ready = root / "locked"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time, pathlib; con = duckdb.connect(sys.argv[1]); "
            "pathlib.Path(sys.argv[2]).touch(); time.sleep(120)",
            str(warehouse),
            str(ready),
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        summary = run_pipeline(root, log=lambda _: None)
        assert summary.failed_steps and summary.exit_code == 1
    finally:
        holder.kill()
        holder.wait()


def test_gx_is_opened_once_per_run_before_the_first_delivery_as_its_own_phase(root):
    import dagster as dg

    from pipelines.deliveries import LEVERINGEN, leveringen
    from tests.dagster_runs import resources

    deliver(root, "JBGL", "gi_maatregelen", "2024-01-31", gim(JANUARY))
    deliver(root, "JBGL", "gi_maatregelen", "2024-02-29", gim(FEBRUARY))

    def timings() -> dict:
        with dg.instance_for_test() as instance:
            result = dg.materialize([leveringen], instance=instance, resources=resources(root))
        [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == LEVERINGEN]
        return event.materialization.metadata["timings"].value

    first = timings()
    # One opening, then a checkpoint per delivery, all after it: the first delivery's gx span no
    # longer holds the import of great_expectations.
    assert len(first["gx_open"]) == 1 and len(first["gx"]) == 2
    opened_at, open_done = first["gx_open"][0]
    assert opened_at <= open_done <= min(start for start, _ in first["gx"])
    # Nothing new: GX is not opened at all.
    assert "gx_open" not in timings()
