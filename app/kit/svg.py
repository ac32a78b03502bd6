"""Server-side SVG charts: the frame, scales, date labels, text anchors and paths every chart uses.

A chart module (``app/<domain>/chart.py``) computes its geometry in viewBox units with these
pieces and hands a frozen view model to its template; the template draws it with the macros of
``templates/partials/svg.html`` (the ``<svg>`` with its accessible title and description, the
grid, the dates) and colours it with the ``chart-*`` classes of ``static/app.css``, whose rules
use the stylesheet's variables. No chart writes a colour, a scale or a label rule of its own.

Text is measured by an estimate: ``CHAR_WIDTH`` ems a character, a little over the width of
DejaVu Sans (the widest of the fonts the page may fall back to), so labels that do not overlap
here do not overlap on screen either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from app.kit import numbers

CHAR_WIDTH = 0.6  # ems a character, digits and letters alike
LABEL_GAP = 6.0  # the least room between two labels on one line
VALUE_RISE = 9.0  # a value written over its point: its baseline this far above the point
MIN_SPAN_DAYS = 1.0  # the least time a date scale spans


def day(at: date, locale: str = numbers.DEFAULT_LOCALE) -> str:
    """'3 Jan 2026' (a datetime is written as its day), as ``locale`` writes a day."""
    return numbers.date(at, locale)


@dataclass(frozen=True)
class Frame:
    """The chart's box (``width`` by ``height``) and the plot area inside it; ``font`` is the size
    of the axis text and ``dates_y`` the baseline of the dates under the plot."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    font: float = 12
    dates_y: float = 0


@dataclass(frozen=True)
class Tick:
    value: int
    at: float  # y on a vertical scale, x on a horizontal one


@dataclass(frozen=True)
class Linear:
    """Maps ``lo``..``hi`` onto ``start``..``end`` (``end`` may be the smaller: y grows down).
    Values outside are clamped; positions are rounded to a tenth of a unit."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        share = (min(max(value, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        return round(self.start + share * (self.end - self.start), 1)

    def ticks(self, step: int = 1) -> tuple[Tick, ...]:
        """A tick at every ``step`` from ``lo`` to ``hi`` (whole numbers)."""
        return tuple(Tick(v, self(v)) for v in range(int(self.lo), int(self.hi) + 1, step))


def _days(at: date) -> float:
    if isinstance(at, datetime):
        return at.toordinal() + (at.hour * 3600 + at.minute * 60 + at.second) / 86400
    return float(at.toordinal())


def by_date(moments: Sequence[date], start: float, end: float, min_gap: float = 0) -> list[float]:
    """x positions of ``moments`` (oldest first) between ``start`` and ``end`` on a true date
    scale: x is proportional to the time since the first, so two moments a day apart sit close
    together and two a year apart far apart; nothing is pushed aside to make room (a crowded
    week stays crowded, and the values written over it are thinned instead, ``clear``).

    The scale spans at least ``MIN_SPAN_DAYS`` around the moments' middle, so two moments of one
    day do not run to the two edges as if a long time lay between them. Moments all on one
    instant have no time between them to scale: they sit side by side around the middle,
    ``min_gap`` apart (the gap shrinks when there are too many to keep it)."""
    if not moments:
        return []
    first, last = _days(moments[0]), _days(moments[-1])
    if last <= first:
        gap = min(min_gap, (end - start) / max(len(moments) - 1, 1))
        left = (start + end) / 2 - gap * (len(moments) - 1) / 2
        return [round(left + i * gap, 1) for i in range(len(moments))]
    if last - first < MIN_SPAN_DAYS:
        middle = (first + last) / 2
        first, last = middle - MIN_SPAN_DAYS / 2, middle + MIN_SPAN_DAYS / 2
    scale = Linear(first, last, start, end)
    return [scale(_days(m)) for m in moments]


@dataclass(frozen=True)
class DatedChart:
    """What every chart over time hands its template (``svg.dated`` in
    templates/partials/svg.html): the frame, the ticks of the vertical scale, the dates under the
    plot and the chart in words (its ``<desc>``). A chart adds its lines and points."""

    frame: Frame
    ticks: tuple[Tick, ...]
    x_labels: tuple[Label, ...]
    description: str


# --- Text ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A text at ``x`` with its SVG ``text-anchor`` (start, middle or end); ``y`` is its baseline
    where the chart does not set one for a whole row of labels (the dates)."""

    x: float
    text: str
    anchor: str
    y: float = 0.0


def text_width(text: str, font: float) -> float:
    return len(text) * font * CHAR_WIDTH


def extent(label: Label, font: float) -> tuple[float, float]:
    """Where ``label`` starts and ends across."""
    width = text_width(label.text, font)
    if label.anchor == "start":
        return label.x, label.x + width
    if label.anchor == "end":
        return label.x - width, label.x
    return label.x - width / 2, label.x + width / 2


def anchored(x: float, text: str, font: float, lo: float, hi: float) -> Label:
    """``text`` centred under ``x``, or, when centred it would run out of ``lo``..``hi``, moved
    just enough to start at ``lo`` (end at ``hi``): a label near the edge of the plot stays
    inside the frame and still under its point."""
    half = text_width(text, font) / 2
    if x - half < lo:
        return Label(lo, text, "start")
    if x + half > hi:
        return Label(hi, text, "end")
    return Label(x, text, "middle")


def beside(x: float, y: float, text: str, font: float, hi: float, offset: float = 9.0) -> Label:
    """``text`` on the baseline ``y``, right of a point at ``x``, or left of it when it would run
    past ``hi``."""
    if x + offset + text_width(text, font) <= hi:
        return Label(round(x + offset, 1), text, "start", y)
    return Label(round(x - offset, 1), text, "end", y)


def value_y(
    y: float, font: float, above: bool, top: float | None = None, bottom: float | None = None
) -> float:
    """The baseline of a value written over (``above``) or under a point at ``y``; on the other
    side when the chosen one would run over ``top`` or under ``bottom``."""
    over, under = y - VALUE_RISE, y + VALUE_RISE + font * 0.8
    if above and top is not None and over - font < top:
        above = False
    elif not above and bottom is not None and under > bottom:
        above = True
    return round(over if above else under, 1)


def thin(labels: Sequence[Label], font: float, gap: float = LABEL_GAP) -> tuple[Label, ...]:
    """The labels to write so that no two overlap: the first and the last always (the last
    alone when even those two collide), and from left to right each one that keeps ``gap``
    clear of the one before it and of the last."""
    if len(labels) <= 1:
        return tuple(labels)
    last_start = extent(labels[-1], font)[0]
    kept = [labels[0]]
    for label in labels[1:-1]:
        start, end = extent(label, font)
        if start >= extent(kept[-1], font)[1] + gap and end + gap <= last_start:
            kept.append(label)
    if extent(kept[-1], font)[1] + gap > last_start:
        kept.pop()
    return (*kept, labels[-1])


def date_labels(xs: Sequence[float], texts: Sequence[str], frame: Frame) -> tuple[Label, ...]:
    """The dates under the plot (``texts`` at ``xs``), anchored so that all stay within the
    plot's edges and thinned so that none overlap; the first and the last are always written.
    A date shared by several points in a row is written once, under their middle; when the
    first and the last are too close to be centred under their points, they are written back
    to back around the middle between them."""
    runs: list[tuple[list[float], str]] = []
    for x, text in zip(xs, texts, strict=True):
        if runs and runs[-1][1] == text:
            runs[-1][0].append(x)
        else:
            runs.append(([x], text))
    placed = [
        anchored(round(sum(at) / len(at), 1), text, frame.font, frame.left, frame.right)
        for at, text in runs
    ]
    if len(placed) >= 2 and _collide(placed[0], placed[-1], frame.font):
        return _back_to_back(placed[0], placed[-1], frame)
    return thin(placed, frame.font)


def _collide(a: Label, b: Label, font: float, gap: float = LABEL_GAP) -> bool:
    return extent(a, font)[1] + gap > extent(b, font)[0]


def _back_to_back(first: Label, last: Label, frame: Frame) -> tuple[Label, Label]:
    """``first`` ending and ``last`` starting ``LABEL_GAP`` either side of the middle between
    them, moved as a pair to stay within the plot."""
    left = text_width(first.text, frame.font) + LABEL_GAP / 2
    right = text_width(last.text, frame.font) + LABEL_GAP / 2
    middle = (first.x + last.x) / 2
    middle = min(max(middle, frame.left + left), frame.right - right)
    half = LABEL_GAP / 2
    return (
        Label(round(middle - half, 1), first.text, "end"),
        Label(round(middle + half, 1), last.text, "start"),
    )


def clear(
    labels: Sequence[Label], font: float, order: Sequence[int] | None = None
) -> tuple[bool, ...]:
    """Which of ``labels`` (values written by points, each on its own baseline ``y``) to write
    so that no two overlap: in ``order`` (indexes into ``labels``; all from left to right by
    default; a label not in it is not written), each one whose box keeps clear of every one
    kept. ``all(clear(labels, font))`` tells whether every label fits."""
    kept: list[tuple[float, float, float]] = []  # start, end, baseline
    shown = [False] * len(labels)
    for i in range(len(labels)) if order is None else order:
        if shown[i]:
            continue
        start, end = extent(labels[i], font)
        y = labels[i].y
        if all(
            end + 1 <= k_start or k_end + 1 <= start or abs(y - k_y) >= font
            for k_start, k_end, k_y in kept
        ):
            kept.append((start, end, y))
            shown[i] = True
    return tuple(shown)


# --- Paths -----------------------------------------------------------------------------------


class XY(Protocol):
    @property
    def x(self) -> float: ...

    @property
    def y(self) -> float: ...


@dataclass(frozen=True)
class Spot:
    x: float
    y: float


def line(points: Iterable[XY | None]) -> str:
    """Path data ``M x y L x y …`` through ``points``; a ``None`` lifts the pen (a gap)."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point.x:g} {point.y:g}")
        pen_down = True
    return " ".join(parts)


def area(points: Sequence[XY], baseline: float) -> str:
    """Path data of the closed shape between ``points`` and the line y = ``baseline``."""
    if not points:
        return ""
    down = f"M{points[0].x:g} {baseline:g} "
    up = f" L{points[-1].x:g} {baseline:g} Z"
    return down + line(points).replace("M", "L", 1) + up
