"""Geometry of the value trend chart, drawn as server-side SVG by templates/value/_section.html.

The chart plots one step per rating (equal spacing, each labelled with its date) rather than a
time axis: ratings come at reviews, and two ratings a day apart must stay legible. Everything
is in viewBox units; the SVG scales to the width of its box, so the sizes here are chosen to stay
readable when a phone shrinks the 400-unit-wide chart to about 350 pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH = 400
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 30.0, 388.0, 22.0, 190.0  # the plot area (room above for values)
SCALE_MAX = 10
MAX_X_LABELS = 5
MAX_VALUE_LABELS = 12  # more points than this: the values would overlap; the table has them
MAX_DIMENSION_LINES = 6  # more lines than this are not legible


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    when: str


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]
    path: str  # SVG path data; a rating that left a dimension out breaks its line


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str
    anchor: str  # SVG text-anchor: the first and last labels stay inside the box


@dataclass(frozen=True)
class Chart:
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    overall: Series
    dimensions: tuple[Series, ...]
    show_values: bool
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM


@dataclass(frozen=True)
class Rated:
    """What the chart needs of one rating."""

    at: datetime
    overall: int
    scores: dict[str, int]


def day(at: datetime) -> str:
    """'3 Jan 2026'."""
    return f"{at.day} {at:%b %Y}"


def x_positions(count: int) -> list[float]:
    """Evenly spaced across the plot; a single point sits in the middle."""
    if count <= 0:
        return []
    if count == 1:
        return [round((LEFT + RIGHT) / 2, 1)]
    step = (RIGHT - LEFT) / (count - 1)
    return [round(LEFT + i * step, 1) for i in range(count)]


def y_of(value: float) -> float:
    """0 at the bottom of the plot, 10 at the top (values outside are clamped)."""
    value = min(max(value, 0), SCALE_MAX)
    return round(BOTTOM - value / SCALE_MAX * (BOTTOM - TOP), 1)


def label_indexes(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Which points get a date label: the first and the last always, evenly between."""
    if count <= most:
        return list(range(count))
    step = math.ceil((count - 1) / (most - 1))
    chosen = list(range(0, count - 1, step))
    if count - 1 - chosen[-1] < step:  # too close to the last label to be read: drop it
        chosen.pop()
    return [*chosen, count - 1]


def path(points: Sequence[Point | None]) -> str:
    """``M x y L x y …``; a ``None`` (not rated) starts a new piece of line."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point.x:g} {point.y:g}")
        pen_down = True
    return " ".join(parts)


def describe(ratings: Sequence[Rated]) -> str:
    """The chart in words, for its ``<desc>``."""
    if not ratings:
        return "No ratings yet."
    first, last = ratings[0], ratings[-1]
    values = [r.overall for r in ratings]
    if len(ratings) == 1:
        return f"One rating: {first.overall} out of 10 on {day(first.at)}."
    return (
        f"Overall rating across {len(ratings)} ratings, from {first.overall} out of 10 on "
        f"{day(first.at)} to {last.overall} on {day(last.at)}; lowest {min(values)}, "
        f"highest {max(values)}."
    )


def build(ratings: Sequence[Rated], dimensions: Sequence[str]) -> Chart:
    """The chart of ``ratings`` (oldest first); a line per dimension in ``dimensions`` that
    was rated at least twice, when there are few enough dimensions to tell the lines apart."""
    xs = x_positions(len(ratings))
    whens = [day(r.at) for r in ratings]
    overall_points = tuple(
        Point(x, y_of(r.overall), r.overall, when)
        for x, r, when in zip(xs, ratings, whens, strict=True)
    )
    overall = Series("Overall", overall_points, path(overall_points))
    lines: list[Series] = []
    if len(dimensions) <= MAX_DIMENSION_LINES:
        for name in dimensions:
            maybe = [
                Point(x, y_of(r.scores[name]), r.scores[name], when) if name in r.scores else None
                for x, r, when in zip(xs, ratings, whens, strict=True)
            ]
            points = tuple(p for p in maybe if p is not None)
            if len(points) >= 2:
                lines.append(Series(name, points, path(maybe)))
    labels = []
    chosen = label_indexes(len(ratings))
    for i in chosen:
        anchor = "middle"
        if len(ratings) > 1 and i == 0:
            anchor = "start"
        elif len(ratings) > 1 and i == len(ratings) - 1:
            anchor = "end"
        labels.append(XLabel(xs[i], whens[i], anchor))
    return Chart(
        ticks=tuple(Tick(v, y_of(v)) for v in range(0, SCALE_MAX + 1, 2)),
        x_labels=tuple(labels),
        overall=overall,
        dimensions=tuple(lines),
        show_values=len(ratings) <= MAX_VALUE_LABELS,
        description=describe(ratings),
    )
