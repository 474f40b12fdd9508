"""When things run: the main job, its inbox sensor and its monthly schedule.

The main job is what `ketenmonitor run` does: the whole inbox in one step, then staging, the
marts, the exports and the reports, each a step that does only what changed.
"""

import json

import dagster as dg

from marts.intake import inbox_file
from pipelines.precheck import inbox_keys
from pipelines.resources import Warehouse
from sources.archive import sha256_text
from sources.definitions import Definitions, current_definitions
from sources.paths import inbox_dir

FULL_JOB = "ketenmonitor_job"

full_job = dg.define_asset_job(
    FULL_JOB,
    selection=dg.AssetSelection.all(),
    description=(
        "The inbox (new and changed deliveries only), staging, the marts, the region exports and the reports; "
        "each step rebuilds only what changed."
    ),
)


@dg.sensor(job=full_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    """One run of the main job when a file in the inbox is new or changed (a new mtime).

    A file gone between listing and looking is left for the next tick.
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
    changed = sorted(k for k, mtime in mtimes.items() if seen.get(k) != mtime)
    if not changed:
        return dg.SkipReason("no new or changed deliveries")
    context.update_cursor(json.dumps(mtimes))
    run_key = sha256_text(json.dumps(mtimes, sort_keys=True))[:32]
    return dg.RunRequest(run_key=run_key, tags={"ketenmonitor/changed": str(len(changed))})


def schedules(defs: Definitions | None = None) -> list[dg.ScheduleDefinition]:
    """The monthly schedule of the main job, at planning.cron in planning.tijdzone (definitions/instellingen.yaml)."""
    planning = (defs or current_definitions()).instellingen.planning
    return [
        dg.ScheduleDefinition(
            name="maandelijks",
            job=full_job,
            cron_schedule=planning.cron,
            execution_timezone=planning.tijdzone,
            description=(
                f"Runs the main job at '{planning.cron}' ({planning.tijdzone}), after the delivery term of the "
                "previous month (planning in definitions/instellingen.yaml): the delivery monitor and the board "
                "judge the new month even when nothing was delivered."
            ),
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
    ]


jobs = [full_job]
sensors = [inbox_sensor]
