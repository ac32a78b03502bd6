"""Geometry of the scorecard history chart, drawn as server-side SVG by
templates/scorecard/account.html: the account's current-performance and future-potential scores
over its scorings.

As the value trend chart (app/value/chart.py), it plots one step per scoring, each labelled with
its date, rather than a time axis. The two lines differ by colour AND by dash and marker (a
solid line with round markers, a dashed line with square markers), and the legend names them,
so the chart reads without colour. Everything is in viewBox units; the SVG scales to the width
of its box: a 375-pixel-wide phone shows the 340-unit-wide chart about 310 pixels wide, so the
13-unit text stays at about 12 pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.models import SCORE_MAX, SCORE_MIN, TIER_THRESHOLD, ScorecardHalf
from app.value.chart import day as day
from app.value.chart import label_indexes

WIDTH = 340
HEIGHT = 228
LEFT, RIGHT, TOP, BOTTOM = 30.0, 330.0, 24.0, 192.0  # the plot area (room for values)
INSET = 20.0  # the first and last points keep clear of the scale and of the box's edge
FONT = 13
MAX_X_LABELS = 3  # dates of 11 characters at this size: three fit side by side on a phone
MAX_VALUE_LABELS = 8  # more scorings than this: the values would crowd; the table has them


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
    colour: str
    dash: str  # SVG stroke-dasharray ('' for a solid line)
    marker: str  # "circle" or "square"
    points: tuple[Point, ...]
    path: str


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Chart:
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    series: tuple[Series, ...]
    threshold_y: float
    show_values: bool
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM
    font: int = FONT


@dataclass(frozen=True)
class Scoring:
    """What the chart needs of one scoring."""

    at: datetime
    current: float
    future: float


STYLES = {
    ScorecardHalf.CURRENT: ("#1f5fbf", "", "circle"),
    ScorecardHalf.FUTURE: ("#9a4d00", "7 4", "square"),
}


def x_positions(count: int) -> list[float]:
    """Evenly spaced across the plot; a single point sits in the middle."""
    if count <= 0:
        return []
    if count == 1:
        return [round((LEFT + RIGHT) / 2, 1)]
    first, last = LEFT + INSET, RIGHT - INSET
    step = (last - first) / (count - 1)
    return [round(first + i * step, 1) for i in range(count)]


def y_of(value: float) -> float:
    """1 at the bottom of the plot, 5 at the top (values outside are clamped)."""
    value = min(max(value, SCORE_MIN), SCORE_MAX)
    return round(BOTTOM - (value - SCORE_MIN) / (SCORE_MAX - SCORE_MIN) * (BOTTOM - TOP), 1)


def line(points: Sequence[Point]) -> str:
    return " ".join(f"{'L' if i else 'M'}{p.x:g} {p.y:g}" for i, p in enumerate(points))


def describe(scorings: Sequence[Scoring]) -> str:
    """The chart in words, for its ``<desc>``."""
    if not scorings:
        return "No scorings yet."
    first, last = scorings[0], scorings[-1]
    if len(scorings) == 1:
        return (
            f"One scoring on {day(first.at)}: current performance {first.current:.1f}, "
            f"future potential {first.future:.1f} (out of 5)."
        )
    return (
        f"{len(scorings)} scorings from {day(first.at)} to {day(last.at)}. Current performance "
        f"went from {first.current:.1f} to {last.current:.1f}, future potential and fit from "
        f"{first.future:.1f} to {last.future:.1f} (out of 5; {TIER_THRESHOLD:.1f} and above "
        "counts as high)."
    )


def build(scorings: Sequence[Scoring]) -> Chart:
    """The chart of ``scorings``, oldest first."""
    xs = x_positions(len(scorings))
    whens = [day(s.at) for s in scorings]
    values = {
        ScorecardHalf.CURRENT: [s.current for s in scorings],
        ScorecardHalf.FUTURE: [s.future for s in scorings],
    }
    series: list[Series] = []
    for half, mine in values.items():
        other_half = (
            ScorecardHalf.FUTURE if half is ScorecardHalf.CURRENT else ScorecardHalf.CURRENT
        )
        theirs = values[other_half]
        points: list[Point] = []
        for x, value, other, when in zip(xs, mine, theirs, whens, strict=True):
            y = y_of(value)
            # Above the point when this line is the higher one (the current line on a tie),
            # below it otherwise, unless that would run into the dates under the plot.
            above = value > other or (value == other and half is ScorecardHalf.CURRENT)
            label_y = y - 9 if above or y + 18 > BOTTOM else y + 18
            points.append(Point(x, y, value, when, round(label_y, 1)))
        colour, dash, marker = STYLES[half]
        series.append(
            Series(half.value, half.label, colour, dash, marker, tuple(points), line(points))
        )
    labels: list[XLabel] = []
    for i in label_indexes(len(scorings), MAX_X_LABELS):
        # The first and last dates stay inside the box: they start and end at their point.
        anchor = "middle"
        if len(scorings) > 1 and i == 0:
            anchor = "start"
            x = xs[i] - INSET
        elif len(scorings) > 1 and i == len(scorings) - 1:
            anchor = "end"
            x = xs[i] + INSET
        else:
            x = xs[i]
        labels.append(XLabel(round(x, 1), whens[i], anchor))
    return Chart(
        ticks=tuple(Tick(v, y_of(v)) for v in range(SCORE_MIN, SCORE_MAX + 1)),
        x_labels=tuple(labels),
        series=tuple(series),
        threshold_y=y_of(TIER_THRESHOLD),
        show_values=len(scorings) <= MAX_VALUE_LABELS,
        description=describe(scorings),
    )
