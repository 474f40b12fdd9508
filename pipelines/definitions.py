"""The Dagster `Definitions` of Ketenmonitor (the folder `definitions/` is the data contract)."""

import dagster as dg

from pipelines.deliveries import data_docs, inbox_sensor, levering, leveringen_job
from pipelines.exports import export_assets
from pipelines.marts import mart_asset_checks, mart_assets
from pipelines.monitoring import monitoring_assets, monitoring_checks, monitoring_jobs, schedules
from pipelines.reference import reference_assets
from pipelines.reports import report_assets
from pipelines.resources import default_warehouse
from pipelines.staging import staging_assets

defs = dg.Definitions(
    assets=[
        *reference_assets,
        levering,
        data_docs,
        *staging_assets(),
        *mart_assets(),
        *monitoring_assets(),
        *export_assets(),
        *report_assets(),
    ],
    asset_checks=[*mart_asset_checks(), *monitoring_checks()],
    jobs=[leveringen_job, *monitoring_jobs()],
    schedules=schedules(),
    sensors=[inbox_sensor],
    resources={"warehouse": default_warehouse()},
)
