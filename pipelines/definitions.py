"""The Dagster `Definitions` of Ketenmonitor: the one list of assets and checks, in flow order.

(The folder `definitions/` is the data contract; this module is Dagster's definitions.)
`pipelines/run.py` takes its assets and checks from here.
"""

import dagster as dg

from pipelines.automation import jobs, schedules, sensors
from pipelines.deliveries import data_docs, levering
from pipelines.exports import export_assets
from pipelines.marts import mart_asset_checks, mart_assets
from pipelines.reference import reference_assets
from pipelines.reports import report_assets
from pipelines.resources import default_warehouse
from pipelines.staging import staging_assets

# Everything after the deliveries, in flow order: what `ketenmonitor run` and the full job build.
DOWNSTREAM = [
    *reference_assets,
    *staging_assets(),
    data_docs,
    *mart_assets(),
    *export_assets(),
    *report_assets(),
]
ASSETS = [levering, *DOWNSTREAM]
CHECKS = mart_asset_checks()

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=jobs,
    schedules=schedules(),
    sensors=sensors,
    resources={"warehouse": default_warehouse()},
)
