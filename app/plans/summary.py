"""The plan page's opening summary, written for the reader's side: pure Python over what the
page loads (``app.plans.page.plan_context``) and the few columns its first query reads along.

- both sides: what waits for the reader on this plan (the home's "Waiting for you", built by
  the same builders of ``app.waiting.view``, restricted to this account), and the next review;
- the client: its priorities in order (the top ones), its latest value rating and its trend;
- the vendor: the focus figures, each with one plain sentence whose numbers are the figure's.

A client never gets a focus figure from here: the summary holds none for its side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.actions import smart
from app.kit.clock import zone_named
from app.kit.dates import next_review_on
from app.kit.words import plural
from app.models import InitiativeStatus, Plan, PlanStatus, Priority, Visibility
from app.permissions.policy import AccountAccess, Actor
from app.plans.metrics import TOP, FocusMetrics
from app.waiting import view
from app.waiting.repository import CurrentPlan, Row, aware
from app.waiting.view import Kind


@dataclass(frozen=True)
class Rating:
    """The latest value rating, and how it moved against the one before it."""

    overall: int
    rated_at: datetime
    change: int | None  # None: the first rating of the period
    future: int | None = None  # the value expected in the future; None: not said

    @property
    def trend(self) -> str:
        if self.change is None:
            return "first"
        return "up" if self.change > 0 else "down" if self.change < 0 else "flat"


@dataclass(frozen=True)
class NextReview:
    on: date
    scheduled: bool  # a joint review is scheduled then; otherwise the day one is due
    overdue: bool
    link: str


@dataclass(frozen=True)
class Explained:
    """A focus figure with one plain sentence."""

    key: str
    name: str
    percent: str
    sentence: str


@dataclass
class Summary:
    side: str  # "client" or "vendor"
    waiting: list[Kind] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)  # the client's top, in order
    ranked: int = 0  # how many priorities the client ranked in all
    rating: Rating | None = None
    next_review: NextReview | None = None
    figures: list[Explained] = field(default_factory=list)  # the vendor's only

    @property
    def waiting_total(self) -> int:
        return sum(kind.count for kind in self.waiting)


def _open_actions_of(actions: Sequence[Any], user_id: int, account_id: int) -> list[Row]:
    """The person's open actions on this plan, as "my actions" orders them."""
    mine = [
        action
        for action in (row[0] if isinstance(row, tuple) else row for row in actions)
        if action.owner_id == user_id and smart.is_open(action.status)
    ]
    mine.sort(key=lambda a: (a.due_on is None, a.due_on or date.min, a.created_at, a.id or 0))
    return [Row(account_id, a.id or 0, a.title, due_on=a.due_on) for a in mine]


def waiting_here(context: Mapping[str, Any], actor: Actor, extra: Mapping[str, Any]) -> list[Kind]:
    """What waits for ``actor`` on this account, as the home lists it: each kind only when the
    policy lets the person answer it (``can``, the page's own answers), on the current plan."""
    plan: Plan = context["plan"]
    access: AccountAccess = context["access"]
    can: Mapping[str, bool] = context["can"]
    if not plan.is_current:
        return []
    aid = access.account_id
    kinds: list[Kind] = []
    if can.get("suggestions_answer"):
        rows = [Row(aid, p.id or 0, p.title) for p, _owner in context.get("suggestions", [])]
        kinds += view.suggestions(rows)
    if can.get("initiatives_answer"):
        proposed = [
            v.initiative
            for v in context.get("initiatives", [])
            if v.initiative.status == InitiativeStatus.PROPOSED
            and v.initiative.visibility == Visibility.SHARED
        ]
        kinds += view.proposals([Row(aid, i.id or 0, i.title) for i in proposed])
    submitted = [plan] if plan.status == PlanStatus.SUBMITTED else []
    allowed = {aid} if can.get("plan_approve") else set()
    kinds += view.approvals(submitted, {aid: access.role}, allowed)
    if can.get("value_rate"):
        kinds += view.ratings([CurrentPlan(plan, aware(extra.get("last_rated")))], actor)
    if access.membership is not None:
        mine = _open_actions_of(context.get("actions", []), actor.id, aid)
        kinds += view.actions(mine, actor.today(), listed=False)
        check = int(extra.get("check") or 0) if can.get("validation_answer") else 0
        kinds += view.counted(aid, check=check, mentions=int(extra.get("mentions") or 0))
    return view.ordered(kinds)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def next_review(
    plan: Plan, access: AccountAccess, today: date, extra: Mapping[str, Any]
) -> NextReview:
    """The next joint review: the day of the one scheduled, else the day one is due (a cadence
    after the last one held, or after the plan began: ``app.kit.dates.next_review_on``)."""
    link = f"/accounts/{access.account_id}/joint-reviews"
    scheduled = aware(extra.get("review_scheduled"))
    zone = zone_named(access.account.workspace.time_zone)
    if scheduled is not None:
        on = scheduled.astimezone(zone).date()
        return NextReview(on, True, on < today, link)
    held = _as_date(extra.get("review_held"))
    on = next_review_on(plan, last_held_on=held, zone=zone)
    return NextReview(on, False, on < today, link)


def explained(metrics: FocusMetrics) -> list[Explained]:
    """Each focus figure with one sentence whose numbers are the figure's own."""
    focus, coverage, validation = metrics.client_focus, metrics.coverage, metrics.validation
    if focus.value is None:
        focus_says = f"Nothing to measure yet: {focus.basis}."
    else:
        focus_says = (
            f"{focus.part} of the {plural(focus.whole, 'initiative', 'initiatives')} shown to "
            "the client answer one of its priorities; answering a higher-ranked priority "
            "counts for more."
        )
    if coverage.value is None:
        coverage_says = f"Nothing to measure yet: {coverage.basis}."
    else:
        top = (
            "the client's only priority"
            if coverage.whole == 1
            else (f"the client's top {coverage.whole} priorities")
        )
        coverage_says = (
            f"{coverage.part} of {top} {'has' if coverage.whole == 1 else 'have'} an accepted "
            "initiative or an open action behind them."
        )
    if validation.value is None:
        validation_says = f"Nothing to measure yet: {validation.basis}."
    else:
        validation_says = (
            f"{validation.part} of the {plural(validation.whole, 'thing', 'things')} the plan "
            f"rests on are the client's own or confirmed by the client: {validation.basis}."
        )
    return [
        Explained("client-focus", "Client focus", focus.percent, focus_says),
        Explained("coverage", "Top priorities covered", coverage.percent, coverage_says),
        Explained("validation", "Confirmed by the client", validation.percent, validation_says),
    ]


def build(context: Mapping[str, Any], actor: Actor, extra: Mapping[str, Any]) -> Summary:
    """The summary of the plan page's ``context`` for ``actor`` (``extra``: the columns the
    page's first query read along, ``here_columns`` and ``review_columns``)."""
    access: AccountAccess = context["access"]
    plan: Plan = context["plan"]
    summary = Summary("vendor" if access.is_vendor else "client")
    summary.waiting = waiting_here(context, actor, extra)
    if plan.is_current:  # a closed period has no review ahead
        summary.next_review = next_review(plan, access, actor.today(), extra)
    if access.is_vendor:
        summary.figures = explained(context["focus_metrics"])
        return summary
    ranked = [row[0] for row in context.get("priorities", [])]
    summary.priorities = ranked[:TOP]
    summary.ranked = len(ranked)
    latest = context.get("value_latest")
    if latest is not None:
        rating = latest.rating
        summary.rating = Rating(
            rating.overall, rating.rated_at, latest.change, rating.future_overall
        )
    return summary
