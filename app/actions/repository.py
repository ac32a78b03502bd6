"""Queries of actions. Every query is bound to an account (an item of another account is
not found, exactly like a missing one)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.kit import queries
from app.models import (
    Account,
    Action,
    ActionStatus,
    Initiative,
    Membership,
    Plan,
    Priority,
    PriorityStatus,
    User,
    Visibility,
)

CLOSED = (ActionStatus.DONE.value, ActionStatus.CANCELLED.value)

# Display order: open before closed; among open ones the earliest due first (so the overdue
# ones lead), undated last; ties by age.
_DISPLAY_ORDER = (
    col(Action.status).in_(CLOSED),
    col(Action.due_on).is_(None),
    col(Action.due_on),
    col(Action.created_at),
    col(Action.id),
)


@dataclass(slots=True)
class PlanAction:
    """An action as the plan page lists it: the columns it reads, without the ORM. A large
    plan lists hundreds, and an ORM instance costs three times a row to build and tracks
    changes the page never makes; a change loads the ``Action`` itself (``item_guard``).
    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, eight
    times the cost of building it (0.40 ms against 0.05 for the large plan's 309), and
    nothing changes one."""

    id: int
    title: str
    outcome: str
    owner_id: int | None
    due_on: date | None
    status: str
    priority_id: int | None
    initiative_id: int | None
    version: int
    carried_from_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, action: Action) -> PlanAction:
        assert action.id is not None
        return cls(*(getattr(action, name) for name in PLAN_ACTION_FIELDS))


PLAN_ACTION_FIELDS = tuple(PlanAction.__dataclass_fields__)


def for_plan(session: Session, *, account_id: int, plan_id: int) -> list[PlanAction]:
    """The plan's live actions in display order: one query."""
    rows = session.execute(_for_plan(), {"account_id": account_id, "plan_id": plan_id})
    return [PlanAction(*row) for row in rows]


@functools.cache
def _for_plan() -> sa.Select[Any]:
    """The statement of ``for_plan``, built once (account and plan are bind parameters)."""
    columns = [col(getattr(Action, name)) for name in PLAN_ACTION_FIELDS]
    return (
        sa.select(*columns)
        .where(
            queries.in_plan(
                Action, account_id=sa.bindparam("account_id"), plan_id=sa.bindparam("plan_id")
            )
        )
        .order_by(*_DISPLAY_ORDER)
    )


@dataclass(frozen=True)
class ActionWithLinks:
    """One action as its row on the plan page shows it, with what the page's lists would
    tell of it: its owner's name and role while an active member (None: nobody, or someone
    who left), the title of the active priority of the plan or of the initiative of it the
    reader may see that it serves (None otherwise)."""

    action: PlanAction
    owner_name: str | None
    owner_role: str | None
    priority_title: str | None
    initiative_title: str | None


def linked_in_plan(
    session: Session, *, account_id: int, plan_id: int, action_id: int, visibilities: Sequence[str]
) -> ActionWithLinks | None:
    """The live action ``action_id`` of the plan with its owner and its links' titles
    (``ActionWithLinks``): one query, for an answer that redraws the action's row alone."""
    columns = [col(getattr(Action, name)) for name in PLAN_ACTION_FIELDS]
    owner = sa.and_(
        col(Membership.account_id) == Action.account_id,
        col(Membership.user_id) == Action.owner_id,
        col(Membership.removed_at).is_(None),
    )
    priority = sa.and_(
        _linked(Priority, Action.priority_id),
        queries.active_priority(account_id=account_id, plan_id=plan_id),
    )
    visible = col(Initiative.visibility).in_(list(visibilities))
    initiative = sa.and_(
        _linked(Initiative, Action.initiative_id),
        queries.in_plan(Initiative, visible, account_id=account_id, plan_id=plan_id),
    )
    row = session.execute(
        sa.select(
            *columns,
            col(User.display_name),
            col(Membership.role),
            col(Priority.title),
            col(Initiative.title),
        )
        .select_from(Action)
        .outerjoin(Membership, owner)
        .outerjoin(User, col(User.id) == Membership.user_id)
        .outerjoin(Priority, priority)
        .outerjoin(Initiative, initiative)
        .where(col(Action.id) == action_id)
        .where(queries.in_plan(Action, account_id=account_id, plan_id=plan_id))
    ).first()
    if row is None:
        return None
    *fields, owner_name, owner_role, priority_title, initiative_title = row
    return ActionWithLinks(
        PlanAction(*fields), owner_name, owner_role, priority_title, initiative_title
    )


def page_for_plan(
    session: Session,
    *,
    account_id: int,
    plan_id: int,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[PlanAction]:
    """Up to ``limit`` live actions of the plan in the order they were made (``created_at``,
    the id breaking ties), from just after the action ``after`` names: one query, however
    many pages come before (a keyset, not an offset)."""
    columns = [col(getattr(Action, name)) for name in PLAN_ACTION_FIELDS]
    statement = sa.select(*columns).where(
        queries.in_plan(Action, account_id=account_id, plan_id=plan_id)
    )
    if after is not None:
        made, action_id = after
        statement = statement.where(
            sa.or_(
                col(Action.created_at) > made,
                sa.and_(col(Action.created_at) == made, col(Action.id) > action_id),
            )
        )
    statement = statement.order_by(col(Action.created_at), col(Action.id)).limit(limit)
    return [PlanAction(*row) for row in session.execute(statement)]


def linkable_priority(
    session: Session, *, account_id: int, plan_id: int, priority_id: int
) -> Priority | None:
    """An active priority of the plan, the only kind an action may serve."""
    return session.exec(
        select(Priority)
        .where(Priority.id == priority_id)
        .where(queries.active_priority(account_id=account_id, plan_id=plan_id))
    ).first()


def linkable_initiative(
    session: Session, *, account_id: int, plan_id: int, initiative_id: int
) -> Initiative | None:
    """A shared initiative of the plan; a draft (internal) one is never linkable, so that an
    action, seen by both sides, never points at an item the client may not see."""
    return session.exec(
        select(Initiative)
        .where(Initiative.id == initiative_id)
        .where(queries.shared_initiative(account_id=account_id, plan_id=plan_id))
    ).first()


def link_choices(
    session: Session, *, account_id: int, plan_id: int
) -> tuple[Sequence[Priority], Sequence[Initiative]]:
    """What an action of the plan may be linked to (for the edit page): two queries."""
    priorities = session.exec(
        select(Priority)
        .where(queries.active_priority(account_id=account_id, plan_id=plan_id))
        .order_by(col(Priority.rank), col(Priority.id))
    ).all()
    initiatives = session.exec(
        select(Initiative)
        .where(queries.shared_initiative(account_id=account_id, plan_id=plan_id))
        .order_by(col(Initiative.title), col(Initiative.id))
    ).all()
    return priorities, initiatives


@dataclass(frozen=True)
class MyAction:
    """One of a person's open actions, with what its row on "my actions" shows."""

    action: Action
    account_id: int
    account_name: str
    role: str
    priority_title: str | None
    initiative_title: str | None  # None also when the person's side may not see it


def _linked(model: type[Priority] | type[Initiative], link: Any) -> Any:
    """Join condition: the ``model`` row an action links to, of the action's own account."""
    return sa.and_(col(model.id) == link, col(model.account_id) == Action.account_id)


def open_for_owner(session: Session, *, user_id: int) -> list[MyAction]:
    """The person's open actions on the current plans of the accounts where they are an active
    member (a removed member sees nothing of that account), earliest due first: one query."""
    membership = sa.and_(
        col(Membership.account_id) == Action.account_id,
        col(Membership.user_id) == user_id,
        col(Membership.removed_at).is_(None),
    )
    # Nine columns: more than sqlmodel's typed ``select`` takes, so SQLAlchemy's own.
    rows = session.execute(
        sa.select(
            Action,
            col(Account.name),
            col(Membership.role),
            col(Priority.title),
            col(Priority.status),
            col(Priority.removed_at),
            col(Initiative.title),
            col(Initiative.visibility),
            col(Initiative.removed_at),
        )
        .select_from(Action)
        .join(Membership, membership)
        .join(Account, col(Account.id) == Action.account_id)
        .join(Plan, sa.and_(col(Plan.id) == Action.plan_id, col(Plan.is_current)))
        .outerjoin(Priority, _linked(Priority, Action.priority_id))
        .outerjoin(Initiative, _linked(Initiative, Action.initiative_id))
        .where(col(Action.owner_id) == user_id)
        .where(col(Action.removed_at).is_(None))
        .where(col(Action.status).not_in(CLOSED))
        .order_by(
            col(Action.due_on).is_(None),
            col(Action.due_on),
            col(Account.name),
            col(Action.created_at),
            col(Action.id),
        )
    ).all()
    found: list[MyAction] = []
    for action, name, role, p_title, p_status, p_removed, i_title, i_visibility, i_removed in rows:
        assert action.account_id is not None
        priority_title = p_title if p_status == PriorityStatus.ACTIVE and not p_removed else None
        initiative_title = (
            i_title if i_visibility == Visibility.SHARED and i_removed is None else None
        )
        found.append(
            MyAction(action, action.account_id, name, role, priority_title, initiative_title)
        )
    return found
