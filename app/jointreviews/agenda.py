"""A joint review's agenda, generated when it is scheduled, in the order the review takes:
the client's goals and priorities first, then progress on initiatives and actions, then the
client's value rating. Only what the client sees goes in (never a draft initiative): the agenda
is on the shared page, in every attendee's e-mail and in the calendar file."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlmodel import Session

from app.actions import repository as actions_repo
from app.jointreviews import repository
from app.jointreviews.schemas import day
from app.models import ActionStatus, InitiativeStatus, Plan, StrategyKind
from app.priorities import repository as priorities_repo
from app.strategy import repository as strategy_repo
from app.value import repository as value_repo

GOALS = "The client's goals and priorities"
PROGRESS = "Progress on initiatives and actions"
VALUE = "The client's value rating"


def build(session: Session, *, plan: Plan, today: date) -> list[dict[str, Any]]:
    """The agenda's three parts, each a heading and its lines (a fixed number of queries).
    ``today``: the local date of the person scheduling (what is overdue is counted as of it)."""
    assert plan.id is not None
    return [
        {"heading": GOALS, "items": _goals(session, plan)},
        {"heading": PROGRESS, "items": _progress(session, plan, today)},
        {"heading": VALUE, "items": _value(session, plan)},
    ]


def _goals(session: Session, plan: Plan) -> list[str]:
    assert plan.id is not None
    goals = [
        f"Goal: {entry.text}"
        for entry in strategy_repo.for_plan(session, plan_id=plan.id)
        if entry.kind == StrategyKind.GOAL
    ]
    ranked = [
        f"Priority {p.rank}: {p.title}" for p in priorities_repo.active(session, plan_id=plan.id)
    ]
    if not goals and not ranked:
        return ["No goals or priorities yet: the client states them in the review."]
    confirm = ["Does this ranking still hold? The client confirms or re-ranks it."]
    return goals + ranked + (confirm if ranked else [])


def _progress(session: Session, plan: Plan, today: date) -> list[str]:
    assert plan.id is not None
    initiatives = repository.shared_initiatives(
        session, account_id=plan.account_id, plan_id=plan.id
    )
    lines = [f"Initiative: {i.title} ({InitiativeStatus(i.status).value})" for i in initiatives]
    acts = actions_repo.for_plan(session, account_id=plan.account_id, plan_id=plan.id)
    counts = Counter(a.status for a in acts)
    overdue = sum(
        1 for a in acts if ActionStatus(a.status).is_open and a.due_on and a.due_on < today
    )
    if acts:
        lines.append(
            f"Actions: {counts[ActionStatus.DONE]} done, "
            f"{sum(n for s, n in counts.items() if ActionStatus(s).is_open)} open "
            f"({overdue} overdue), {counts[ActionStatus.CANCELLED]} cancelled."
        )
    return lines or ["No initiatives or actions yet."]


def _value(session: Session, plan: Plan) -> list[str]:
    assert plan.id is not None
    latest = value_repo.latest(session, plan_id=plan.id)
    said = (
        f"Latest rating: {latest.overall} out of 10, on {day(latest.rated_at.date())}."
        if latest
        else "The client has not rated the relationship yet."
    )
    return [said, "The client rates the relationship again in the review."]


def as_text(agenda: list[dict[str, Any]]) -> str:
    """The agenda as plain text (e-mail, calendar description)."""
    parts = []
    for number, part in enumerate(agenda, start=1):
        lines = "\n".join(f"   - {item}" for item in part.get("items", []))
        parts.append(f"{number}. {part.get('heading', '')}\n{lines}")
    return "\n".join(parts)
