"""Queries of a period's items: what may carry over to the next period (one query each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import (
    Action,
    ActionStatus,
    Initiative,
    InitiativePriority,
    InitiativeStatus,
    Priority,
    PriorityStatus,
    StrategyEntry,
)

# What carries over by default (each may be left behind): the open items. Done, cancelled,
# declined and parked items, and rejected suggestions, stay with the period they ended in.
OPEN_PRIORITIES = (PriorityStatus.ACTIVE, PriorityStatus.SUGGESTED)
OPEN_INITIATIVES = (InitiativeStatus.DRAFT, InitiativeStatus.PROPOSED, InitiativeStatus.ACCEPTED)
OPEN_ACTIONS = tuple(status for status in ActionStatus if status.is_open)


@dataclass(frozen=True)
class Candidates:
    """A period's open items, in the order the plan shows them, and the links between them."""

    priorities: Sequence[Priority]
    initiatives: Sequence[Initiative]
    actions: Sequence[Action]
    strategy: Sequence[StrategyEntry]
    links: Sequence[InitiativePriority]
    staying: int  # live items that are not open: they stay with the period

    def ids(self) -> set[int]:
        ids = [
            *(p.id for p in self.priorities),
            *(i.id for i in self.initiatives),
            *(a.id for a in self.actions),
        ]
        return {i for i in ids if i is not None}


def _open_priorities(session: Session, plan_id: int) -> Sequence[Priority]:
    return session.exec(
        select(Priority)
        .where(Priority.plan_id == plan_id)
        .where(col(Priority.removed_at).is_(None))
        .where(col(Priority.status).in_(OPEN_PRIORITIES))
        .order_by(col(Priority.rank).is_(None), col(Priority.rank), col(Priority.created_at))
    ).all()


def _open_initiatives(session: Session, plan_id: int) -> Sequence[Initiative]:
    return session.exec(
        select(Initiative)
        .where(Initiative.plan_id == plan_id)
        .where(col(Initiative.removed_at).is_(None))
        .where(col(Initiative.status).in_(OPEN_INITIATIVES))
        .order_by(col(Initiative.created_at), col(Initiative.id))
    ).all()


def _open_actions(session: Session, plan_id: int) -> Sequence[Action]:
    return session.exec(
        select(Action)
        .where(Action.plan_id == plan_id)
        .where(col(Action.removed_at).is_(None))
        .where(col(Action.status).in_(OPEN_ACTIONS))
        .order_by(col(Action.due_on).is_(None), col(Action.due_on), col(Action.created_at))
    ).all()


def _strategy(session: Session, plan_id: int) -> Sequence[StrategyEntry]:
    return session.exec(
        select(StrategyEntry)
        .where(StrategyEntry.plan_id == plan_id)
        .where(col(StrategyEntry.removed_at).is_(None))
        .order_by(col(StrategyEntry.kind), col(StrategyEntry.position))
    ).all()


def _links(session: Session, plan_id: int) -> Sequence[InitiativePriority]:
    return session.exec(
        select(InitiativePriority)
        .join(Initiative, col(Initiative.id) == InitiativePriority.initiative_id)
        .where(Initiative.plan_id == plan_id)
    ).all()


def _live_count(session: Session, plan_id: int) -> int:
    """Live priorities, initiatives and actions of the period, open or not (one query)."""
    counts = [
        select(col(model.id)).where(model.plan_id == plan_id).where(col(model.removed_at).is_(None))
        for model in (Priority, Initiative, Action)
    ]
    union = counts[0].union_all(*counts[1:]).subquery()
    return session.exec(select(sa.func.count()).select_from(union)).one()


def candidates(session: Session, *, plan_id: int) -> Candidates:
    """The open items of the period ``plan_id``: a fixed number of queries."""
    priorities = _open_priorities(session, plan_id)
    initiatives = _open_initiatives(session, plan_id)
    actions = _open_actions(session, plan_id)
    live = _live_count(session, plan_id)
    return Candidates(
        priorities=priorities,
        initiatives=initiatives,
        actions=actions,
        strategy=_strategy(session, plan_id),
        links=_links(session, plan_id),
        staying=live - len(priorities) - len(initiatives) - len(actions),
    )
