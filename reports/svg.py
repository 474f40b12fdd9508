"""Inline SVG charts: no script, no font or file from elsewhere, so a report works offline and in print.

Colour-blind safe: the Okabe-Ito palette, and every series also differs in dash pattern and
marker shape, so the lines stay apart in black and white. A missing or suppressed month is a
gap in the line, never a zero.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from reports.dutch import MAANDEN_KORT, getal, maand

# Okabe & Ito (2008), without yellow (too light on white paper).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "9 3 2 3", "4 2 1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 14, 34
_ids = itertools.count(1)


def new_document() -> None:
    """Number charts from 1 again: a report's element ids then follow from its own contents only
    (not from how many reports this process rendered before), so equal exports give equal HTML."""
    global _ids
    _ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per month; None: suppressed or no figure (a gap)
    emphasis: bool = False  # a total drawn thicker than its parts


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Reference:
    value: float
    label: str


@dataclass(frozen=True)
class Style:
    colour: str
    dash: str
    marker: str


def style(index: int) -> Style:
    """The look of the index-th series; colour, dash and marker change together."""
    return Style(COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)], MARKERS[index % len(MARKERS)])


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exponent
        if top >= value:
            return top
    return 10 ** (exponent + 1)


def marker(shape: str, x: float, y: float, colour: str, size: float = 3.2) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"/>'
    if shape == "square":
        s = size * 0.9
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="{colour}"/>'
    if shape == "triangle":
        s = size * 1.2
        points = f"{x:.1f},{y - s:.1f} {x - s:.1f},{y + s * 0.8:.1f} {x + s:.1f},{y + s * 0.8:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        s = size * 1.2
        points = f"{x:.1f},{y - s:.1f} {x - s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x + s:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    s = size
    return (
        f'<path d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def swatch(index: int, emphasis: bool = False) -> str:
    """A small legend sample of the index-th series (inline SVG)."""
    look = style(index)
    dash = f' stroke-dasharray="{look.dash}"' if look.dash else ""
    return (
        f'<svg class="swatch" width="34" height="12" viewBox="0 0 34 12" aria-hidden="true">'
        f'<line x1="1" y1="6" x2="33" y2="6" stroke="{look.colour}" stroke-width="{3 if emphasis else 2}"{dash}/>'
        f"{marker(look.marker, 17, 6, look.colour)}</svg>"
    )


def _month_label(day: date) -> str:
    return f"{MAANDEN_KORT[day.month - 1]} {day.year % 100:02d}"


def line_chart(
    months: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    unit: str,
    fmt: Callable[[float], str] = getal,
    band: Band | None = None,
    reference: Reference | None = None,
    y_max: float | None = None,
    name: Callable[[date], str] = maand,
    tick: Callable[[date], str] | None = None,
    tick_every: int | None = None,
    width: int = WIDTH,
) -> str:
    """A line chart over periods (months by default; `name` and `tick` name another kind, such as
    quarters); returns an <svg> element with a title and description for screen readers."""
    n = len(months)
    chart_id = f"grafiek-{next(_ids)}"
    visible = [v for s in series for v in s.values if v is not None]
    top = y_max or _nice_max(max([*visible, band.high if band else 0, reference.value if reference else 0, 0]) * 1.08)
    w = width
    plot_w, plot_h = w - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n if n else 0)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="grafiek" viewBox="0 0 {w} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_description(months, series, unit, name))}</desc>',
    ]
    if band:
        parts.append(
            f'<rect x="{LEFT}" y="{y(band.high):.1f}" width="{plot_w}" height="{y(band.low) - y(band.high):.1f}" '
            f'fill="#009E73" fill-opacity="0.14"><title>{escape(band.label)}</title></rect>'
        )
    for k in range(5):  # gridlines and y labels
        value = top * k / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{w - RIGHT}" y2="{y(value):.1f}" stroke="#d0d0d0" '
            f'stroke-width="1"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" class="as">'
            f"{escape(fmt(value))}</text>"
        )
    if reference:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(reference.value):.1f}" x2="{w - RIGHT}" y2="{y(reference.value):.1f}" '
            f'stroke="#000" stroke-width="1.5" stroke-dasharray="8 4"><title>{escape(reference.label)}</title></line>'
            f'<text x="{w - RIGHT - 4}" y="{y(reference.value) - 5:.1f}" text-anchor="end" class="as">'
            f"{escape(reference.label)}</text>"
        )
    step = tick_every or (3 if n <= 36 else 6)
    for i, day in enumerate(months):
        if (n - 1 - i) % step == 0:  # always label the latest period
            parts.append(
                f'<line x1="{x(i):.1f}" y1="{TOP + plot_h}" x2="{x(i):.1f}" y2="{TOP + plot_h + 4}" stroke="#555"/>'
                f'<text x="{x(i):.1f}" y="{HEIGHT - 14}" text-anchor="middle" class="as">'
                f"{escape((tick or _month_label)(day))}</text>"
            )
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{w - RIGHT}" y2="{TOP + plot_h}" stroke="#555"/>')
    for index, s in enumerate(series):
        look = style(index)
        dash = f' stroke-dasharray="{look.dash}"' if look.dash else ""
        for run in _runs(s.values):
            if len(run) > 1:
                points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{look.colour}" '
                    f'stroke-width="{3 if s.emphasis else 2}"{dash} stroke-linejoin="round"/>'
                )
        for i, v in enumerate(s.values):
            if v is not None:
                parts.append(
                    f"<g>{marker(look.marker, x(i), y(v), look.colour)}"
                    f"<title>{escape(s.label)}, {escape(name(months[i]))}: {escape(fmt(v))} {escape(unit)}</title></g>"
                )
    if not visible:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" class="leeg">'
            "Geen cijfers te tonen: onderdrukt (kleine aantallen) of niet geleverd</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive present values: the pieces of a line broken at every gap."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, v))
    return [r for r in runs if r]


def _description(
    months: Sequence[date], series: Sequence[Series], unit: str, name: Callable[[date], str] = maand
) -> str:
    if not months:
        return "Geen perioden."
    lines = [f"{name(months[0])} tot en met {name(months[-1])}, in {unit}."]
    for s in series:
        last = next(((months[i], v) for i, v in reversed(list(enumerate(s.values))) if v is not None), None)
        lines.append(f"{s.label}: " + (f"laatst {getal(last[1], 1)} in {name(last[0])}." if last else "geen cijfers."))
    return " ".join(lines)


def sparkline(values: Sequence[float | None], *, label: str, y_max: float = 100.0) -> str:
    """A small line without axes (board overview); the last visible point is marked."""
    w, h, pad = 120, 30, 3
    n = len(values)
    points = []
    parts = [
        f'<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{escape(label)}">'
    ]
    parts.append(f'<line x1="0" y1="{h - pad}" x2="{w}" y2="{h - pad}" stroke="#ccc"/>')
    for run in _runs(values):
        points = [(pad + (w - 2 * pad) * i / max(n - 1, 1), h - pad - (h - 2 * pad) * v / y_max) for i, v in run]
        if len(points) > 1:
            text = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{text}" fill="none" stroke="{COLOURS[0]}" stroke-width="1.5"/>')
    if points:
        px, py = points[-1]
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{COLOURS[1]}"/>')
    parts.append("</svg>")
    return "".join(parts)
