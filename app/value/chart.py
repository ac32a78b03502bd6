"""Geometry of the value trend chart, drawn as server-side SVG by templates/value/_section.html:
the value the client sees today (overall, and per dimension) and, as a second line, the value it
expects the relationship to have.

Each rating is placed by its date on a true date scale (app/kit/svg.py: x proportional to the
time since the first rating, so ratings a day apart sit close and a year apart far); the dates
under the plot and the values over the points are thinned so that none overlap (the table under
the chart has every one). Everything is in viewBox units; the SVG scales to the width of its box, so the
sizes here are chosen to stay readable when a phone shrinks the 400-unit-wide chart to about 350
pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from app.kit import svg
from app.kit.numbers import DEFAULT_LOCALE
from app.kit.svg import day as day

FRAME = svg.Frame(400, 220, left=30, right=388, top=22, bottom=190, font=12, dates_y=210)
SCALE_MAX = 10
y_of = svg.Linear(0, SCALE_MAX, FRAME.bottom, FRAME.top)  # 0 at the bottom, 10 at the top
VALUE_RISE = 8.0  # a value's baseline this far above its point
MIN_GAP = 16.0  # ratings on one instant sit side by side this far apart
BOLD_FONT = 14.0  # what a bold value is measured as: bold digits are wider
MAX_DIMENSION_LINES = 6  # more lines than this are not legible


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    when: str
    show_value: bool = False  # its value written over it (when it does not overlap another)

    @property
    def label_y(self) -> float:
        """The baseline of its value, over it."""
        return round(self.y - VALUE_RISE, 1)


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]
    path: str  # SVG path data; a rating that left a dimension out breaks its line


@dataclass(frozen=True)
class Chart(svg.DatedChart):
    overall: Series
    dimensions: tuple[Series, ...]
    # The value the client expects the relationship to have, at the ratings that said it
    # (None: no rating did): a dashed line with hollow squares beside today's solid line.
    future: Series | None = None


@dataclass(frozen=True)
class Rated:
    """What the chart needs of one rating."""

    at: datetime
    overall: int
    scores: dict[str, int]
    future: int | None = None  # the overall value expected; None: not said


def x_positions(ratings: Sequence[Rated]) -> list[float]:
    """Each rating placed by its date across the plot."""
    return svg.by_date([r.at for r in ratings], FRAME.left, FRAME.right, MIN_GAP)


def describe(ratings: Sequence[Rated], locale: str = DEFAULT_LOCALE) -> str:
    """The chart in words, for its ``<desc>``, its days as ``locale`` writes them."""
    if not ratings:
        return "No ratings yet."
    first, last = ratings[0], ratings[-1]
    values = [r.overall for r in ratings]
    futures = [r for r in ratings if r.future is not None]
    expected = (
        f" The value expected in the future: {futures[-1].future} out of 10 in the latest "
        f"rating that said it, on {day(futures[-1].at, locale)}."
        if futures
        else ""
    )
    if len(ratings) == 1:
        return f"One rating: {first.overall} out of 10 on {day(first.at, locale)}.{expected}"
    return (
        f"Overall rating across {len(ratings)} ratings, from {first.overall} out of 10 on "
        f"{day(first.at, locale)} to {last.overall} on {day(last.at, locale)}; lowest {min(values)}, "
        f"highest {max(values)}.{expected}"
    )


def _with_values(points: Sequence[Point]) -> tuple[Point, ...]:
    """``points`` with the values to write over them: every one when none overlap; otherwise
    the latest, the first, the highest and the lowest, as many of those as keep clear of one
    another (the table under the chart has every value)."""
    labels = [svg.Label(p.x, str(p.value), "middle", p.label_y) for p in points]
    shown = svg.clear(labels, BOLD_FONT)
    if not all(shown):
        values = [p.value for p in points]
        last = len(points) - 1
        highest = max(range(len(points)), key=lambda i: (values[i], i))
        lowest = min(range(len(points)), key=lambda i: (values[i], -i))
        shown = svg.clear(labels, BOLD_FONT, [last, 0, highest, lowest])
    return tuple(replace(p, show_value=s) for p, s in zip(points, shown, strict=True))


def build(
    ratings: Sequence[Rated], dimensions: Sequence[str], locale: str = DEFAULT_LOCALE
) -> Chart:
    """The chart of ``ratings`` (oldest first); a line per dimension in ``dimensions`` that
    was rated at least twice, when there are few enough dimensions to tell the lines apart.
    Its dates are written as ``locale`` writes a day."""
    xs = x_positions(ratings)
    whens = [day(r.at, locale) for r in ratings]
    overall_points = _with_values(
        [
            Point(x, y_of(r.overall), r.overall, when)
            for x, r, when in zip(xs, ratings, whens, strict=True)
        ]
    )
    overall = Series("Overall", overall_points, svg.line(overall_points))
    future = _future(ratings, xs, whens, overall_points)
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
        description=describe(ratings, locale),
        future=future,
    )


def _future(
    ratings: Sequence[Rated], xs: Sequence[float], whens: Sequence[str], today: Sequence[Point]
) -> Series | None:
    """The expected value's line (a rating that did not say it breaks it); the latest expected
    value written over its point when it keeps clear of today's values."""
    maybe = [
        Point(x, y_of(r.future), r.future, when) if r.future is not None else None
        for x, r, when in zip(xs, ratings, whens, strict=True)
    ]
    points = [p for p in maybe if p is not None]
    if not points:
        return None
    labels = [svg.Label(p.x, str(p.value), "middle", p.label_y) for p in today if p.show_value]
    last = points[-1]
    labels.append(svg.Label(last.x, str(last.value), "middle", last.label_y))
    shown = svg.clear(labels, BOLD_FONT, [*range(len(labels) - 1), len(labels) - 1])[-1]
    points[-1] = replace(last, show_value=shown)
    return Series("Expected in the future", tuple(points), svg.line(maybe))
