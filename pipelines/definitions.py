"""The Dagster `Definitions` of Ketenmonitor: the one list of assets, in flow order.

(The folder `definitions/` is the data contract; this module is Dagster's definitions.)
Five steps: the deliveries (with the Data Docs), staging (with the reference data and the
region history), the marts (with their checks), the region exports, the reports.
`pipelines/run.py` runs them as one run.
"""

import dagster as dg

from pipelines.automation import jobs, schedules, sensors
from pipelines.deliveries import leveringen
from pipelines.exports import export_assets
from pipelines.marts import mart_assets
from pipelines.opschonen import opschonen_job, opschonen_schedule
from pipelines.progress import Progress
from pipelines.reports import report_assets
from pipelines.resources import default_warehouse
from pipelines.staging import staging

ASSETS = [leveringen, staging, *mart_assets(), *export_assets(), *report_assets()]

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[*jobs, opschonen_job],
    schedules=[*schedules(), opschonen_schedule],
    sensors=sensors,
    resources={"warehouse": default_warehouse(), "progress": Progress()},
)
