"""Geometry of the value trend chart, drawn as server-side SVG by templates/value/_section.html.

Each rating is placed by its date (app/kit/svg.py: a date scale that keeps two ratings a day
apart legible by holding them a marker's width apart); the dates under the plot are thinned so
that none overlap. Everything is in viewBox units; the SVG scales to the width of its box, so the
sizes here are chosen to stay readable when a phone shrinks the 400-unit-wide chart to about 350
pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.kit import svg
from app.kit.svg import day as day

FRAME = svg.Frame(400, 220, left=30, right=388, top=22, bottom=190, font=12, dates_y=210)
SCALE_MAX = 10
y_of = svg.Linear(0, SCALE_MAX, FRAME.bottom, FRAME.top)  # 0 at the bottom, 10 at the top
MIN_GAP = 16.0  # between two ratings: room for their values ("10" in bold)
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
class Chart(svg.DatedChart):
    overall: Series
    dimensions: tuple[Series, ...]
    show_values: bool


@dataclass(frozen=True)
class Rated:
    """What the chart needs of one rating."""

    at: datetime
    overall: int
    scores: dict[str, int]


def x_positions(ratings: Sequence[Rated]) -> list[float]:
    """Each rating placed by its date across the plot."""
    return svg.by_date([r.at for r in ratings], FRAME.left, FRAME.right, MIN_GAP)


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
    xs = x_positions(ratings)
    whens = [day(r.at) for r in ratings]
    overall_points = tuple(
        Point(x, y_of(r.overall), r.overall, when)
        for x, r, when in zip(xs, ratings, whens, strict=True)
    )
    overall = Series("Overall", overall_points, svg.line(overall_points))
    lines: list[Series] = []
    if len(dimensions) <= MAX_DIMENSION_LINES:
        for name in dimensions:
            maybe = [
                Point(x, y_of(r.scores[name]), r.scores[name], when) if name in r.scores else None
                for x, r, when in zip(xs, ratings, whens, strict=True)
            ]
            points = tuple(p for p in maybe if p is not None)
            if len(points) >= 2:
                lines.append(Series(name, points, svg.line(maybe)))
    return Chart(
        frame=FRAME,
        ticks=y_of.ticks(2),
        x_labels=svg.date_labels(xs, whens, FRAME),
        overall=overall,
        dimensions=tuple(lines),
        show_values=len(ratings) <= MAX_VALUE_LABELS,
        description=describe(ratings),
    )
