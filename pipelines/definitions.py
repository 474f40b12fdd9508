"""The Dagster `Definitions` of Ketenmonitor (the folder `definitions/` is the data contract)."""

from __future__ import annotations

import dagster as dg

from pipelines.reference import reference_assets
from pipelines.resources import default_warehouse

defs = dg.Definitions(
    assets=[*reference_assets],
    resources={"warehouse": default_warehouse()},
)
