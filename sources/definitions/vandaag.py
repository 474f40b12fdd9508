"""The date a judgement about "today" is made on: one helper for validation and the delivery monitor."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sources.definitions.models import Definitions

VANDAAG_ENV = "KETENMONITOR_VANDAAG"


def vandaag(defs: Definitions) -> date:
    """$KETENMONITOR_VANDAAG (tests, re-judging a past day) or today in the planning's time zone.

    Today is taken in `planning.tijdzone`, so a run at 00:30 in Amsterdam judges on the Dutch date.
    Rule ALG-DATUM-002 (no peildatum after today) and the delivery monitor (marts/aanlevering) use it.
    """
    override = os.environ.get(VANDAAG_ENV)
    if override:
        try:
            return date.fromisoformat(override)
        except ValueError:
            raise ValueError(f"{VANDAAG_ENV}={override!r} is not a date (YYYY-MM-DD)") from None
    return datetime.now(ZoneInfo(defs.instellingen.planning.tijdzone)).date()
