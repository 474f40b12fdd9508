"""When things run: the deliveries job and its inbox sensor, the full job and its monthly schedule."""

import json

import dagster as dg

from marts.intake import inbox_file
from pipelines.deliveries import inbox_keys, levering, leveringen_partitions
from pipelines.resources import Warehouse
from sources.definitions import Definitions, current_definitions
from sources.paths import inbox_dir

FULL_JOB = "ketenmonitor_job"

leveringen_job = dg.define_asset_job("leveringen_job", selection=[levering])

# Everything downstream of the deliveries and the reference data it needs: the deliveries
# themselves are partitions the inbox sensor runs as they arrive.
full_job = dg.define_asset_job(
    FULL_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(levering),
    description="Reference data, staging, Data Docs, the marts and everything after them (not the deliveries).",
)


@dg.sensor(job=leveringen_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    """Adds a partition for every new inbox file and runs it; a changed file (new mtime) runs again.

    Partition keys are `inbox_keys` (a name that is not valid UTF-8 gets escapes and is quarantined
    by its run); a file gone between listing and looking is left for the next tick.
    """
    inbox = inbox_dir(warehouse.root)
    if not inbox.is_dir():
        return dg.SkipReason(f"no inbox at {inbox}")
    seen: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
    mtimes: dict[str, float] = {}
    for key in inbox_keys(inbox):
        try:
            mtimes[key] = inbox_file(inbox, key).stat().st_mtime
        except FileNotFoundError:
            continue
    changed = [k for k, mtime in mtimes.items() if seen.get(k) != mtime]
    if not changed:
        return dg.SkipReason("no new or changed deliveries")
    known = set(context.instance.get_dynamic_partitions(leveringen_partitions.name))
    new = [k for k in changed if k not in known]
    context.update_cursor(json.dumps(mtimes))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=k, run_key=f"{k}@{mtimes[k]}") for k in changed],
        dynamic_partitions_requests=[leveringen_partitions.build_add_request(new)] if new else [],
    )


def schedules(defs: Definitions | None = None) -> list[dg.ScheduleDefinition]:
    """The monthly schedule of the full job, at planning.cron in planning.tijdzone (definitions/instellingen.yaml)."""
    planning = (defs or current_definitions()).instellingen.planning
    return [
        dg.ScheduleDefinition(
            name="maandelijks",
            job=full_job,
            cron_schedule=planning.cron,
            execution_timezone=planning.tijdzone,
            description=(
                f"Rebuilds everything downstream of the deliveries at '{planning.cron}' ({planning.tijdzone}), "
                "after the delivery term of the previous month (planning in definitions/instellingen.yaml)."
            ),
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
    ]


jobs = [leveringen_job, full_job]
sensors = [inbox_sensor]
