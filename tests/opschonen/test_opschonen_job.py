"""The retention job and its schedule (pipelines/opschonen.py), run by Dagster on a real warehouse
(the scenario of test_bewaren.py: 13 files of 5 superseded versions are past the term)."""

import dagster as dg

from pipelines.opschonen import opschonen_job, opschonen_schedule, schedule_for
from pipelines.resources import Warehouse
from tests.opschonen.test_bewaren import build, files


def test_the_job_removes_what_the_command_would(tmp_path, defs, monkeypatch):
    con = build(tmp_path, defs)
    con.close()
    before = files(tmp_path)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", "2027-04-15")
    result = opschonen_job.execute_in_process(
        resources={"warehouse": Warehouse(data_dir=str(tmp_path))}, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    assert result.output_for_node("opschonen") == 13
    assert len(before - files(tmp_path)) == 13
    # Run again: nothing left past the term.
    again = opschonen_job.execute_in_process(
        resources={"warehouse": Warehouse(data_dir=str(tmp_path))}, instance=dg.DagsterInstance.ephemeral()
    )
    assert again.output_for_node("opschonen") == 0


def test_the_schedule_follows_the_definitions(defs):
    assert opschonen_schedule.cron_schedule == defs.instellingen.bewaren.opschonen_cron == "0 6 17 * *"
    assert opschonen_schedule.execution_timezone == defs.instellingen.planning.tijdzone
    assert opschonen_schedule.job_name == "opschonen_job"
    changed = defs.model_copy(
        update={
            "instellingen": defs.instellingen.model_copy(
                update={"bewaren": defs.instellingen.bewaren.model_copy(update={"opschonen_cron": "30 2 1 * *"})}
            )
        }
    )
    assert schedule_for(changed).cron_schedule == "30 2 1 * *"
