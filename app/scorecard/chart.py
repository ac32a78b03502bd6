"""Geometry of the scorecard history chart, drawn as server-side SVG by
templates/scorecard/account.html: the account's current-performance and future-potential scores
over its scorings.

As the value trend chart (app/value/chart.py), each scoring is placed by its date on the shared
date scale (app/kit/svg.py), and the dates under it are thinned so that none overlap. The two
lines differ by colour AND by dash and marker (a solid line with round markers, a dashed line
with square markers), and the legend names them, so the chart reads without colour. Everything
is in viewBox units; the SVG scales to the width of its box: a 375-pixel-wide phone shows the
340-unit-wide chart about 310 pixels wide, so the 13-unit text stays at about 12 pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.kit import numbers, svg
from app.kit.numbers import DEFAULT_LOCALE
from app.kit.svg import day as day
from app.models import SCORE_MAX, SCORE_MIN, TIER_THRESHOLD, ScorecardHalf

FRAME = svg.Frame(340, 228, left=30, right=330, top=24, bottom=192, font=13, dates_y=216)
INSET = 20.0  # the first and last points keep clear of the scale and of the box's edge
MIN_GAP = 24.0  # scorings on one instant sit side by side this far apart
MAX_VALUE_LABELS = 8  # more scorings than this: the values would crowd; the table has them
BOLD = 7 / 6  # a bold value is measured this much wider than plain text
y_of = svg.Linear(SCORE_MIN, SCORE_MAX, FRAME.bottom, FRAME.top)  # 1 at the bottom, 5 at the top


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    when: str
    label_y: float  # where the value is written: on the side away from the other line


@dataclass(frozen=True)
class Series:
    key: str  # "current" or "future"
    name: str
    tone: str  # the colour's class: chart-<tone> (static/app.css)
    dash: str  # SVG stroke-dasharray ('' for a solid line)
    marker: str  # "circle" or "square"
    points: tuple[Point, ...]
    path: str


@dataclass(frozen=True)
class Chart(svg.DatedChart):
    series: tuple[Series, ...]
    threshold_y: float
    show_values: bool


@dataclass(frozen=True)
class Scoring:
    """What the chart needs of one scoring."""

    at: datetime
    current: float
    future: float


STYLES = {
    ScorecardHalf.CURRENT: ("brand", "", "circle"),
    ScorecardHalf.FUTURE: ("alt", "7 4", "square"),
}


def describe(scorings: Sequence[Scoring], locale: str = DEFAULT_LOCALE) -> str:
    """The chart in words, for its ``<desc>``, its days and scores as ``locale`` writes them."""
    if not scorings:
        return "No scorings yet."
    first, last = scorings[0], scorings[-1]

    def n(value: float) -> str:
        return numbers.decimal(value, locale)

    if len(scorings) == 1:
        return (
            f"One scoring on {day(first.at, locale)}: current performance {n(first.current)}, "
            f"future potential {n(first.future)} (out of 5)."
        )
    return (
        f"{len(scorings)} scorings from {day(first.at, locale)} to {day(last.at, locale)}. "
        f"Current performance went from {n(first.current)} to {n(last.current)}, future "
        f"potential and fit from {n(first.future)} to {n(last.future)} (out of 5; "
        f"{n(TIER_THRESHOLD)} and above counts as high)."
    )


def _series(
    half: ScorecardHalf, xs: Sequence[float], scorings: Sequence[Scoring], locale: str
) -> Series:
    current = half is ScorecardHalf.CURRENT
    points: list[Point] = []
    for x, s in zip(xs, scorings, strict=True):
        value, other = (s.current, s.future) if current else (s.future, s.current)
        y = y_of(value)
        # Above the point when this line is the higher one (the current line on a tie), below
        # it otherwise, unless that would run into the dates under the plot.
        above = value > other or (value == other and current)
        label_y = svg.value_y(y, FRAME.font, above, bottom=FRAME.bottom)
        points.append(Point(x, y, value, day(s.at, locale), label_y))
    tone, dash, marker = STYLES[half]
    return Series(half.value, half.label, tone, dash, marker, tuple(points), svg.line(points))


def _values_fit(series: Sequence[Series]) -> bool:
    """Whether every value can be written without two overlapping (scorings close in time sit
    close on the date scale; the table has every value)."""
    labels = [
        svg.Label(p.x, f"{p.value:.1f}", "middle", p.label_y) for s in series for p in s.points
    ]
    return all(svg.clear(labels, FRAME.font * BOLD))


def build(scorings: Sequence[Scoring], locale: str = DEFAULT_LOCALE) -> Chart:
    """The chart of ``scorings``, oldest first, its dates as ``locale`` writes a day."""
    xs = svg.by_date([s.at for s in scorings], FRAME.left + INSET, FRAME.right - INSET, MIN_GAP)
    series = tuple(_series(half, xs, scorings, locale) for half in STYLES)
    return Chart(
        frame=FRAME,
        ticks=y_of.ticks(),
        x_labels=svg.date_labels(xs, [day(s.at, locale) for s in scorings], FRAME),
        series=series,
        threshold_y=y_of(TIER_THRESHOLD),
        show_values=len(scorings) <= MAX_VALUE_LABELS and _values_fit(series),
        description=describe(scorings, locale),
    )
