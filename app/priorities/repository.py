"""Queries of priorities."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.accounts import repository as accounts_repo
from app.db import for_write
from app.kit import queries
from app.models import CLIENT_ROLES, Priority, PriorityStatus, User

# Priorities in the order the client ranked them; suggestions (no rank) after, oldest first.
BY_RANK = (
    col(Priority.rank).is_(None),
    col(Priority.rank),
    col(Priority.created_at),
    col(Priority.id),
)


def for_plan(session: Session, *, plan_id: int) -> Sequence[tuple[Priority, User | None]]:
    """The plan's live priorities in rank order, then suggestions and rejected suggestions
    (oldest first), each with its owner: one query."""
    rows = session.exec(_for_plan(), params={"plan_id": plan_id}).all()
    return [(priority, owner) for priority, owner in rows]


@functools.cache
def _for_plan() -> Select[Priority, User]:
    """The statement of ``for_plan``, built once (the plan is a bind parameter)."""
    return (
        select(Priority, User)
        .outerjoin(User, col(User.id) == Priority.owner_id)
        .where(Priority.plan_id == sa.bindparam("plan_id"))
        .where(col(Priority.removed_at).is_(None))
        .order_by(*BY_RANK)
    )


def ranked(session: Session, *, plan_id: int) -> Sequence[tuple[Priority, User | None]]:
    """The plan's live (active) priorities in rank order, each with its owner: one query."""
    return [
        row for row in for_plan(session, plan_id=plan_id) if row[0].status == PriorityStatus.ACTIVE
    ]


def get_suggestion(session: Session, *, account_id: int, suggestion_id: int) -> Priority | None:
    """A vendor suggestion of this account, whatever the client answered (removed: None)."""
    statement = (
        select(Priority)
        .where(Priority.id == suggestion_id)
        .where(Priority.account_id == account_id)
        .where(col(Priority.suggested_by_id).is_not(None))
        .where(col(Priority.removed_at).is_(None))
    )
    return session.exec(for_write(session, statement)).first()


def active(session: Session, *, plan_id: int) -> Sequence[Priority]:
    """The plan's active priorities in rank order (no owners: for re-ranking)."""
    return session.exec(
        select(Priority)
        .where(Priority.plan_id == plan_id)
        .where(Priority.status == PriorityStatus.ACTIVE)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank), col(Priority.id))
        .execution_options(populate_existing=True)  # read under the lock: fresh values
    ).all()


def last_rank(session: Session, *, plan_id: int) -> int:
    return queries.last_place(session, Priority.rank, Priority.plan_id == plan_id)


def close_gap(session: Session, *, plan_id: int, after_rank: int) -> None:
    queries.close_gap(session, Priority.rank, Priority.plan_id == plan_id, after=after_rank)


def client_people(session: Session, *, account_id: int) -> Sequence[User]:
    """Who may own a priority: the account's active client-side members."""
    return accounts_repo.members_with_roles(session, account_id=account_id, roles=CLIENT_ROLES)


def person(session: Session, *, user_id: int | None) -> User | None:
    """Who suggested or answered something (for naming them on a page)."""
    if user_id is None:
        return None
    return session.exec(select(User).where(User.id == user_id)).first()
