"""The arithmetic of the strategic account scorecard, pure (no database, no web): the weighted
score of each half, the tier, and the balance check of a workspace's attributes. The account
page and the portfolio both use it.

A half's score is the weighted mean of its attributes' scores from 1 to 5, rounded half up to one
decimal. The tier is placed on the rounded scores (what people see is what decides), so an
account shown at 3.0 is "high" on that half. A half without attributes has no score, and an
account is placed in a tier only when both halves have one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Protocol

from app.models import TIER_LABELS, TIER_THRESHOLD, ScorecardHalf, Tier, tier_of

MIN_ATTRIBUTES = 5
MAX_ATTRIBUTES = 10
MIN_PER_HALF = 2
MIN_SHARE = Fraction(2, 5)  # a half with less than 40 % of the total weight is light
HALVES = (ScorecardHalf.CURRENT, ScorecardHalf.FUTURE)

# What each tier means for how the account is served (one line each, shown with the tier).
TIER_MEANING = {
    Tier.STRATEGIC: (
        "Key-account treatment: a dedicated team, a joint plan agreed with the client's "
        "executives, and reviews every quarter."
    ),
    Tier.DEVELOP: (
        "Invest to grow: small today but with high potential, so senior time goes into "
        "building access and the relationship."
    ),
    Tier.MAINTAIN: (
        "Serve well and efficiently: large today but a weaker future fit, so protect the "
        "business without key-account investment."
    ),
    Tier.OPPORTUNISTIC: (
        "Serve through standard channels: answer the opportunities that come, without "
        "investing ahead of them."
    ),
}
# Why a light half matters, said with the warning.
LIGHT_HALF_WHY = {
    ScorecardHalf.CURRENT: (
        "The tier then rests on promise alone: an account that buys little today can look "
        "strategic."
    ),
    ScorecardHalf.FUTURE: (
        "Today's size then decides the tier, yet largest is not the same as strategic: a big "
        "account with a poor future fit would still look strategic."
    ),
}


class Weighted(Protocol):
    """What the arithmetic needs of an attribute (a ``ScorecardAttribute``, or an entry as
    scored)."""

    @property
    def half(self) -> str: ...

    @property
    def weight(self) -> int: ...


@dataclass(frozen=True)
class Scored:
    """One attribute's score: its half, weight and score from 1 to 5."""

    half: str
    weight: int
    score: int


def round_score(value: Fraction) -> float:
    """Half up to one decimal (2.95 is 3.0), without binary floating point surprises."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def weighted_mean(pairs: Iterable[tuple[int, int]]) -> float | None:
    """``pairs`` of (weight, score): the weighted mean to one decimal; None when there are no
    pairs (or no weight), never a division by zero."""
    total = numerator = 0
    for weight, score in pairs:
        total += weight
        numerator += weight * score
    if total <= 0:
        return None
    return round_score(Fraction(numerator, total))


@dataclass(frozen=True)
class Result:
    current: float | None
    future: float | None

    @property
    def tier(self) -> Tier | None:
        """None when a half has no score: the account cannot be placed."""
        if self.current is None or self.future is None:
            return None
        return tier_of(self.current, self.future)

    @property
    def missing_halves(self) -> tuple[ScorecardHalf, ...]:
        return tuple(
            half
            for half, value in zip(HALVES, (self.current, self.future), strict=True)
            if value is None
        )


def compute(scores: Iterable[Scored]) -> Result:
    """The two halves' weighted means of ``scores``."""
    by_half: dict[str, list[tuple[int, int]]] = {half.value: [] for half in HALVES}
    for item in scores:
        by_half.setdefault(item.half, []).append((item.weight, item.score))
    return Result(
        current=weighted_mean(by_half[ScorecardHalf.CURRENT]),
        future=weighted_mean(by_half[ScorecardHalf.FUTURE]),
    )


def missing_halves(attributes: Iterable[Weighted]) -> tuple[ScorecardHalf, ...]:
    """The halves that have no attribute (an account scored now could not be placed)."""
    present = {a.half for a in attributes}
    return tuple(half for half in HALVES if half.value not in present)


def tier_label(tier: str | None) -> str:
    return TIER_LABELS[Tier(tier)] if tier else ""


def tier_meaning(tier: str | None) -> str:
    return TIER_MEANING[Tier(tier)] if tier else ""


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded half up (0 of nothing is 0)."""
    if whole <= 0:
        return 0
    return int(Decimal(part * 100) / Decimal(whole) + Decimal("0.5"))


@dataclass(frozen=True)
class HalfBalance:
    half: ScorecardHalf
    count: int
    weight: int
    share: int  # percent of the total weight
    light: bool
    warning: str  # why the half is light ('' when it is not)

    @property
    def label(self) -> str:
        return self.half.label


@dataclass(frozen=True)
class Balance:
    halves: tuple[HalfBalance, ...]
    count: int
    total_weight: int

    @property
    def warnings(self) -> list[str]:
        return [h.warning for h in self.halves if h.warning]

    @property
    def unbalanced(self) -> bool:
        return any(h.light for h in self.halves)

    @property
    def too_few(self) -> bool:
        """Fewer than 5 attributes (but some): the scorecard is thin."""
        return 0 < self.count < MIN_ATTRIBUTES

    @property
    def full(self) -> bool:
        return self.count >= MAX_ATTRIBUTES


def _light_warning(half: ScorecardHalf, count: int, share: int, too_light: bool) -> str:
    reasons: list[str] = []
    if count < MIN_PER_HALF:
        reasons.append(
            "no attribute" if count == 0 else f"{count} attribute (at least {MIN_PER_HALF})"
        )
    if too_light:
        reasons.append(f"{share} % of the total weight (at least {int(MIN_SHARE * 100)} %)")
    return f"{half.label} is light: it has {' and '.join(reasons)}. {LIGHT_HALF_WHY[half]}"


def balance(attributes: Sequence[Weighted]) -> Balance:
    """Each half's count and share of the total weight, and whether it is light: fewer than
    2 attributes, or less than 40 % of the total weight. An empty scorecard warns of nothing
    (it has to be set up first)."""
    total = sum(a.weight for a in attributes)
    halves: list[HalfBalance] = []
    for half in HALVES:
        mine = [a for a in attributes if a.half == half.value]
        weight = sum(a.weight for a in mine)
        share = percent(weight, total)
        too_light = bool(attributes) and Fraction(weight, total or 1) < MIN_SHARE
        light = bool(attributes) and (len(mine) < MIN_PER_HALF or too_light)
        warning = _light_warning(half, len(mine), share, too_light) if light else ""
        halves.append(HalfBalance(half, len(mine), weight, share, light, warning))
    return Balance(tuple(halves), len(attributes), total)


__all__ = [
    "HALVES",
    "MAX_ATTRIBUTES",
    "MIN_ATTRIBUTES",
    "TIER_MEANING",
    "TIER_THRESHOLD",
    "Balance",
    "HalfBalance",
    "Result",
    "Scored",
    "balance",
    "compute",
    "missing_halves",
    "percent",
    "tier_label",
    "tier_meaning",
    "weighted_mean",
]
