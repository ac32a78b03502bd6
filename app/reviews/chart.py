"""Geometry of the perception-gap trend, drawn as server-side SVG by templates/reviews/_chart.html.

One step per review (equal spacing, each labelled with its date, like the value trend): at each
review, the client's rating then and the rating the vendor believed the client would give, both
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

from app.reviews.schemas import day
from app.value.chart import Point, Series, Tick, XLabel, path

WIDTH = 320
HEIGHT = 232
DATES_Y = 226.0  # below the plot, clear of a value written under a point at 0
LEFT, RIGHT, TOP, BOTTOM = 26.0, 306.0, 24.0, 190.0
SCALE_MAX = 10
INSET = 14.0  # the first and last reviews sit this far inside the plot, clear of the scale
MAX_X_LABELS = 3  # dates are about 65 units wide: more would overlap
MAX_VALUE_LABELS = 8  # more reviews than this: the values would collide; the table has them


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
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    client: Series
    believed: Series
    gaps: tuple[Gap, ...]
    values: tuple[Label, ...]  # the numbers written next to the points
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM
    dates_y: float = DATES_Y


def x_positions(count: int) -> list[float]:
    """Evenly spaced across the plot; a single review sits in the middle."""
    if count <= 0:
        return []
    if count == 1:
        return [round((LEFT + RIGHT) / 2, 1)]
    first, last = LEFT + INSET, RIGHT - INSET
    step = (last - first) / (count - 1)
    return [round(first + i * step, 1) for i in range(count)]


def y_of(value: float) -> float:
    """0 at the bottom of the plot, 10 at the top (values outside are clamped)."""
    value = min(max(value, 0), SCALE_MAX)
    return round(BOTTOM - value / SCALE_MAX * (BOTTOM - TOP), 1)


def label_indexes(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Which reviews get a date label: the first and the last always, evenly between."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def describe(reviews: Sequence[Reviewed]) -> str:
    """The chart in words, for its ``<desc>``."""
    if not reviews:
        return "No reviews yet."
    parts = [f"{len(reviews)} review{'s' if len(reviews) != 1 else ''}"]
    stated = [(r.held_on, r.stated) for r in reviews if r.stated is not None]
    believed = [(r.held_on, r.believed) for r in reviews if r.believed is not None]
    for name, series in (("the client's rating", stated), ("your believed rating", believed)):
        if not series:
            parts.append(f"{name}: none recorded")
        elif len(series) == 1:
            parts.append(f"{name}: {series[0][1]} out of 10 on {day(series[0][0])}")
        else:
            parts.append(
                f"{name}: from {series[0][1]} on {day(series[0][0])} "
                f"to {series[-1][1]} on {day(series[-1][0])}"
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


def build(reviews: Sequence[Reviewed]) -> Chart:
    """The chart of ``reviews`` (oldest first)."""
    xs = x_positions(len(reviews))
    whens = [day(r.held_on) for r in reviews]
    stated_maybe = [
        Point(x, y_of(r.stated), r.stated, when) if r.stated is not None else None
        for x, r, when in zip(xs, reviews, whens, strict=True)
    ]
    believed_maybe = [
        Point(x, y_of(r.believed), r.believed, when) if r.believed is not None else None
        for x, r, when in zip(xs, reviews, whens, strict=True)
    ]
    client = Series("Client's rating", tuple(p for p in stated_maybe if p), path(stated_maybe))
    believed = Series("Your belief", tuple(p for p in believed_maybe if p), path(believed_maybe))
    gaps: list[Gap] = []
    values: list[Label] = []
    show_values = len(reviews) <= MAX_VALUE_LABELS
    for s, b in zip(stated_maybe, believed_maybe, strict=True):
        if s is not None and b is not None and s.y != b.y:
            gaps.append(Gap(s.x, s.y, b.y))
        if not show_values:
            continue
        # The higher value is written above its point, the lower one below its point.
        if s is not None:
            above = b is None or s.value >= b.value
            values.append(Label(s.x, s.y - 9 if above else s.y + 19, str(s.value)))
        if b is not None and (s is None or b.value != s.value):
            above = s is None or b.value > s.value
            values.append(Label(b.x, b.y - 9 if above else b.y + 19, str(b.value)))
    labels = []
    chosen = label_indexes(len(reviews))
    for i in chosen:
        anchor = "middle"
        if len(reviews) > 1 and i == 0:
            anchor = "start"
        elif len(reviews) > 1 and i == len(reviews) - 1:
            anchor = "end"
        labels.append(XLabel(xs[i], whens[i], anchor))
    return Chart(
        ticks=tuple(Tick(v, y_of(v)) for v in range(0, SCALE_MAX + 1, 2)),
        x_labels=tuple(labels),
        client=client,
        believed=believed,
        gaps=tuple(gaps),
        values=tuple(values),
        description=describe(reviews),
    )
