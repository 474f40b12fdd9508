"""Retention as a Dagster job: `opschonen_job` does what `ketenmonitor opschonen --uitvoeren` does
(marts/opschonen.py), on the schedule `opschonen_schedule` at `bewaren.opschonen_cron` in
`planning.tijdzone` (definitions/instellingen.yaml; by default the 17th at 06:00, the day after
the monthly run, so the histories it freezes are up to date).

Its one op writes the warehouse, so it runs in the DuckDB pool: never beside a run's steps.
"""

import dagster as dg

from marts.opschonen import opschonen
from pipelines.resources import DUCKDB_POOL, Warehouse
from sources.definitions import Definitions, current_definitions

OPSCHONEN_JOB = "opschonen_job"


@dg.op(
    name="opschonen",
    pool=DUCKDB_POOL,
    description=(
        "Removes the files (archive copy, typed copy, inbox copy of that version) of superseded deliveries whose "
        "peildatum lies more than bewaren.bewaartermijn_maanden months back; keeps their sha256, verdict and rule "
        "results and freezes the region history they told. Never touches a delivery in force."
    ),
)
def opschonen_op(context: dg.OpExecutionContext, warehouse: Warehouse) -> dg.Output[int]:
    defs = current_definitions()
    with warehouse.connect() as con:
        plan, removed = opschonen(con, warehouse.root, defs, uitvoeren=True, log=context.log.info)
    context.log.info(plan.format_text(executed=True))
    return dg.Output(
        len(removed),
        metadata={
            "grens": str(plan.grens),
            "bewaartermijn_maanden": plan.bewaartermijn_maanden,
            "versies": len(plan.versies),
            "bestanden_verwijderd": len(removed),
            "overgeslagen": dg.MetadataValue.json({f"{o} {b}": why for (o, b), why in plan.overgeslagen.items()}),
        },
    )


@dg.job(name=OPSCHONEN_JOB, description="Retention: removes the files of superseded deliveries past the bewaartermijn.")
def opschonen_job() -> None:
    opschonen_op()


def schedule_for(defs: Definitions) -> dg.ScheduleDefinition:
    """The schedule of `opschonen_job` at bewaren.opschonen_cron in planning.tijdzone."""
    bewaren, tijdzone = defs.instellingen.bewaren, defs.instellingen.planning.tijdzone
    cron = bewaren.opschonen_cron
    return dg.ScheduleDefinition(
        name="opschonen",
        job=opschonen_job,
        cron_schedule=cron,
        execution_timezone=tijdzone,
        description=(
            f"Runs opschonen_job at '{cron}' ({tijdzone}): removes the files of superseded deliveries past the "
            f"bewaartermijn of {bewaren.bewaartermijn_maanden} months (definitions/instellingen.yaml)."
        ),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


opschonen_schedule = schedule_for(current_definitions())
