"""The shared state of one generator run: definitions, parameters, network, children, calendar, time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from sources.definitions import Definitions

from .dates import Werkdagen, dag, maanden
from .parameters import Parameters
from .population import Kinderen, Netwerk
from .sampling import stream


@dataclass
class Simulatie:
    defs: Definitions
    params: Parameters
    netwerk: Netwerk
    kinderen: Kinderen
    werkdagen: Werkdagen
    seed: int
    schaal: float
    startdatum: date  # the monitor's start date
    horizon: date  # the last peildatum any delivery of this run can have

    def rng(self, *names: str) -> np.random.Generator:
        return stream(self.seed, *names)

    def code(self, lijst: str, code: str) -> int:
        """Index of a code in its code list; codes travel as these indices (int16, -1 = empty)."""
        return self.defs.codelijsten[lijst].waarden.index(code)

    def codes(self, lijst: str) -> list[str]:
        return self.defs.codelijsten[lijst].waarden

    @property
    def start_dag(self) -> int:
        return dag(self.startdatum)

    @property
    def horizon_dag(self) -> int:
        return dag(self.horizon)

    def venster(self, inloop_jaren: int) -> list[date]:
        """First days of the simulated months: from inloop_jaren before the start date to the horizon."""
        begin = date(self.startdatum.year - inloop_jaren, self.startdatum.month, 1)
        return maanden(begin, self.horizon)


def jaarwaarde(tabel: dict[int, float], jaar: int) -> float:
    """A yearly national volume; a year not in the table takes the nearest year present."""
    nearest = min(tabel, key=lambda y: (abs(y - jaar), y))
    return float(tabel[nearest])


def maandvolumes(tabel: dict[int, float], maandstarts: list[date], aandeel: np.ndarray, schaal: float) -> np.ndarray:
    """Expected records per (region, month): national yearly volume / 12 x region share x scale."""
    per_maand = np.array([jaarwaarde(tabel, m.year) / 12.0 for m in maandstarts])
    return np.outer(aandeel, per_maand) * schaal


def dagen_in_maanden(rng: np.random.Generator, maandstarts: list[date], maand: np.ndarray) -> np.ndarray:
    """A uniform day within each record's month."""
    starts = np.array([dag(m) for m in maandstarts] + [dag(_next_month(maandstarts[-1]))], dtype=np.int64)
    lengths = starts[1:] - starts[:-1]
    return (starts[maand] + np.floor(rng.random(len(maand)) * lengths[maand])).astype(np.int32)


def _next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def poisson_records(rng: np.random.Generator, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts per (region, month) expanded to one (region, month) pair per record."""
    counts = rng.poisson(lam)
    regio, maand = np.nonzero(counts)
    reps = counts[regio, maand]
    return np.repeat(regio, reps).astype(np.int32), np.repeat(maand, reps).astype(np.int64)
