"""The working-day calendar of norm 1, derived from `definitions/referentie/werkdagen.yaml`.

Algemene termijnenwet, art. 3: weekends, the listed holidays (Goede Vrijdag and 5 mei every
year) and the decreed bridge days do not count.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter

from sources.definitions import Definitions

_WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


def feestdagen(defs: Definitions, jaar: int) -> dict[date, str]:
    """The non-working days of one year other than weekends: date -> name."""
    result: dict[date, str] = {}
    pasen = easter(jaar)
    for fd in defs.werkdagen.feestdagen:
        if fd.regel == "pasen":
            dag = pasen + timedelta(days=fd.dagen_na_pasen or 0)
        else:
            dag = date(jaar, fd.maand or 1, fd.dag or 1)
            if fd.als_zondag_dagen is not None and dag.weekday() == 6:
                dag += timedelta(days=fd.als_zondag_dagen)
        result[dag] = fd.naam
    for bd in defs.brugdagen:
        if bd.datum.year == jaar:
            result[bd.datum] = bd.omschrijving or "Brugdag"
    return result


class Werkdagkalender:
    """Answers 'is this a working day' and 'the n-th working day after' for a range of years."""

    def __init__(self, defs: Definitions, van_jaar: int, tot_jaar: int) -> None:
        self._werkdagen = {_WEEKDAYS.index(d) for d in defs.werkdagen.werkdagen}
        self._vrij: dict[date, str] = {}
        for jaar in range(van_jaar, tot_jaar + 1):
            self._vrij.update(feestdagen(defs, jaar))

    def is_werkdag(self, dag: date) -> bool:
        return dag.weekday() in self._werkdagen and dag not in self._vrij

    def reden_vrij(self, dag: date) -> str | None:
        if dag in self._vrij:
            return self._vrij[dag]
        return None if dag.weekday() in self._werkdagen else "weekend"

    def plus_werkdagen(self, dag: date, n: int) -> date:
        """The n-th working day after `dag` (n >= 1); `dag` itself never counts."""
        if n < 1:
            raise ValueError("n must be at least 1")
        while n:
            dag += timedelta(days=1)
            if self.is_werkdag(dag):
                n -= 1
        return dag
