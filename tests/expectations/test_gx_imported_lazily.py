"""Great Expectations costs seconds to import: only `expectations.gx` may import it, and nothing that
delivery intake, `ketenmonitor check` or the marts import at module import time reaches it.

Each check runs in a fresh interpreter, since this test process may have imported GX already.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import marts
import sources

ROOT = Path(__file__).resolve().parents[2]


def imports_gx(statement: str) -> bool:
    code = f"{statement}\nimport sys\nprint('great_expectations' in sys.modules)"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return proc.stdout.strip().splitlines()[-1] == "True"


def test_intake_runner_and_validation_do_not_import_great_expectations() -> None:
    assert not imports_gx("import marts.intake, marts.runner, expectations.validate")


def test_no_module_of_marts_sources_or_the_rules_engine_imports_great_expectations() -> None:
    modules = ["expectations.rules", "expectations.validate", "expectations.bsn"]
    for package in (marts, sources):
        modules += [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    assert len(modules) > 10
    assert not imports_gx("\n".join(f"import {m}" for m in modules))


def test_the_gx_adapter_does_import_it() -> None:
    # The check above can fail: the validator is where great_expectations comes in.
    assert imports_gx("import expectations.gx.validation")
