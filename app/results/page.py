"""What the account's results page shows, for one person and one year: a fixed number of
queries (three after the account guard) whatever the number of quarters and bids."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.kit.pages import Page
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.results import chart, figures, repository
from app.results.schemas import BID_REASONS, QUARTERS, ActualForm, GoalForm, quarter_of
from app.web.forms import FormErrors


def url(access: AccountAccess, year: int) -> str:
    return f"/accounts/{access.account_id}/results?year={year}"


def open_quarters(year: int, actor: Actor) -> tuple[int, ...]:
    """The quarters of ``year`` that have begun where the person is (actuals are for those)."""
    today = actor.today()
    if year < today.year:
        return QUARTERS
    if year > today.year:
        return ()
    return tuple(q for q in QUARTERS if q <= quarter_of(today))


def context(db: Session, actor: Actor, access: AccountAccess, year: int) -> dict[str, Any]:
    account_id = access.account_id
    goal = repository.goals(db, account_ids=[account_id], year=year).get(account_id)
    actuals = repository.actuals(db, account_ids=[account_id], year=year).get(account_id, [])
    bids = list(repository.closed_bids(db, account_id=account_id))
    results = figures.year_results(year, goal, actuals)
    by_quarter = {q.number: q.actual for q in results.quarters}
    quarters = open_quarters(year, actor)
    return {
        "access": access,
        "account": access.account,
        "can_write": may(actor, access, Verb.RESULTS_WRITE),
        "year": year,
        "results": results,
        "chart": chart.goal_chart(results, actor.currency, actor.locale),
        "bids": bids,
        "record": figures.bid_record(Counter((b.status, b.bid_reason) for b in bids)),
        "bid_reasons": BID_REASONS,
        "open_quarters": quarters,
        "goal_form": GoalForm.of(goal, year, actor.locale),
        "goal_version": goal.version if goal else 0,
        "goal_errors": FormErrors(),
        "actual_forms": {
            q: ActualForm.of(by_quarter.get(q), year, q, actor.locale) for q in quarters
        },
        "actual_versions": {q: (a.version if (a := by_quarter.get(q)) else 0) for q in quarters},
        # After a refused save of one quarter: that quarter, its form as typed, its messages.
        "typed_quarter": None,
        "typed_form": None,
        "typed_version": 0,
        "actual_errors": FormErrors(),
        "stale": None,  # the goals' or the typed quarter's StaleEdit
        "notice": "",
    }


def page(request: Request, db: Session, actor: Actor, access: AccountAccess, year: int) -> Page:
    return Page(
        request,
        "results/show.html",
        lambda: context(db, actor, access, year),
        url=url(access, year),
    )
