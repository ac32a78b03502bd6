"""Geometry of the perception-gap trend, drawn as server-side SVG by templates/reviews/_chart.html.

At each review, placed by its date on the shared date scale (app/kit/svg.py, like the value
trend), the client's rating then and the rating the vendor believed the client would give, both
frozen in the review's gap snapshot. The distance between the two lines is the perception gap.
The lines differ in colour, dash and marker shape (a filled circle for the client, a hollow
square for the vendor's belief), and the values are written next to the points, so the chart
never relies on colour alone. The viewBox is 320 units wide so that 12-unit text stays at least
11 pixels high when a 375-pixel phone shrinks the chart to about 310 pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.kit import svg
from app.kit.numbers import DEFAULT_LOCALE
from app.kit.svg import day
from app.value.chart import Point, Series

# The dates sit low, clear of a value written under a point at 0.
FRAME = svg.Frame(320, 232, left=26, right=306, top=24, bottom=190, font=12, dates_y=226)
SCALE_MAX = 10
VALUE_FONT = 13
y_of = svg.Linear(0, SCALE_MAX, FRAME.bottom, FRAME.top)  # 0 at the bottom, 10 at the top
INSET = 14.0  # the first and last reviews sit this far inside the plot, clear of the scale
MIN_GAP = 16.0  # reviews on one day sit side by side this far apart
MAX_VALUE_LABELS = 8  # more reviews than this: the values would collide; the table has them
BOLD = 7 / 6  # a bold value is measured this much wider than plain text


@dataclass(frozen=True)
class Reviewed:
    """What the chart needs of one review."""

    held_on: date
    stated: int | None  # the client's rating then
    believed: int | None  # what the vendor believed the client would give


@dataclass(frozen=True)
class Gap:
    """The distance between the two lines at one review (drawn as a dotted connector)."""

    x: float
    y1: float
    y2: float


@dataclass(frozen=True)
class Chart(svg.DatedChart):
    client: Series
    believed: Series
    gaps: tuple[Gap, ...]
    values: tuple[svg.Label, ...]  # the numbers written next to the points
    value_font: int = VALUE_FONT


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def describe(reviews: Sequence[Reviewed], locale: str = DEFAULT_LOCALE) -> str:
    """The chart in words, for its ``<desc>``, its days as ``locale`` writes them."""
    if not reviews:
        return "No reviews yet."
    parts = [f"{len(reviews)} review{'s' if len(reviews) != 1 else ''}"]
    stated = [(r.held_on, r.stated) for r in reviews if r.stated is not None]
    believed = [(r.held_on, r.believed) for r in reviews if r.believed is not None]
    for name, series in (("the client's rating", stated), ("your believed rating", believed)):
        if not series:
            parts.append(f"{name}: none recorded")
        elif len(series) == 1:
            parts.append(f"{name}: {series[0][1]} out of 10 on {day(series[0][0], locale)}")
        else:
            parts.append(
                f"{name}: from {series[0][1]} on {day(series[0][0], locale)} "
                f"to {series[-1][1]} on {day(series[-1][0], locale)}"
            )
    last = reviews[-1]
    if last.stated is not None and last.believed is not None:
        difference = last.believed - last.stated
        parts.append(
            "at the latest review you believed the client's rating exactly"
            if difference == 0
            else f"at the latest review your belief was {_signed(difference)} against the client's"
        )
    return "; ".join(parts) + "."


def _values(stated: Sequence[Point | None], believed: Sequence[Point | None]) -> list[svg.Label]:
    """The numbers by the points: the higher value above its point, the lower one below."""
    values: list[svg.Label] = []

    def write(point: Point, above: bool) -> None:
        y = svg.value_y(point.y, VALUE_FONT, above)
        values.append(svg.Label(point.x, str(point.value), "middle", y))

    for s, b in zip(stated, believed, strict=True):
        if s is not None:
            write(s, b is None or s.value >= b.value)
        if b is not None and (s is None or b.value != s.value):
            write(b, s is None or b.value > s.value)
    return values


def _clear(values: Sequence[svg.Label]) -> tuple[svg.Label, ...]:
    """All the values when none overlap (reviews close in time sit close on the date scale);
    else none: the table has every value."""
    return tuple(values) if all(svg.clear(values, VALUE_FONT * BOLD)) else ()


def build(reviews: Sequence[Reviewed], locale: str = DEFAULT_LOCALE) -> Chart:
    """The chart of ``reviews`` (oldest first), its dates as ``locale`` writes a day."""
    xs = svg.by_date([r.held_on for r in reviews], FRAME.left + INSET, FRAME.right - INSET, MIN_GAP)
    whens = [day(r.held_on, locale) for r in reviews]
    stated = [
        Point(x, y_of(r.stated), r.stated, when) if r.stated is not None else None
        for x, r, when in zip(xs, reviews, whens, strict=True)
    ]
    believed = [
        Point(x, y_of(r.believed), r.believed, when) if r.believed is not None else None
        for x, r, when in zip(xs, reviews, whens, strict=True)
    ]
    gaps = [
        Gap(s.x, s.y, b.y)
        for s, b in zip(stated, believed, strict=True)
        if s is not None and b is not None and s.y != b.y
    ]
    return Chart(
        frame=FRAME,
        ticks=y_of.ticks(2),
        x_labels=svg.date_labels(xs, whens, FRAME),
        client=Series("Client's rating", tuple(p for p in stated if p), svg.line(stated)),
        believed=Series("Your belief", tuple(p for p in believed if p), svg.line(believed)),
        gaps=tuple(gaps),
        values=_clear(_values(stated, believed)) if len(reviews) <= MAX_VALUE_LABELS else (),
        description=describe(reviews, locale),
    )
