"""Queries of a period's items: what may carry over to the next period (one query each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import for_write
from app.models import (
    Action,
    ActionStatus,
    Initiative,
    InitiativePriority,
    InitiativeStatus,
    JointReview,
    JointReviewStatus,
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


Carried = TypeVar("Carried", Priority, Initiative, Action)


def _open(
    session: Session, model: type[Carried], plan_id: int, statuses: tuple[str, ...], *order: Any
) -> Sequence[Carried]:
    """The period's live items of ``model`` in one of the open ``statuses``, in the plan's
    ``order``: one query."""
    return session.exec(
        select(model)
        .where(model.plan_id == plan_id)
        .where(col(model.removed_at).is_(None))
        .where(col(model.status).in_(statuses))
        .order_by(*order)
    ).all()


def _open_priorities(session: Session, plan_id: int) -> Sequence[Priority]:
    order = (col(Priority.rank).is_(None), col(Priority.rank), col(Priority.created_at))
    return _open(session, Priority, plan_id, OPEN_PRIORITIES, *order)


def _open_initiatives(session: Session, plan_id: int) -> Sequence[Initiative]:
    order = (col(Initiative.created_at), col(Initiative.id))
    return _open(session, Initiative, plan_id, OPEN_INITIATIVES, *order)


def _open_actions(session: Session, plan_id: int) -> Sequence[Action]:
    order = (col(Action.due_on).is_(None), col(Action.due_on), col(Action.created_at))
    return _open(session, Action, plan_id, OPEN_ACTIONS, *order)


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


def open_joint_reviews(session: Session, *, plan_id: int) -> Sequence[JointReview]:
    """The period's joint reviews still to be held (scheduled: neither closed nor cancelled),
    locked until commit, so a review moved or closed meanwhile waits for the rollover."""
    return session.exec(
        for_write(
            session,
            select(JointReview)
            .where(JointReview.plan_id == plan_id)
            .where(JointReview.status == JointReviewStatus.SCHEDULED)
            .order_by(col(JointReview.starts_at), col(JointReview.id)),
        )
    ).all()
