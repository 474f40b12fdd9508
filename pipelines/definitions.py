"""The Dagster `Definitions` of Ketenmonitor (the folder `definitions/` is the data contract)."""

import dagster as dg

from pipelines.deliveries import data_docs, inbox_sensor, levering, leveringen_job
from pipelines.marts import mart_asset_checks, mart_assets
from pipelines.reference import reference_assets
from pipelines.resources import default_warehouse
from pipelines.staging import staging_assets

defs = dg.Definitions(
    assets=[*reference_assets, levering, data_docs, *staging_assets(), *mart_assets()],
    asset_checks=mart_asset_checks(),
    jobs=[leveringen_job],
    sensors=[inbox_sensor],
    resources={"warehouse": default_warehouse()},
)
