"""The portfolio's view of results: for every account shown, its goals against its actuals to
date this year and its win rate, with the totals and their chart. One query (goals, actuals
and bid counts together) for all the accounts at once, however many accounts and quarters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlmodel import Session

from app.models import AccountActual, AccountGoal
from app.results import chart, figures, repository
from app.results.figures import BidRecord, YearResults
from app.results.schemas import QUARTERS


@dataclass(frozen=True)
class AccountResults:
    account_id: int
    name: str
    year: YearResults
    record: BidRecord

    @property
    def has_any(self) -> bool:
        return self.year.goal is not None or bool(self.year.recorded) or bool(self.record.closed)


@dataclass(frozen=True)
class Totals:
    """The accounts' sums: revenue goals and revenue to date, of the accounts that have them,
    and every closed bid."""

    revenue_goal: int | None  # the year's, summed over the accounts with goals
    revenue_goal_to_date: Fraction | None  # each account's goal to date, summed
    revenue_to_date: int | None
    record: BidRecord

    @property
    def on_pace(self) -> Fraction | None:
        if not self.revenue_goal_to_date or self.revenue_to_date is None:
            return None
        return self.revenue_to_date / self.revenue_goal_to_date


@dataclass(frozen=True)
class PortfolioResults:
    year: int
    rows: tuple[AccountResults, ...]
    totals: Totals
    chart: chart.GoalChart | None


def _summed(year: int, rows: Sequence[AccountResults]) -> YearResults:
    """One year's results of all the accounts together: the sum of their goals, and per quarter
    the sum of what the accounts recorded (a quarter nobody recorded is not recorded)."""
    goals = [r.year.goal for r in rows if r.year.goal is not None]
    goal = (
        AccountGoal(
            account_id=0,
            year=year,
            revenue=sum(g.revenue for g in goals),
            margin=sum(g.margin for g in goals),
        )
        if goals
        else None
    )
    actuals = []
    for quarter in QUARTERS:
        recorded = [
            q.actual for r in rows for q in r.year.quarters if q.number == quarter and q.actual
        ]
        if recorded:
            actuals.append(
                AccountActual(
                    account_id=0,
                    year=year,
                    quarter=quarter,
                    revenue=sum(a.revenue for a in recorded),
                    margin=sum(a.margin for a in recorded),
                )
            )
    return figures.year_results(year, goal, actuals)


def _totals(rows: Sequence[AccountResults], counts: dict[tuple[str, str], int]) -> Totals:
    """``counts``: every shown account's closed bids by (status, reason), together."""
    goals = [r.year.goal.revenue for r in rows if r.year.goal is not None]
    to_date = [g for r in rows if (g := r.year.revenue_goal_to_date) is not None]
    revenue = [r.year.revenue_to_date for r in rows if r.year.revenue_to_date is not None]
    return Totals(
        sum(goals) if goals else None,
        sum(to_date, Fraction(0)) if to_date else None,
        sum(revenue) if revenue else None,
        figures.bid_record(counts),
    )


def for_portfolio(
    db: Session,
    accounts: Sequence[tuple[int, str]],
    *,
    year: int,
    currency: str,
    locale: str,
) -> PortfolioResults:
    """``accounts``: (id, name) of the accounts the portfolio shows, in its order."""
    ids = [account_id for account_id, _ in accounts]
    found = repository.together(db, account_ids=ids, year=year)
    goals, actuals, bids = found.goals, found.actuals, found.bids
    rows = tuple(
        AccountResults(
            account_id,
            name,
            figures.year_results(year, goals.get(account_id), actuals.get(account_id, [])),
            figures.bid_record(bids.get(account_id, {})),
        )
        for account_id, name in accounts
    )
    counts: dict[tuple[str, str], int] = {}
    for account_id in ids:
        for key, n in bids.get(account_id, {}).items():
            counts[key] = counts.get(key, 0) + n
    summed = _summed(year, rows)
    totals = _totals(rows, counts)
    return PortfolioResults(year, rows, totals, chart.goal_chart(summed, currency, locale))
