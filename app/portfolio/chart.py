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

from app.kit import svg
from app.models import SCORE_MAX, SCORE_MIN, TIER_THRESHOLD, Tier

FRAME = svg.Frame(400, 400, left=58, right=390, top=10, bottom=342, font=15)  # axes below, left
MAX_NUMBERED = 40
TIER_ORDER = (Tier.STRATEGIC, Tier.DEVELOP, Tier.MAINTAIN, Tier.OPPORTUNISTIC)
# A call-out: a tier whose one half is at least this strong is easy to misjudge by size alone.
NOTABLE = 3.5
x_of = svg.Linear(SCORE_MIN, SCORE_MAX, FRAME.left, FRAME.right)
y_of = svg.Linear(SCORE_MIN, SCORE_MAX, FRAME.bottom, FRAME.top)
# Each tier has its colours as classes (quadrant-<tier> for its pale region, chart-<tier> for its
# points; static/app.css). Never alone: every quadrant carries its tier's name, and the list
# under the chart names each point's tier.
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
    def summary(self) -> str:
        a = self.account
        return (
            f"{self.number}. {a.name}: {a.tier.label}, current performance {a.current:.1f}, "
            f"future potential {a.future:.1f}"
        )


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


@dataclass(frozen=True)
class TierGroup:
    tier: Tier
    points: tuple[Point, ...]

    @property
    def hint(self) -> str:
        return HINTS[self.tier]


@dataclass(frozen=True)
class Quadrant:
    points: tuple[Point, ...]
    labels: tuple[svg.Label, ...]  # the number(s) next to a place on the chart
    regions: tuple[Region, ...]
    x_ticks: tuple[svg.Tick, ...]
    y_ticks: tuple[svg.Tick, ...]
    threshold_x: float
    threshold_y: float
    numbered: bool
    description: str
    threshold: float = TIER_THRESHOLD
    frame: svg.Frame = FRAME


def in_legend_order(accounts: Sequence[Scored]) -> list[Scored]:
    """By tier (strategic first), then by name: the numbering of the chart and its legend."""
    return sorted(
        accounts, key=lambda a: (TIER_ORDER.index(a.tier), a.name.casefold(), a.account_id)
    )


def _regions() -> tuple[Region, ...]:
    f, pad = FRAME, 8.0
    mid_x, mid_y = x_of(TIER_THRESHOLD), y_of(TIER_THRESHOLD)
    # Across: x, width, the label's x and anchor; up: y, height, the label's baseline.
    left = (f.left, mid_x - f.left, f.left + pad, "start")
    right = (mid_x, f.right - mid_x, f.right - pad, "end")
    upper = (f.top, mid_y - f.top, f.top + pad + f.font)
    lower = (mid_y, f.bottom - mid_y, f.bottom - pad)
    return tuple(
        Region(tier, x, y, width, height, label_x, label_y, anchor)
        for tier, (x, width, label_x, anchor), (y, height, label_y) in (
            (Tier.DEVELOP, left, upper),
            (Tier.STRATEGIC, right, upper),
            (Tier.OPPORTUNISTIC, left, lower),
            (Tier.MAINTAIN, right, lower),
        )
    )


def _labels(points: Sequence[Point]) -> tuple[svg.Label, ...]:
    """One label per place: points drawn on top of each other share it. Right of the dot, or
    left of it near the right edge; above it, or below it near the top."""
    places: dict[tuple[float, float], list[int]] = {}
    for point in points:
        places.setdefault((point.x, point.y), []).append(point.number)
    return tuple(
        svg.beside(
            x,
            svg.value_y(y, FRAME.font, above=True, top=FRAME.top),
            ", ".join(str(n) for n in numbers),
            FRAME.font,
            FRAME.right - 3,
        )
        for (x, y), numbers in places.items()
    )


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
        x_ticks=x_of.ticks(),
        y_ticks=y_of.ticks(),
        threshold_x=x_of(TIER_THRESHOLD),
        threshold_y=y_of(TIER_THRESHOLD),
        numbered=numbered,
        description=describe(points, numbered),
    )


# --- The value sparkline ----------------------------------------------------------------------

SPARK = svg.Frame(64, 20, left=2.5, right=61.5, top=2.5, bottom=17.5)
SPARK_POINTS = 8  # the newest ratings a sparkline shows
RATING_MAX = 10


@dataclass(frozen=True)
class Sparkline:
    path: str  # SVG path data
    last: svg.Spot
    values: tuple[int, ...]
    frame: svg.Frame = SPARK

    @property
    def description(self) -> str:
        return "Client value ratings, oldest to newest: " + ", ".join(map(str, self.values))


def sparkline(values: Sequence[int]) -> Sparkline | None:
    """A line through the ratings, evenly spaced (0 at the bottom, 10 at the top); None below
    two ratings."""
    if len(values) < 2:
        return None
    x_of = svg.Linear(0, len(values) - 1, SPARK.left, SPARK.right)
    y_of = svg.Linear(0, RATING_MAX, SPARK.bottom, SPARK.top)
    spots = [svg.Spot(x_of(i), y_of(v)) for i, v in enumerate(values)]
    return Sparkline(path=svg.line(spots), last=spots[-1], values=tuple(values))
