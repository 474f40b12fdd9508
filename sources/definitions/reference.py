"""Reference tables from the definitions as frames, ready to load into the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
from pydantic import Field, field_validator, model_validator

from sources.definitions import Definitions, DefinitionsError
from sources.definitions.base import _Model
from sources.definitions.load import _read_csv
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


CASELOADNORMEN_FILE = "caseloadnormen.csv"


class Caseloadnorm(_Model):
    """One row of referentie/caseloadnormen.csv (docs/contract.md section 4.6).

    `organisatie_code` is a GI or `*` (all GIs); a GI's own row wins over `*` for the same kader
    on a peildatum. Validity runs from geldig_van to geldig_tot inclusive (empty = open), like
    gemeenten.csv. An empty norm or band means "no norm": the shipped JR row is empty, because
    no caseload norm for jeugdreclassering was agreed (the 2022 study's 15 and 12-14 are JB's).
    """

    organisatie_code: str = Field(pattern=r"^(\*|[A-Z][A-Z0-9_]*)$")
    kader: str = Field(pattern=r"^[A-Z]+$")
    geldig_van: date
    geldig_tot: date | None = None
    norm_per_fte: float | None = Field(default=None, gt=0)
    streef_kinderen_min: float | None = Field(default=None, gt=0)
    streef_kinderen_max: float | None = Field(default=None, gt=0)

    @field_validator("geldig_tot", "norm_per_fte", "streef_kinderen_min", "streef_kinderen_max", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _consistent(self) -> Caseloadnorm:
        if self.geldig_tot is not None and self.geldig_tot < self.geldig_van:
            raise ValueError("geldig_tot lies before geldig_van")
        if (self.streef_kinderen_min is None) != (self.streef_kinderen_max is None):
            raise ValueError("streef_kinderen_min and streef_kinderen_max are both filled or both empty")
        if self.streef_kinderen_min is not None and self.streef_kinderen_min > self.streef_kinderen_max:
            raise ValueError("streef_kinderen_min is above streef_kinderen_max")
        return self


def caseloadnormen_rows(defs: Definitions) -> list[Caseloadnorm]:
    """The rows of caseloadnormen.csv, checked against the organisations and kaders of the definitions."""
    file = defs.root / "referentie" / CASELOADNORMEN_FILE
    rows: list[Caseloadnorm] = _read_csv(file, Caseloadnorm)
    gis = {o.organisatie_code for o in defs.organisaties if o.organisatie_type == "GI"}
    kaders = {c.kader for c in defs.codelijsten["maatregel_type"].codes if c.kader}
    for i, row in enumerate(rows):
        where = f"row {i + 2}"
        if row.organisatie_code != "*" and row.organisatie_code not in gis:
            raise DefinitionsError(file, where, f"organisatie_code {row.organisatie_code!r} is neither * nor a GI")
        if row.kader not in kaders:
            raise DefinitionsError(file, where, f"unknown kader {row.kader!r} (expected {', '.join(sorted(kaders))})")
        # Two rows of one organisation and kader valid on the same day would make the norm ambiguous.
        for j, other in enumerate(rows[:i]):
            if (other.organisatie_code, other.kader) == (row.organisatie_code, row.kader) and (
                row.geldig_van <= (other.geldig_tot or date.max) and other.geldig_van <= (row.geldig_tot or date.max)
            ):
                raise DefinitionsError(file, where, f"validity overlaps row {j + 2} of the same organisation and kader")
    return rows


def caseloadnormen(defs: Definitions) -> pd.DataFrame:
    columns = list(Caseloadnorm.model_fields)
    frame = pd.DataFrame([r.model_dump() for r in caseloadnormen_rows(defs)], columns=columns)
    for col in ("norm_per_fte", "streef_kinderen_min", "streef_kinderen_max"):
        frame[col] = frame[col].astype("float64")
    # Typed as dates even when every geldig_tot is empty (pandas would make an all-empty column a timestamp).
    for col in ("geldig_van", "geldig_tot"):
        frame[col] = pd.array(list(frame[col]), dtype=pd.ArrowDtype(pa.date32()))
    return frame


# The reference tables of schema `referentie`: name -> (frame builder, description).
TABLES: dict[str, tuple[Callable[[Definitions], pd.DataFrame], str]] = {
    "gemeenten": (gemeenten, "Municipalities with their jeugdregio and validity dates (referentie/gemeenten.csv)."),
    "organisaties": (organisaties, "Delivering organisations with their type (referentie/organisaties.csv)."),
    "werkgebieden": (werkgebieden, "Which jeugdregio's each organisation serves (referentie/werkgebieden.csv)."),
    "werkdagkalender": (
        werkdagkalender,
        "Working days of the Algemene termijnenwet for norm 1 (referentie/werkdagen.yaml, brugdagen.csv).",
    ),
    "caseloadnormen": (
        caseloadnormen,
        "Caseload norm and target band per GI (or * for all) and kader, with validity dates "
        "(referentie/caseloadnormen.csv).",
    ),
}
