"""The portfolio's figures, one row per account, worked out from rows batch-loaded for every
visible account (app/portfolio/repository.py); then filtered and sorted in memory.

Every figure is the one the page it links to shows, computed by the same code:
- the tier: the account's latest score (app/models.tier_of was applied when it was scored);
- client focus and coverage: app/plans/metrics.py, over the same rows the plan page reads;
- the perception gap: app/perception/service.gap;
- the next review and its state: app/reviews/schedule.py.
Reading only (no audit events): the page changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.kit.clock import zone_named
from app.kit.dates import next_review_on
from app.models import (
    ActionStatus,
    PerceivedPriority,
    PerceivedRating,
    Plan,
    PlanStatus,
    Priority,
    PriorityStatus,
    Tier,
    ValueRating,
    utcnow,
)
from app.perception import service as perception
from app.permissions.policy import Actor
from app.plans import metrics
from app.plans.metrics import Figure, LinkedInitiative
from app.portfolio import chart, repository
from app.portfolio.schemas import NO_PLAN, STATE_CHOICES, UNSCORED, PortfolioQuery
from app.reviews.schedule import ReviewState, review_state
from app.scorecard.hours import quarter_of

PLAN_STATE_ORDER = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.AGREED)


@dataclass(frozen=True)
class Score:
    current: float
    future: float
    tier: Tier
    scored_on: date


@dataclass(frozen=True)
class ValueTrend:
    """The newest client value ratings of the plan (oldest first, at most SPARK_POINTS)."""

    overall: tuple[int, ...]
    rated_on: date

    @property
    def latest(self) -> int:
        return self.overall[-1]

    @property
    def change(self) -> int | None:
        """Against the rating before; None: the first rating."""
        return self.overall[-1] - self.overall[-2] if len(self.overall) > 1 else None

    @property
    def sparkline(self) -> chart.Sparkline | None:
        return chart.sparkline(self.overall)


@dataclass(frozen=True)
class PerceptionGap(perception.BeliefAgainstStatement):
    believed: int | None  # the vendor's latest believed overall rating
    stated: int | None  # the client's latest overall rating
    missed: int | None  # client priorities no belief anticipated; None: no belief recorded

    @property
    def why_no_difference(self) -> str:
        if self.believed is None and self.stated is None:
            return "neither side has rated the relationship yet"
        if self.believed is None:
            return "your side has not recorded the rating it expects"
        return "the client has not rated the relationship yet"


@dataclass(frozen=True)
class NextReview:
    on: date
    state: ReviewState
    last_held_on: date | None
    cadence_months: int


@dataclass(frozen=True)
class PlanFigures:
    plan: Plan
    client_focus: Figure
    coverage: Figure
    value: ValueTrend | None
    gap: PerceptionGap
    overdue_actions: int
    open_actions: int
    review: NextReview

    @property
    def state(self) -> PlanStatus:
        return PlanStatus(self.plan.status)

    @property
    def state_label(self) -> str:
        return STATE_CHOICES[self.state.value]


@dataclass(frozen=True)
class PortfolioRow:
    account_id: int
    name: str
    client_name: str
    score: Score | None  # None: never scored
    figures: PlanFigures | None  # None: no current plan
    selection: repository.Selection | None = None  # the time and treatment facts

    @property
    def tier(self) -> Tier | None:
        return self.score.tier if self.score else None


@dataclass(frozen=True)
class _Batches:
    """Everything the figures need, loaded for all current plans at once, grouped by plan."""

    priorities: dict[int, list[Priority]] = field(default_factory=dict)
    initiatives: dict[int, dict[int, LinkedInitiative]] = field(default_factory=dict)
    actions: dict[int, list[repository.ActionFacts]] = field(default_factory=dict)
    ratings: dict[int, list[ValueRating]] = field(default_factory=dict)
    believed: dict[int, PerceivedRating] = field(default_factory=dict)
    beliefs: dict[int, list[PerceivedPriority]] = field(default_factory=dict)
    last_reviews: dict[int, date] = field(default_factory=dict)


def _load(db: Session, plan_ids: list[int]) -> _Batches:
    if not plan_ids:
        return _Batches()
    priorities: dict[int, list[Priority]] = defaultdict(list)
    for priority in repository.priorities(db, plan_ids=plan_ids):
        priorities[priority.plan_id].append(priority)
    links: dict[int, dict[int, list[int]]] = defaultdict(dict)
    statuses: dict[int, str] = {}
    for link in repository.initiative_links(db, plan_ids=plan_ids):
        linked = links[link.plan_id].setdefault(link.initiative_id, [])
        statuses[link.initiative_id] = link.status
        if link.priority_id is not None:
            linked.append(link.priority_id)
    initiatives = {
        plan_id: {i: LinkedInitiative(statuses[i], ids) for i, ids in by_id.items()}
        for plan_id, by_id in links.items()
    }
    actions: dict[int, list[repository.ActionFacts]] = defaultdict(list)
    for action in repository.actions(db, plan_ids=plan_ids):
        actions[action.plan_id].append(action)
    ratings: dict[int, list[ValueRating]] = defaultdict(list)
    for rating in repository.recent_ratings(db, plan_ids=plan_ids, per_plan=chart.SPARK_POINTS):
        ratings[rating.plan_id].append(rating)
    beliefs: dict[int, list[PerceivedPriority]] = defaultdict(list)
    for belief in repository.beliefs(db, plan_ids=plan_ids):
        beliefs[belief.plan_id].append(belief)
    return _Batches(
        priorities=priorities,
        initiatives=initiatives,
        actions=actions,
        ratings=ratings,
        believed=repository.latest_believed_ratings(db, plan_ids=plan_ids),
        beliefs=beliefs,
        last_reviews=repository.last_reviews(db, plan_ids=plan_ids),
    )


def _focus(
    priorities: Sequence[Priority],
    initiatives: dict[int, LinkedInitiative],
    actions: Sequence[repository.ActionFacts],
) -> tuple[Figure, Figure]:
    """Client-focus index and coverage exactly as the plan page works them out
    (``metrics.for_plan``): ranked priorities, live initiatives, live actions."""
    ranked = [p for p in priorities if p.status == PriorityStatus.ACTIVE and p.rank is not None]
    ranks = {p.id: p.rank for p in ranked if p.id is not None and p.rank is not None}
    top = [
        p.id for p in sorted(ranked, key=lambda p: p.rank or 0)[: metrics.TOP] if p.id is not None
    ]
    return (
        metrics.client_focus_index(initiatives.values(), ranks),
        metrics.coverage(top, initiatives, actions),
    )


def _gap(
    priorities: Sequence[Priority],
    beliefs: Sequence[PerceivedPriority],
    believed: PerceivedRating | None,
    stated: ValueRating | None,
) -> PerceptionGap:
    """The perception page's gap (``perception.gap``). A belief's linked priority is looked up
    among the plan's live priorities: one the client removed since is absent, which the gap
    treats exactly as the removed row it would otherwise get (unmatched)."""
    by_id = {p.id: p for p in priorities}
    found = perception.gap(
        beliefs=[(b, by_id.get(b.priority_id)) for b in beliefs],
        client_priorities=priorities,
        believed_rating=believed,
        client_rating=stated,
        dimensions=(),
    )
    return PerceptionGap(
        believed=believed.overall if believed else None,
        stated=stated.overall if stated else None,
        missed=len(found.missed) if beliefs else None,
    )


def _plan_figures(
    plan: Plan, batches: _Batches, today: date, zone: ZoneInfo, home: ZoneInfo
) -> PlanFigures:
    """``today`` and ``zone``: the reader's (the days shown are theirs); ``home``: the
    workspace's, where the plan's review days fall (``app.kit.dates``)."""
    assert plan.id is not None
    priorities = batches.priorities.get(plan.id, [])
    actions = batches.actions.get(plan.id, [])
    ratings = batches.ratings.get(plan.id, [])
    client_focus, coverage = _focus(priorities, batches.initiatives.get(plan.id, {}), actions)
    open_actions = [a for a in actions if ActionStatus(a.status).is_open]
    last_held = batches.last_reviews.get(plan.id)
    next_on = next_review_on(plan, last_held_on=last_held, zone=home)
    return PlanFigures(
        plan=plan,
        client_focus=client_focus,
        coverage=coverage,
        value=ValueTrend(
            tuple(r.overall for r in ratings), ratings[-1].rated_at.astimezone(zone).date()
        )
        if ratings
        else None,
        gap=_gap(
            priorities,
            batches.beliefs.get(plan.id, []),
            batches.believed.get(plan.id),
            ratings[-1] if ratings else None,
        ),
        overdue_actions=sum(1 for a in open_actions if a.due_on is not None and a.due_on < today),
        open_actions=len(open_actions),
        review=NextReview(
            next_on, review_state(next_on, today), last_held, plan.review_cadence_months
        ),
    )


def portfolio_rows(db: Session, *, actor: Actor, today: date) -> list[PortfolioRow]:
    """Every account the actor may see in the portfolio, in the default order (tier, then
    name), with its figures: a fixed number of queries whatever the number of accounts."""
    assert actor.workspace_id is not None, "the guard lets only vendor people through"
    accounts = repository.visible_accounts(
        db,
        workspace_id=actor.workspace_id,
        user_id=actor.id,
        every_account=actor.is_admin_of(actor.workspace_id),
        quarter=quarter_of(today),
        now=utcnow(),
    )
    if not accounts:
        return []
    scores = repository.latest_scores(db, account_ids=[a.account_id for a in accounts])
    plans = [a.plan for a in accounts if a.plan is not None]
    batches = _load(db, [p.id for p in plans if p.id is not None])
    rows = []
    for account in accounts:
        latest = scores.get(account.account_id)
        rows.append(
            PortfolioRow(
                account_id=account.account_id,
                name=account.name,
                client_name=account.client_name,
                selection=account.selection,
                score=Score(
                    latest.current,
                    latest.future,
                    Tier(latest.tier),
                    latest.scored_at.astimezone(actor.zone).date(),
                )
                if latest
                else None,
                figures=_plan_figures(
                    account.plan, batches, today, actor.zone, zone_named(actor.home_zone)
                )
                if account.plan
                else None,
            )
        )
    return sort_rows(rows, PortfolioQuery())


# --- Filtering and sorting ---------------------------------------------------------------------


def _review_matches(wanted: str, state: ReviewState) -> bool:
    if wanted == "attention":
        return state in (ReviewState.DUE, ReviewState.OVERDUE)
    return state.value == wanted


def matches(row: PortfolioRow, query: PortfolioQuery) -> bool:
    if query.tier and (row.tier.value if row.tier else UNSCORED) != query.tier:
        return False
    if query.state and (row.figures.plan.status if row.figures else NO_PLAN) != query.state:
        return False
    if query.review and (
        row.figures is None or not _review_matches(query.review, row.figures.review.state)
    ):
        return False
    if query.q:
        wanted = query.q.casefold()
        if wanted not in row.name.casefold() and wanted not in row.client_name.casefold():
            return False
    return True


def filter_rows(rows: Sequence[PortfolioRow], query: PortfolioQuery) -> list[PortfolioRow]:
    return [row for row in rows if matches(row, query)]


def _figure(row: PortfolioRow, read: Callable[[PlanFigures], Any]) -> Any:
    return read(row.figures) if row.figures else None


# Column -> the value it sorts by (None: nothing to sort by; such rows go last either way).
SORT_KEYS: dict[str, Callable[[PortfolioRow], Any]] = {
    "name": lambda r: r.name.casefold(),
    "tier": lambda r: chart.TIER_ORDER.index(r.tier) if r.tier else None,
    "plan": lambda r: _figure(r, lambda f: PLAN_STATE_ORDER.index(f.state)),
    "focus": lambda r: _figure(r, lambda f: f.client_focus.value),
    "coverage": lambda r: _figure(r, lambda f: f.coverage.value),
    "value": lambda r: _figure(r, lambda f: f.value.latest if f.value else None),
    "gap": lambda r: _figure(r, lambda f: f.gap.difference),
    "overdue": lambda r: _figure(r, lambda f: f.overdue_actions),
    "review": lambda r: _figure(r, lambda f: f.review.on),
}


def _default_key(row: PortfolioRow) -> tuple[int, str, int]:
    tier = chart.TIER_ORDER.index(row.tier) if row.tier else len(chart.TIER_ORDER)
    return tier, row.name.casefold(), row.account_id


def sort_rows(rows: Sequence[PortfolioRow], query: PortfolioQuery) -> list[PortfolioRow]:
    """Sorted by the query's column; ties, and rows without a value (always last), keep the
    default order: tier, then name."""
    base = sorted(rows, key=_default_key)
    key = SORT_KEYS[query.sort]
    valued = [row for row in base if key(row) is not None]
    missing = [row for row in base if key(row) is None]
    return sorted(valued, key=key, reverse=query.descending) + missing


# --- The page's summary and the quadrant -------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    accounts: int
    reviews_overdue: int
    reviews_due: int
    overdue_actions: int
    agreed: int
    unscored: int


def summarise(rows: Sequence[PortfolioRow]) -> Summary:
    figures = [row.figures for row in rows if row.figures]
    return Summary(
        accounts=len(rows),
        reviews_overdue=sum(1 for f in figures if f.review.state is ReviewState.OVERDUE),
        reviews_due=sum(1 for f in figures if f.review.state is ReviewState.DUE),
        overdue_actions=sum(f.overdue_actions for f in figures),
        agreed=sum(1 for f in figures if f.state is PlanStatus.AGREED),
        unscored=sum(1 for row in rows if row.score is None),
    )


def scored(rows: Sequence[PortfolioRow]) -> list[chart.Scored]:
    return [
        chart.Scored(row.account_id, row.name, row.score.current, row.score.future, row.score.tier)
        for row in rows
        if row.score is not None
    ]
