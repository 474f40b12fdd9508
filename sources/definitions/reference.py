"""Reference tables from the definitions as frames, ready to load into the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from sources.definitions import Definitions
from sources.definitions.werkdagen import Werkdagkalender

# Norm deadlines fall after the latest peildatum: the calendar runs this many years beyond.
CALENDAR_YEARS_AHEAD = 2


def gemeenten(defs: Definitions) -> pd.DataFrame:
    frame = pd.DataFrame([g.model_dump() for g in defs.gemeenten])
    for col in ("geldig_van", "geldig_tot"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def organisaties(defs: Definitions) -> pd.DataFrame:
    return pd.DataFrame([o.model_dump() for o in defs.organisaties])


def werkgebieden(defs: Definitions) -> pd.DataFrame:
    return pd.DataFrame([w.model_dump() for w in defs.werkgebieden])


def werkdagkalender(defs: Definitions, tot_jaar: int | None = None) -> pd.DataFrame:
    """One row per day from the monitor start date: whether it is a working day (norm 1), and why not."""
    start = defs.instellingen.monitor_startdatum
    tot_jaar = tot_jaar or max(date.today().year, start.year) + CALENDAR_YEARS_AHEAD
    kalender = Werkdagkalender(defs, start.year, tot_jaar)
    days = [start + timedelta(days=i) for i in range((date(tot_jaar, 12, 31) - start).days + 1)]
    return pd.DataFrame(
        {
            "datum": days,
            "is_werkdag": [kalender.is_werkdag(d) for d in days],
            "reden_vrij": [kalender.reden_vrij(d) for d in days],
        }
    )


# The reference tables of schema `referentie`: name -> (frame builder, description).
TABLES: dict[str, tuple[Callable[[Definitions], pd.DataFrame], str]] = {
    "gemeenten": (gemeenten, "Municipalities with their jeugdregio and validity dates (referentie/gemeenten.csv)."),
    "organisaties": (organisaties, "Delivering organisations with their type (referentie/organisaties.csv)."),
    "werkgebieden": (werkgebieden, "Which jeugdregio's each organisation serves (referentie/werkgebieden.csv)."),
    "werkdagkalender": (
        werkdagkalender,
        "Working days of the Algemene termijnenwet for norm 1 (referentie/werkdagen.yaml, brugdagen.csv).",
    ),
}
