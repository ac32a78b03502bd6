"""How an opportunity is scored and classed. Pure: no queries, no I/O.

For one opportunity, with its six ratings from 1 (poor) to 5 (excellent):

- **fit** = the mean of the six ratings (profitability, the client's need, the growth of that
  part of the client's business, the importance of the offer to the client's business, the
  vendor's track record with the account, the strength of its relationships with the decision
  makers), so 1..5;
- **expected value** = size * fit / 5: the size, weighted by how well the opportunity fits (a
  perfect fit of 5 counts the whole size, an average fit of 2.5 half of it);
- **return on time invested (ROTI)** = expected value / days: what each day of effort to win it
  is likely to bring in (currency per day). ``days`` is at least 1 (a database constraint).

Over the account's **open** opportunities, an ABC (Pareto) analysis gives each one a class:
sort them by ROTI, highest first; walking down the list, an opportunity is **A** while the
cumulative expected value up to and including it is at most 70 % of the total (the first one
is always A), **B** up to 90 %, **C** beyond. If the total expected value is 0, every open one is
C (there is nothing to concentrate on). Won, lost and dropped opportunities are not classed.

Ties in ROTI are broken by the larger expected value first (the bigger prize for the same rate
of return), then by the older opportunity (lower id), so the order and the classes are the same
on every page load. Arithmetic is exact (``Fraction``) so that the 70 % and 90 % boundaries hold
exactly; convert to ``float`` only to display.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Generic, Protocol, TypeVar

RATINGS = ("profitability", "need", "growth", "importance", "history", "relationship")
A_SHARE = Fraction(7, 10)
B_SHARE = Fraction(9, 10)
OPEN = "open"


class Rated(Protocol):
    """What scoring reads of an opportunity (``models.Opportunity`` has it)."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def days(self) -> int: ...
    @property
    def profitability(self) -> int: ...
    @property
    def need(self) -> int: ...
    @property
    def growth(self) -> int: ...
    @property
    def importance(self) -> int: ...
    @property
    def history(self) -> int: ...
    @property
    def relationship(self) -> int: ...


T = TypeVar("T", bound=Rated)


class Klass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


def fit(ratings: Sequence[int]) -> Fraction:
    """The mean of the ratings (each 1..5)."""
    assert ratings, "at least one rating"
    return Fraction(sum(ratings), len(ratings))


def expected_value(size: int, fit_: Fraction) -> Fraction:
    """The size weighted by fit: a fit of 5 counts all of it."""
    return size * fit_ / 5


def roti(value: Fraction, days: int) -> Fraction:
    """Expected value per day of effort."""
    assert days >= 1, "an opportunity takes at least one day"
    return value / days


@dataclass(frozen=True)
class Score:
    fit: Fraction
    expected_value: Fraction
    roti: Fraction


def score(item: Rated) -> Score:
    fit_ = fit([getattr(item, name) for name in RATINGS])
    value = expected_value(item.size, fit_)
    return Score(fit_, value, roti(value, item.days))


@dataclass(frozen=True)
class Ranked(Generic[T]):
    """An opportunity with its score; ``klass`` is None for a closed one. ``share`` is the
    cumulative share of the total expected value up to and including it (open ones only)."""

    item: T
    score: Score
    klass: Klass | None = None
    share: Fraction | None = None


def _order(ranked: Ranked[T]) -> tuple[Fraction, Fraction, int]:
    return (-ranked.score.roti, -ranked.score.expected_value, ranked.item.id or 0)


def classify(open_items: Iterable[T]) -> list[Ranked[T]]:
    """The open opportunities, highest ROTI first, each with its A/B/C class."""
    scored = sorted((Ranked(item, score(item)) for item in open_items), key=_order)
    total = sum((r.score.expected_value for r in scored), Fraction(0))
    result: list[Ranked[T]] = []
    cumulative = Fraction(0)
    for position, ranked in enumerate(scored):
        cumulative += ranked.score.expected_value
        share = cumulative / total if total else Fraction(0)
        if not total:
            klass = Klass.C
        elif position == 0 or share <= A_SHARE:
            klass = Klass.A
        elif share <= B_SHARE:
            klass = Klass.B
        else:
            klass = Klass.C
        result.append(Ranked(ranked.item, ranked.score, klass, share))
    return result


@dataclass(frozen=True)
class ClassTotal:
    klass: Klass
    count: int
    expected_value: Fraction


@dataclass(frozen=True)
class Targeting(Generic[T]):
    """The account's opportunities as the page shows them."""

    open: list[Ranked[T]]
    closed: list[Ranked[T]]  # in the order given, unclassed

    @property
    def total_expected_value(self) -> Fraction:
        """Of the open opportunities."""
        return sum((r.score.expected_value for r in self.open), Fraction(0))

    @property
    def total_days(self) -> int:
        """Days of effort the open opportunities need."""
        return sum(r.item.days for r in self.open)

    @property
    def classes(self) -> list[ClassTotal]:
        """Count and expected value per class, A to C (a class with none is listed too)."""
        return [
            ClassTotal(
                klass,
                sum(1 for r in self.open if r.klass is klass),
                sum((r.score.expected_value for r in self.open if r.klass is klass), Fraction(0)),
            )
            for klass in Klass
        ]


def target(items: Iterable[T]) -> Targeting[T]:
    """Split into open (classed, best first) and closed (scored, order kept)."""
    items = list(items)
    return Targeting(
        open=classify(item for item in items if item.status == OPEN),
        closed=[Ranked(item, score(item)) for item in items if item.status != OPEN],
    )
