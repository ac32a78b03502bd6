"""Geometry of the portfolio's pictures, drawn as server-side SVG by templates/portfolio/show.html:
the scorecard quadrant (current performance against future potential) and the value sparkline.

The quadrant is a 400-unit square viewBox that scales to the width of its box. On a 375px-wide
phone the box is about 300px wide, so every text is at least 15 units (≥ 11px there). Points are
numbered, not named: the names are in the legend list under the chart, where they stay readable
at any width. Points at the same place share one label ("3, 7"); past ``MAX_NUMBERED`` points
the numbers would cover each other, so the chart shows the dots only and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.models import SCORE_MAX, SCORE_MIN, TIER_THRESHOLD, Tier

WIDTH = 400
HEIGHT = 400
LEFT, RIGHT, TOP, BOTTOM = 58.0, 390.0, 10.0, 342.0  # the plot area; axes below and left
FONT = 15  # viewBox units: 11.5px on a 300px-wide chart
MAX_NUMBERED = 40
TIER_ORDER = (Tier.STRATEGIC, Tier.DEVELOP, Tier.MAINTAIN, Tier.OPPORTUNISTIC)
# A call-out: a tier whose one half is at least this strong is easy to misjudge by size alone.
NOTABLE = 3.5
# Tier -> (the quadrant's pale fill, its points' colour). Never alone: every quadrant carries its
# tier's name, and the list under the chart names each point's tier.
COLOURS = {
    Tier.STRATEGIC: ("#e6f4ea", "#1a7f37"),
    Tier.DEVELOP: ("#e3ecfb", "#1f5fbf"),
    Tier.MAINTAIN: ("#fdf3dc", "#8a5a00"),
    Tier.OPPORTUNISTIC: ("#eef0f4", "#5b6478"),
}
HINTS = {
    Tier.STRATEGIC: "Strong today and for the future: key-account treatment.",
    Tier.DEVELOP: "Small today, high potential: invest to grow.",
    Tier.MAINTAIN: "Large today, lower future fit: serve well and efficiently.",
    Tier.OPPORTUNISTIC: "Low on both: serve when it pays.",
}


@dataclass(frozen=True)
class Scored:
    """What the quadrant needs of a scored account."""

    account_id: int
    name: str
    current: float
    future: float
    tier: Tier


@dataclass(frozen=True)
class Point:
    number: int
    account: Scored
    x: float
    y: float

    @property
    def colour(self) -> str:
        return COLOURS[self.account.tier][1]

    @property
    def summary(self) -> str:
        a = self.account
        return (
            f"{self.number}. {a.name}: {a.tier.label}, current performance {a.current:.1f}, "
            f"future potential {a.future:.1f}"
        )


@dataclass(frozen=True)
class Label:
    """The number(s) next to a place on the chart."""

    x: float
    y: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Region:
    """One quadrant: its rectangle and its tier's label in its outer corner."""

    tier: Tier
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    anchor: str

    @property
    def fill(self) -> str:
        return COLOURS[self.tier][0]


@dataclass(frozen=True)
class TierGroup:
    tier: Tier
    points: tuple[Point, ...]

    @property
    def hint(self) -> str:
        return HINTS[self.tier]


@dataclass(frozen=True)
class Tick:
    value: int
    at: float  # x for the horizontal axis, y for the vertical one


@dataclass(frozen=True)
class Quadrant:
    points: tuple[Point, ...]
    labels: tuple[Label, ...]
    regions: tuple[Region, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    threshold_x: float
    threshold_y: float
    numbered: bool
    description: str
    threshold: float = TIER_THRESHOLD
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM
    font: int = FONT


def _clamp(score: float) -> float:
    return min(max(score, SCORE_MIN), SCORE_MAX)


def x_of(score: float) -> float:
    share = (_clamp(score) - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)
    return round(LEFT + share * (RIGHT - LEFT), 1)


def y_of(score: float) -> float:
    share = (_clamp(score) - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)
    return round(BOTTOM - share * (BOTTOM - TOP), 1)


def in_legend_order(accounts: Sequence[Scored]) -> list[Scored]:
    """By tier (strategic first), then by name: the numbering of the chart and its legend."""
    return sorted(
        accounts, key=lambda a: (TIER_ORDER.index(a.tier), a.name.casefold(), a.account_id)
    )


def _regions() -> tuple[Region, ...]:
    mid_x, mid_y, pad = x_of(TIER_THRESHOLD), y_of(TIER_THRESHOLD), 8.0
    top_label, bottom_label = TOP + pad + FONT, BOTTOM - pad
    return (
        Region(Tier.DEVELOP, LEFT, TOP, mid_x - LEFT, mid_y - TOP, LEFT + pad, top_label, "start"),
        Region(
            Tier.STRATEGIC, mid_x, TOP, RIGHT - mid_x, mid_y - TOP, RIGHT - pad, top_label, "end"
        ),
        Region(
            Tier.OPPORTUNISTIC,
            LEFT,
            mid_y,
            mid_x - LEFT,
            BOTTOM - mid_y,
            LEFT + pad,
            bottom_label,
            "start",
        ),
        Region(
            Tier.MAINTAIN,
            mid_x,
            mid_y,
            RIGHT - mid_x,
            BOTTOM - mid_y,
            RIGHT - pad,
            bottom_label,
            "end",
        ),
    )


def _labels(points: Sequence[Point]) -> tuple[Label, ...]:
    """One label per place: points drawn on top of each other share it."""
    places: dict[tuple[float, float], list[int]] = {}
    for point in points:
        places.setdefault((point.x, point.y), []).append(point.number)
    labels = []
    for (x, y), numbers in places.items():
        text = ", ".join(str(n) for n in numbers)
        # Right of the dot, or left of it near the right edge; above it, or below near the top.
        right_side = x < RIGHT - 12 - 0.6 * FONT * len(text)
        label_y = y - 9 if y - 9 - FONT > TOP else y + 9 + FONT * 0.8
        labels.append(
            Label(
                x + 9 if right_side else x - 9,
                round(label_y, 1),
                text,
                "start" if right_side else "end",
            )
        )
    return tuple(labels)


def by_tier(points: Sequence[Point]) -> list[TierGroup]:
    """The points grouped by tier, in tier order (their numbers run on from group to group)."""
    groups = [
        TierGroup(tier, tuple(p for p in points if p.account.tier is tier)) for tier in TIER_ORDER
    ]
    return [group for group in groups if group.points]


def misfits(accounts: Sequence[Scored]) -> tuple[list[Scored], list[Scored]]:
    """The accounts size alone would misjudge: large today but a low future fit (Maintain with
    current performance ≥ ``NOTABLE``), and small today with a high potential (Develop with
    future potential ≥ ``NOTABLE``)."""
    ordered = in_legend_order(accounts)
    large = [a for a in ordered if a.tier is Tier.MAINTAIN and a.current >= NOTABLE]
    promising = [a for a in ordered if a.tier is Tier.DEVELOP and a.future >= NOTABLE]
    return large, promising


def describe(points: Sequence[Point], numbered: bool) -> str:
    """The chart in words, for its ``<desc>``."""
    if not points:
        return "No account is scored yet."
    counts = {tier: sum(1 for p in points if p.account.tier is tier) for tier in TIER_ORDER}
    per_tier = ", ".join(f"{tier.label} {count}" for tier, count in counts.items())
    accounts = "1 scored account" if len(points) == 1 else f"{len(points)} scored accounts"
    text = (
        f"{accounts} plotted by current performance (across, 1 to 5) and future potential (up, "
        f"1 to 5); the lines at {TIER_THRESHOLD:g} split the tiers: {per_tier}."
    )
    if not numbered:
        text += " The points are not numbered (too many to read); the list below has them all."
    return text


def quadrant(accounts: Sequence[Scored]) -> Quadrant:
    ordered = in_legend_order(accounts)
    points = tuple(
        Point(number, a, x_of(a.current), y_of(a.future))
        for number, a in enumerate(ordered, start=1)
    )
    numbered = len(points) <= MAX_NUMBERED
    return Quadrant(
        points=points,
        labels=_labels(points) if numbered else (),
        regions=_regions(),
        x_ticks=tuple(Tick(v, x_of(v)) for v in range(SCORE_MIN, SCORE_MAX + 1)),
        y_ticks=tuple(Tick(v, y_of(v)) for v in range(SCORE_MIN, SCORE_MAX + 1)),
        threshold_x=x_of(TIER_THRESHOLD),
        threshold_y=y_of(TIER_THRESHOLD),
        numbered=numbered,
        description=describe(points, numbered),
    )


# --- The value sparkline ----------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 64, 20, 2.5
SPARK_POINTS = 8  # the newest ratings a sparkline shows
RATING_MAX = 10


@dataclass(frozen=True)
class Sparkline:
    points: str  # SVG polyline points
    last_x: float
    last_y: float
    values: tuple[int, ...]
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT

    @property
    def description(self) -> str:
        return "Client value ratings, oldest to newest: " + ", ".join(map(str, self.values))


def sparkline(values: Sequence[int]) -> Sparkline | None:
    """A line through the ratings (0 at the bottom, 10 at the top); None below two ratings."""
    if len(values) < 2:
        return None
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)
    coords = [
        (
            round(SPARK_PAD + i * step, 1),
            round(
                SPARK_HEIGHT
                - SPARK_PAD
                - min(max(v, 0), RATING_MAX) / RATING_MAX * (SPARK_HEIGHT - 2 * SPARK_PAD),
                1,
            ),
        )
        for i, v in enumerate(values)
    ]
    return Sparkline(
        points=" ".join(f"{x:g},{y:g}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
        values=tuple(values),
    )
