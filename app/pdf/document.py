"""What a PDF of the plan holds: the plan's shared content (``agreement.snapshot``), the value
trend chart (``value.chart``) and the cover's parties and agreement, in a fixed number of
queries whatever the plan's size.

Both documents print shared content only, whoever asks: a frozen version is shared content by
construction, and the current plan is printed through the same snapshot, so a PDF is safe to
forward to the other side (or to a client's board) and a client's PDF holds nothing internal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from app.agreement import diff, repository, snapshot
from app.agreement.service import waiting_for
from app.kit import clock
from app.kit.moments import local
from app.models import STRATEGY_LABELS, Plan, PlanStatus, PlanVersion, ValueRating
from app.permissions.policy import AccountAccess, Actor
from app.value import chart
from app.value import repository as value_repo
from app.value.sections import dimension_names


@dataclass(frozen=True)
class Agreement:
    """The cover's agreement line: the version shown or last agreed, and how the printed
    content stands against it."""

    version: PlanVersion | None  # None: never agreed
    names: dict[int, str]
    state: str  # "version" (a frozen version), "agreed", "changed", "never"
    submitted: bool = False  # the current plan is submitted for agreement
    waiting: tuple[str, ...] = ()  # the approvals it still waits for

    def name(self, user_id: int | None) -> str:
        return self.names.get(user_id or 0, "a former member")


def _due_days(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions with their due day as a date (the snapshot keeps ISO text), so the
    template writes it as the reader's locale does."""
    return [
        a | {"due_on": date.fromisoformat(a["due_on"]) if a.get("due_on") else None}
        for a in actions
    ]


def _strategy(entries: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The strategy's sections in the order the plan page shows them (goals first), each with
    its entries in their order; sections without entries are left out."""
    return [
        (label, sorted((e for e in entries if e["kind"] == kind.value), key=lambda e: e["order"]))
        for kind, label in STRATEGY_LABELS.items()
        if any(e["kind"] == kind.value for e in entries)
    ]


def _chart(ratings: list[ValueRating], actor: Actor, access: AccountAccess) -> chart.Chart | None:
    """The value trend chart of ``ratings`` (oldest first), as the plan page draws it."""
    if len(ratings) < 2:
        return None
    names = dimension_names(ratings, list(access.account.workspace.value_dimensions))
    points = [
        chart.Rated(local(r.rated_at, actor.zone), r.overall, r.scores, r.future_overall)
        for r in ratings
    ]
    return chart.build(points, names, actor.locale)


def context(
    actor: Actor,
    access: AccountAccess,
    *,
    plan_period: str,
    content: snapshot.Snapshot,
    ratings: list[ValueRating],
    agreement: Agreement,
) -> dict[str, Any]:
    """The template's context (templates/pdf/plan.html)."""
    sections = content.get("sections", {})
    return {
        "actor": actor,  # whose zone and locale the times and days are written in
        "now": clock.now(),
        "account": access.account,
        "period": plan_period,
        "agreement": agreement,
        "strategy": _strategy(sections.get("strategy", [])),
        "priorities": sections.get("priorities", []),
        "rating": (sections.get("value") or [None])[0],
        "initiatives": sections.get("initiatives", []),
        "actions": _due_days(sections.get("actions", [])),
        "value_chart": _chart(ratings, actor, access),
        "show": diff.show,
    }


def _approvers(*rows: PlanVersion | Plan | None) -> list[int | None]:
    return [
        person
        for row in rows
        if row is not None
        for person in (row.submitted_by_id, row.sponsor_approved_by_id, row.lead_approved_by_id)
    ]


def of_current(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    """The current plan as it stands (nine queries: five of the snapshot, the ratings, the last
    agreed version, the names)."""
    assert plan.id is not None
    content = snapshot.build(db, plan=plan)
    ratings = list(value_repo.for_plan(db, plan_id=plan.id))
    last = repository.last_version(db, account_id=access.account_id, plan_id=plan.id)
    if last is None:
        state = "never"
    elif snapshot.content_hash(content) == last.content_hash:
        state = "agreed"
    else:
        state = "changed"
    names = repository.user_names(db, user_ids=_approvers(last, plan))
    submitted = plan.status == PlanStatus.SUBMITTED
    waiting = tuple(slot.label for slot in waiting_for(plan))
    agreement = Agreement(last, names, state, submitted, waiting)
    return context(
        actor,
        access,
        plan_period=plan.period,
        content=content,
        ratings=ratings,
        agreement=agreement,
    )


def of_version(
    db: Session, actor: Actor, access: AccountAccess, version: PlanVersion
) -> dict[str, Any]:
    """A frozen version as it was agreed; the trend chart shows the ratings given until then
    (ratings are never edited, so it is the chart both sides saw). Two queries."""
    agreed_at: datetime = version.agreed_at
    ratings = [
        r for r in value_repo.for_plan(db, plan_id=version.plan_id) if r.rated_at <= agreed_at
    ]
    names = repository.user_names(db, user_ids=_approvers(version))
    return context(
        actor,
        access,
        plan_period=str(version.snapshot.get("period", "")),
        content=version.snapshot,
        ratings=ratings,
        agreement=Agreement(version, names, "version"),
    )
