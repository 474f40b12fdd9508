"""The figures a region decides on, read from one region export; shared by the region report and
the board overview.

- the **achterstand** (backlog) on the latest month-end (docs/contract.md section 4.4);
- the three norms per kader as **settled rolling-12 percentages** with their n (binnen + buiten,
  sections 4.2 and 4.3), compared with the window a quarter and a year earlier, and the
  unsettled months after it as counts so far (`voorlopig`), never as a percentage;
- the **settled quarters** of a norm, for the trend lines.

Every value is an exported cell (or why there is none), or a sum or ratio of visible cells of
one row: a performance row is shown whole or emptied whole (section 5.2), so nothing here can
bring back a suppressed figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from reports.export_data import (
    GEEN,
    KWARTAAL,
    MAAND,
    ROLLEND_12,
    TOTAAL,
    Mart,
    RegionExport,
    Waarde,
    cell,
    latest_settled,
    norm_n,
    norm_pct,
)

# Both kaders have the same three norms (section 4.2); the reports show them side by side.
KADERS = ("JB", "JR")
# Settled quarters in the norm trend lines and the board's sparklines: two years.
KWARTALEN = 8
# The backlog columns in the chain's order: (column, table label, subject of a sentence); Dutch,
# the report's text.
ACHTERSTAND = (
    ("lopend", "lopend", "Het aantal lopende maatregelen"),
    ("wachtend_op_jeugdbeschermer", "wacht op jeugdbeschermer", "Het aantal maatregelen zonder vaste jeugdbeschermer"),
    (
        "wachtend_langer_dan_norm_1",
        "wacht langer dan norm 1",
        "Het aantal maatregelen dat langer dan de termijn van norm 1 wacht op een jeugdbeschermer",
    ),
    (
        "zonder_plan_na_norm_2",
        "geen plan na norm 2",
        "Het aantal lopende maatregelen zonder plan van aanpak na de termijn van norm 2",
    ),
    (
        "zonder_hulp_na_norm_3",
        "geen hulp na norm 3",
        "Het aantal lopende maatregelen zonder passende hulp na de termijn van norm 3",
    ),
)
KADER_NAMEN = {"JB": "Jeugdbescherming (JB)", "JR": "Jeugdreclassering (JR)"}


def kaders(first: str) -> list[str]:
    """Both kaders, `first` (definitions: rapportage.kader_normen) first."""
    return sorted(KADERS, key=lambda k: k != first)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarters_ending(last: date | None, count: int) -> list[date]:
    """The `count` calendar quarters up to and including the one starting on `last`, oldest first."""
    return [last - relativedelta(months=3 * k) for k in range(count - 1, -1, -1)] if last else []


def latest_quarters(mart: Mart, count: int, **filters: object) -> list[date]:
    """The `count` quarters ending with the latest quarter row matching `filters` (for marts
    without a settled flag: doorstroom, doorlooptijden, instroom)."""
    last = max((r["periode"] for r in mart.where(**KWARTAAL, **filters)), default=None)
    return quarters_ending(last, count)


def settled_quarters(normen: Mart, kader: str, norm: str, count: int = KWARTALEN, org: str = TOTAAL) -> list[date]:
    """The `count` quarters ending with the latest quarter settled for the norm (the region's row):
    an unsettled quarter is left off the axis, not drawn as a gap."""
    return quarters_ending(latest_settled(normen, KWARTAAL, organisatie_code=org, kader=kader, norm=norm), count)


@dataclass(frozen=True)
class Window:
    """One rolling-12 figure: the window's last month, the percentage and its n."""

    periode: date | None
    pct: Waarde
    n: Waarde


@dataclass(frozen=True)
class Voorlopig:
    """An unsettled month after the settled window: the counts so far, no percentage."""

    month: date
    binnen: Waarde
    buiten: Waarde
    nog_binnen_termijn: Waarde


@dataclass(frozen=True)
class RollingNorm:
    kader: str
    norm: str
    label: str
    latest: Window
    quarter_earlier: Window
    year_earlier: Window
    voorlopig: list[Voorlopig]


def _window(normen: Mart, periode: date | None, **filters: object) -> Window:
    if periode is None:
        return Window(None, Waarde(None, GEEN), Waarde(None, GEEN))
    row = normen.find(**ROLLEND_12, periode=periode, **filters)
    return Window(periode, norm_pct(row), norm_n(row))


def rolling_norm(
    normen: Mart, kader: str, norm: str, label: str, last_month: date | None, org: str = TOTAAL
) -> RollingNorm:
    """The latest settled rolling-12 window of a norm (the region's, or a GI's), the windows a
    quarter and a year before it, and the months after it up to `last_month` as voorlopig counts."""
    where = {"organisatie_code": org, "kader": kader, "norm": norm}
    periode = latest_settled(normen, ROLLEND_12, **where)
    voorlopig = []
    if periode is not None and last_month is not None:
        month = periode + relativedelta(months=1)
        while month <= last_month:
            counts = ("binnen_norm", "buiten_norm", "nog_binnen_termijn")
            voorlopig.append(Voorlopig(month, *(cell(normen, c, **MAAND, periode=month, **where) for c in counts)))
            month += relativedelta(months=1)
    return RollingNorm(
        kader=kader,
        norm=norm,
        label=label,
        latest=_window(normen, periode, **where),
        quarter_earlier=_window(normen, periode and periode - relativedelta(months=3), **where),
        year_earlier=_window(normen, periode and periode - relativedelta(months=12), **where),
        voorlopig=voorlopig,
    )


def latest_backlog_date(export: RegionExport) -> date | None:
    """The latest month-end of the region's achterstand."""
    return max((r["peildatum"] for r in export.table("achterstand").rows), default=None)


def backlog(export: RegionExport, peildatum: date | None, org: str, kader: str) -> list[Waarde]:
    """The achterstand columns of one GI (or the region, TOTAAL) and kader on a month-end."""
    mart = export.table("achterstand")
    return [cell(mart, column, peildatum=peildatum, organisatie_code=org, kader=kader) for column, _, _ in ACHTERSTAND]
