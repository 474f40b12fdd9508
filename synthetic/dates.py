"""Dates as numpy day numbers (days since 1970-01-01, int32) and the working-day calendar, vectorised.

A missing date is `NAT`, the largest int32: it compares as later than every peildatum,
so "blank every date after the peildatum" also keeps missing dates missing.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sources.definitions import Definitions
from sources.definitions.werkdagen import Werkdagkalender

NAT = np.int32(np.iinfo(np.int32).max)
_EPOCH = date(1970, 1, 1)


def dag(d: date) -> int:
    """Day number of a date."""
    return (d - _EPOCH).days


def datum(n: int) -> date:
    return _EPOCH + timedelta(days=int(n))


def maand_einde(jaar: int, maand: int) -> date:
    """Last day of a month."""
    return (date(jaar + maand // 12, maand % 12 + 1, 1)) - timedelta(days=1)


def maanden(van: date, tot: date) -> list[date]:
    """First days of the months from `van`'s month through `tot`'s month."""
    result, jaar, maand = [], van.year, van.month
    while (jaar, maand) <= (tot.year, tot.month):
        result.append(date(jaar, maand, 1))
        jaar, maand = (jaar + 1, 1) if maand == 12 else (jaar, maand + 1)
    return result


def plus_maanden(d: date, n: int) -> date:
    """First day of the month n months after d's month."""
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def jaar_van(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def plus_jaren(days: np.ndarray, jaren: int) -> np.ndarray:
    """The same calendar day `jaren` years later (29 February -> 1 March)."""
    d = days.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    offset = d - years.astype("datetime64[D]")
    target = (years + np.timedelta64(jaren, "Y")).astype("datetime64[D]") + offset
    return target.astype(np.int64).astype(np.int32)


class Werkdagen:
    """Working days (Algemene termijnenwet, via sources.definitions.werkdagen) as a sorted day-number array."""

    def __init__(self, defs: Definitions, van: date, tot: date) -> None:
        kalender = Werkdagkalender(defs, van.year, tot.year)
        days = np.arange(dag(date(van.year, 1, 1)), dag(date(tot.year, 12, 31)) + 1, dtype=np.int32)
        self._dagen = np.array([d for d in days if kalender.is_werkdag(datum(int(d)))], dtype=np.int32)

    def volgende(self, days: np.ndarray) -> np.ndarray:
        """The day itself when a working day, else the next working day."""
        idx = np.searchsorted(self._dagen, days, side="left")
        return self._dagen[np.minimum(idx, len(self._dagen) - 1)]

    def vorige(self, days: np.ndarray) -> np.ndarray:
        """The day itself when a working day, else the previous working day."""
        idx = np.searchsorted(self._dagen, days, side="right") - 1
        return self._dagen[np.maximum(idx, 0)]

    def plus(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The n-th working day after each day (n >= 1); n == 0 keeps the day itself."""
        idx = np.searchsorted(self._dagen, days, side="right") + n - 1
        later = self._dagen[np.minimum(idx, len(self._dagen) - 1)]
        return np.where(n == 0, days, later).astype(np.int32)


def jan1(jaren: np.ndarray) -> np.ndarray:
    """Day number of 1 January of each year."""
    return (np.asarray(jaren, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def niet_ouder_dan(geboorte: np.ndarray, op: np.ndarray, max_jaren: int) -> np.ndarray:
    """Birth days moved into the year (year of `op` - max_jaren) when earlier: the year difference stays <= max_jaren.

    The contract's age warnings compare years, not exact ages: a 17-year-old born in December
    is 18 by year difference in January. Such a child is made a few months younger instead.
    """
    return np.maximum(geboorte, jan1(jaar_van(np.asarray(op)) - max_jaren)).astype(geboorte.dtype)
