"""The one loader of the contract as data (`definitions/`).

- `base.py`: the error type and the strict base model;
- `rules.py`: the rule kinds and the one table of how each applies (`CHECK_KINDS`);
- `models.py`: settings, norms, code lists, types, bronnen, reference data, what the reports show;
- `load.py`: reading, cross-checking and caching (`load_definitions`, `current_definitions`);
- `reference.py`, `werkdagen.py`: the reference tables and the working-day calendar;
- `vandaag.py`: the date "today" is judged on (validation and the delivery monitor);
- `dictionary.py`: the generated data dictionary.
"""

from sources.definitions.base import DefinitionsError
from sources.definitions.load import (
    DEFAULT_DEFINITIONS_DIR,
    DEFINITIONS_DIR_ENV,
    current_definitions,
    definitions_dir,
    load_definitions,
)
from sources.definitions.models import Bron, Definitions, Kolomtype, Limieten, Onderdrukking
from sources.definitions.rules import (
    CHECK_KINDS,
    GENERAL_CHECKS,
    PRE_READ_CHECKS,
    ROW_CHECKS,
    GevuldPreciesAlsRegel,
    JarenVoorDatumRegel,
    JarenVoorPeildatumRegel,
    NietVoorRegel,
    Regel,
    UniekRegel,
    VerplichtTenzijRegel,
)
from sources.definitions.vandaag import VANDAAG_ENV, vandaag

__all__ = [
    "CHECK_KINDS",
    "DEFAULT_DEFINITIONS_DIR",
    "DEFINITIONS_DIR_ENV",
    "GENERAL_CHECKS",
    "PRE_READ_CHECKS",
    "ROW_CHECKS",
    "VANDAAG_ENV",
    "Bron",
    "Definitions",
    "DefinitionsError",
    "GevuldPreciesAlsRegel",
    "JarenVoorDatumRegel",
    "JarenVoorPeildatumRegel",
    "Kolomtype",
    "Limieten",
    "NietVoorRegel",
    "Onderdrukking",
    "Regel",
    "UniekRegel",
    "VerplichtTenzijRegel",
    "current_definitions",
    "definitions_dir",
    "load_definitions",
    "vandaag",
]
