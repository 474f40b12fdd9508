"""Shared test set-up.

The tests mirror the tree (tests/<folder>/ for each stage). This folder is on `sys.path` (pytest
puts a rootdir conftest's folder there), so the shared helpers import by name:
`headless_chromium` (the browser tests) and `valid_deliveries` (one valid delivery per bron).
"""

import pytest

from sources.definitions import Definitions, load_definitions


@pytest.fixture(scope="session")
def defs() -> Definitions:
    """The repository's definitions, loaded once per test session."""
    return load_definitions()
