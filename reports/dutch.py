"""Dutch number, date and month formatting for the reports (no locale dependency)."""

from __future__ import annotations

import math
import numbers
from datetime import date

MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")  # fmt: skip
MAANDEN_KORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def getal(value: float | int, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (Dutch separators)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def dagen(value: float) -> str:
    """A number of days: whole days stay whole, a median between two days keeps its half."""
    return getal(value, 0 if float(value).is_integer() else 1)


def procent(value: float) -> str:
    return f"{getal(value, 0)}%"


def maand(day: date) -> str:
    """date(2026, 10, 1) -> 'oktober 2026'."""
    return f"{MAANDEN[day.month - 1]} {day.year}"


def datum(day: date) -> str:
    """date(2026, 10, 31) -> '31 oktober 2026'."""
    return f"{day.day} {MAANDEN[day.month - 1]} {day.year}"


def is_number(value: object) -> bool:
    """A real number (numpy's too), not NaN, not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def kwartaal(day: date) -> str:
    """date(2026, 7, 1) -> '3e kwartaal 2026'."""
    return f"{(day.month - 1) // 3 + 1}e kwartaal {day.year}"


def kwartaal_kort(day: date) -> str:
    """date(2026, 7, 1) -> 'K3 2026' (chart axes)."""
    return f"K{(day.month - 1) // 3 + 1} {day.year}"


def twaalf_maanden(last_month: date) -> str:
    """The rolling 12-month window ending with `last_month`: '12 maanden t/m september 2026'."""
    return f"12 maanden t/m {maand(last_month)}"
