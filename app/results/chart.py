"""The goal-against-actual chart of a year: per quarter, the quarter's share of the year's
revenue goal beside the revenue recorded, drawn as server-side SVG by
templates/results/_chart.html with the pieces of ``app.kit.svg``.

Readable without colour: the goal is an outlined, hatched bar and the actual a solid one (the
legend shows both), each bar has its value as a tooltip, a quarter not recorded yet says so
under its goal, and the ``<desc>`` (and the table beside the chart) says every figure in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from app.kit import numbers, svg
from app.results.figures import YearResults

# On a 375px-wide phone the chart is about 320px wide: a 16-unit text is still 11px there.
WIDTH, HEIGHT, TOP, BOTTOM, FONT = 480.0, 262.0, 14.0, 220.0, 16.0
STEPS = 4  # about this many grid lines above zero
BAR_GAP = 4.0


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # what the bar says, in words (its tooltip)


@dataclass(frozen=True)
class Group:
    """One quarter: its goal bar and its actual bar (None: no goal / not recorded)."""

    label: svg.Label  # the quarter, under the bars
    goal: Bar | None
    actual: Bar | None
    missing: svg.Label | None  # "not recorded", where the actual bar would stand


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class GoalChart:
    frame: svg.Frame
    ticks: tuple[Tick, ...]
    groups: tuple[Group, ...]
    description: str


def _step(top: float) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about ``STEPS`` grid lines."""
    rough = max(top / STEPS, 1)
    power: int = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _money(value: float | Fraction, currency: str, locale: str) -> str:
    return numbers.money(round(value), currency, locale)


def describe(results: YearResults, currency: str, locale: str) -> str:
    """The chart in words: the goal a quarter, then each quarter's revenue."""
    parts = []
    for q in results.quarters:
        if q.actual is None:
            parts.append(f"{q.label} not recorded")
        else:
            parts.append(f"{q.label} {_money(q.actual.revenue, currency, locale)}")
    if results.goal is None:
        goal = f"no revenue goal set for {results.year}"
    else:
        goal = f"a goal of {_money(Fraction(results.goal.revenue, 4), currency, locale)} a quarter"
    return f"Revenue per quarter of {results.year} against {goal}: " + "; ".join(parts) + "."


def goal_chart(results: YearResults, currency: str, locale: str) -> GoalChart | None:
    """None when there is nothing to draw: no goal and no quarter recorded."""
    values = [float(q.revenue_goal or 0) for q in results.quarters] + [
        float(q.actual.revenue) for q in results.quarters if q.actual is not None
    ]
    if results.goal is None and not results.recorded:
        return None
    step = _step(max(values, default=0))
    top = step * max(1, math.ceil(max(values, default=0) / step))
    texts = [_money(v, currency, locale) for v in range(0, top + 1, step)]
    left = max(svg.text_width(t, FONT) for t in texts) + 12
    frame = svg.Frame(WIDTH, HEIGHT, left, WIDTH - 8, TOP, BOTTOM, FONT, dates_y=BOTTOM + 24)
    y_of = svg.Linear(0, top, frame.bottom, frame.top)
    ticks = tuple(Tick(y_of(v), t) for v, t in zip(range(0, top + 1, step), texts, strict=True))
    slot = (frame.right - frame.left) / len(results.quarters)
    bar = (slot - 4 * BAR_GAP) / 2
    groups = []
    for i, q in enumerate(results.quarters):
        start = frame.left + i * slot + BAR_GAP
        goal = actual = missing = None
        if q.revenue_goal is not None:
            y = y_of(float(q.revenue_goal))
            title = f"{q.label} goal: {_money(q.revenue_goal, currency, locale)}"
            goal = Bar(round(start, 1), y, round(bar, 1), round(frame.bottom - y, 1), title)
        x = start + bar + BAR_GAP
        if q.actual is not None:
            y = y_of(q.actual.revenue)
            title = f"{q.label} actual: {_money(q.actual.revenue, currency, locale)}"
            actual = Bar(round(x, 1), y, round(bar, 1), round(frame.bottom - y, 1), title)
        else:
            missing = svg.Label(round(x + bar / 2, 1), "–", "middle", frame.bottom - 4)
        middle = frame.left + (i + 0.5) * slot
        groups.append(Group(svg.Label(round(middle, 1), q.label, "middle"), goal, actual, missing))
    return GoalChart(frame, ticks, tuple(groups), describe(results, currency, locale))
