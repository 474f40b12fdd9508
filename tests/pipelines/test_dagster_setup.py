"""The Dagster instance settings and the staging step's reference data, materialised for real."""

from datetime import date

import dagster as dg
import duckdb

from pipelines.definitions import defs as dagster_defs
from pipelines.instance import prepare_dagster_home
from pipelines.resources import DUCKDB_POOL
from pipelines.staging import staging
from tests.dagster_runs import resources


def test_dagster_yaml_configures_queue_pool_and_telemetry(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = prepare_dagster_home(tmp_path)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        settings = instance.get_concurrency_config()
        assert settings.pool_config.default_pool_limit == 1
        assert instance.get_settings("telemetry") == {"enabled": False}
    finally:
        instance.dispose()


def test_every_warehouse_asset_is_in_the_duckdb_pool():
    keys = dagster_defs.resolve_all_asset_keys()
    writers = [dagster_defs.get_assets_def(k) for k in keys]
    writers = [a for a in writers if "warehouse" in a.required_resource_keys]
    assert writers
    for assets_def in writers:
        assert assets_def.node_def.pools == {DUCKDB_POOL}, assets_def.key


def test_the_staging_step_loads_the_reference_data_into_the_warehouse(tmp_path):
    # On an empty data dir: the reference data, and empty staging tables (nothing delivered yet).
    result = dg.materialize([staging], resources=resources(tmp_path))
    assert result.success
    keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "referentie/gemeenten",
        "referentie/werkdagkalender",
        "staging/gi_maatregelen",
        "historie/gemeenten",
    } <= keys
    con = duckdb.connect(str(tmp_path / "warehouse" / "ketenmonitor.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from referentie.gemeenten").fetchall() == [(113,)]
        assert con.execute(
            "select jeugdregio_code from referentie.gemeenten where gemeente_code = 'GM0153'"
        ).fetchall() == [("TWENTE",)]
        assert con.execute("select count(*) from referentie.organisaties where organisatie_type = 'GI'").fetchall() == [
            (7,)
        ]
        days = dict(
            con.execute(
                "select datum, is_werkdag from referentie.werkdagkalender where datum in "
                "('2021-05-05', '2021-05-06', '2024-03-29', '2024-04-01', '2024-04-02', '2019-01-01')"
            ).fetchall()
        )
        assert days == {
            date(2019, 1, 1): False,
            date(2021, 5, 5): False,
            date(2021, 5, 6): True,
            date(2024, 3, 29): False,
            date(2024, 4, 1): False,
            date(2024, 4, 2): True,
        }
        assert con.execute("select min(datum) from referentie.werkdagkalender").fetchall() == [(date(2019, 1, 1),)]
    finally:
        con.close()


def test_dagster_definitions_validate_passes_with_schedule_and_sensor(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    from pathlib import Path

    assert [s.name for s in dagster_defs.schedules] == ["maandelijks", "opschonen"]
    assert [s.name for s in dagster_defs.sensors] == ["inbox_sensor"]
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # restored after the test
    home = prepare_dagster_home(tmp_path)
    env = {**os.environ, "DAGSTER_HOME": str(home), "KETENMONITOR_DATA_DIR": str(tmp_path)}
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "passed validation" in done.stdout + done.stderr
