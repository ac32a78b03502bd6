"""An account's results worked out from its rows: a year's goals against its quarters'
actuals to date, and the bid record (win rate, the main reasons bids were lost).

Read by the account's results page and by the portfolio (one row per account), from rows the
repository loads for every account at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.models import AccountActual, AccountGoal, OpportunityStatus
from app.results.schemas import BID_REASONS, QUARTERS

MAIN_REASONS = 3  # the loss reasons a summary names
WON, LOST, DROPPED = (
    OpportunityStatus.WON.value,
    OpportunityStatus.LOST.value,
    OpportunityStatus.DROPPED.value,
)


@dataclass(frozen=True)
class Quarter:
    number: int
    actual: AccountActual | None  # None: not recorded
    revenue_goal: Fraction | None  # the year's revenue goal, a quarter of it; None: no goal
    margin_goal: Fraction | None

    @property
    def label(self) -> str:
        return f"Q{self.number}"

    @property
    def revenue_share(self) -> Fraction | None:
        """Its revenue against the quarter's share of the year's goal."""
        if self.actual is None or not self.revenue_goal:
            return None
        return Fraction(self.actual.revenue) / self.revenue_goal


@dataclass(frozen=True)
class YearResults:
    """The year's goals and actuals. "To date": the quarters recorded so far."""

    year: int
    goal: AccountGoal | None
    quarters: tuple[Quarter, ...]

    @property
    def recorded(self) -> list[AccountActual]:
        return [q.actual for q in self.quarters if q.actual is not None]

    @property
    def revenue_to_date(self) -> int | None:
        return sum(a.revenue for a in self.recorded) if self.recorded else None

    @property
    def margin_to_date(self) -> int | None:
        return sum(a.margin for a in self.recorded) if self.recorded else None

    @property
    def latest_share(self) -> int | None:
        """The share of wallet in the latest quarter recorded."""
        return self.recorded[-1].share_of_wallet if self.recorded else None

    @property
    def revenue_goal_to_date(self) -> Fraction | None:
        """The year's revenue goal pro rata for the quarters recorded (a quarter each)."""
        if self.goal is None or not self.recorded:
            return None
        return Fraction(self.goal.revenue * len(self.recorded), len(QUARTERS))

    @property
    def margin_goal_to_date(self) -> Fraction | None:
        if self.goal is None or not self.recorded:
            return None
        return Fraction(self.goal.margin * len(self.recorded), len(QUARTERS))

    @property
    def of_year_goal(self) -> Fraction | None:
        """Revenue to date as a share of the whole year's revenue goal."""
        if self.goal is None or not self.goal.revenue or self.revenue_to_date is None:
            return None
        return Fraction(self.revenue_to_date, self.goal.revenue)

    @property
    def on_pace(self) -> Fraction | None:
        """Revenue to date against the goal to date."""
        goal = self.revenue_goal_to_date
        if not goal or self.revenue_to_date is None:
            return None
        return self.revenue_to_date / goal


def year_results(
    year: int, goal: AccountGoal | None, actuals: Sequence[AccountActual]
) -> YearResults:
    by_quarter = {a.quarter: a for a in actuals if a.year == year}
    revenue = Fraction(goal.revenue, len(QUARTERS)) if goal else None
    margin = Fraction(goal.margin, len(QUARTERS)) if goal else None
    return YearResults(
        year,
        goal,
        tuple(Quarter(n, by_quarter.get(n), revenue, margin) for n in QUARTERS),
    )


@dataclass(frozen=True)
class Reason:
    key: str
    count: int

    @property
    def label(self) -> str:
        return BID_REASONS.get(self.key, "No reason recorded")


@dataclass(frozen=True)
class BidRecord:
    """The account's closed bids. The win rate counts the bids the client decided, won
    against lost; dropped ones (we stopped bidding, or the client called it off) are apart."""

    won: int
    lost: int
    dropped: int
    loss_reasons: tuple[Reason, ...]  # of lost and dropped bids, the most frequent first

    @property
    def decided(self) -> int:
        return self.won + self.lost

    @property
    def closed(self) -> int:
        return self.won + self.lost + self.dropped

    @property
    def win_rate(self) -> Fraction | None:
        return Fraction(self.won, self.decided) if self.decided else None

    @property
    def main_reasons(self) -> tuple[Reason, ...]:
        return self.loss_reasons[:MAIN_REASONS]


def bid_record(counts: Mapping[tuple[str, str], int]) -> BidRecord:
    """From (status, reason) -> count (``repository.bid_counts``, one account's)."""
    by_status: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for (status, reason), count in counts.items():
        by_status[status] += count
        if status in (LOST, DROPPED):
            reasons[reason] += count
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], _order(kv[0])))
    return BidRecord(
        by_status[WON],
        by_status[LOST],
        by_status[DROPPED],
        tuple(Reason(key, count) for key, count in ordered),
    )


def _order(reason: str) -> int:
    keys = list(BID_REASONS)
    return keys.index(reason) if reason in keys else len(keys)
