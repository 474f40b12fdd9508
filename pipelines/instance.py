"""The Dagster instance of a data dir: DAGSTER_HOME is <data dir>/dagster, configured by the repo's dagster.yaml."""

import os
import shutil
from pathlib import Path

import dagster as dg

from sources.paths import dagster_home

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"


def prepare_dagster_home(root: Path) -> Path:
    """Create <data dir>/dagster with a copy of dagster.yaml and point DAGSTER_HOME at it."""
    home = dagster_home(root)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != REPO_DAGSTER_YAML.read_bytes():
        shutil.copyfile(REPO_DAGSTER_YAML, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def instance_for(root: Path) -> dg.DagsterInstance:
    prepare_dagster_home(root)
    return dg.DagsterInstance.get()
