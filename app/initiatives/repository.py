"""Queries of initiatives and their links to client priorities (always by account)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.accounts import repository as accounts_repo
from app.kit import queries
from app.models import (
    VENDOR_ROLES,
    Initiative,
    InitiativePriority,
    Priority,
    User,
)


@dataclass
class InitiativeView:
    """An initiative as the plan page shows it, with the ids of the priorities it answers."""

    initiative: Initiative
    priority_ids: list[int] = field(default_factory=list)
    # The active priorities it answers, in the client's order (``sections.link_priorities``).
    linked: list[Priority] = field(default_factory=list)


def for_plan(
    session: Session, *, account_id: int, plan_id: int, visibilities: Sequence[str]
) -> list[InitiativeView]:
    """The plan's live initiatives the reader may see, oldest first, each with its links:
    one query: one row an initiative (an outer join grouped by the database; the large plan's
    60 initiatives came as 124 rows when each link was a row)."""
    values = {"account_id": account_id, "plan_id": plan_id, "visibilities": list(visibilities)}
    rows = session.exec(_for_plan(), params=values).all()
    return [
        InitiativeView(initiative, [int(i) for i in links.split(",")] if links else [])
        for initiative, links in rows
    ]


@functools.cache
def _for_plan() -> Select[Initiative, str | None]:
    """The statement of ``for_plan``, built once (account, plan and the visibilities the
    reader may see are bind parameters)."""
    visible = col(Initiative.visibility).in_(sa.bindparam("visibilities", expanding=True))
    plan: dict[str, sa.BindParameter[int]] = {
        "account_id": sa.bindparam("account_id"),
        "plan_id": sa.bindparam("plan_id"),
    }
    # One row an initiative, the ids of the priorities it answers joined in it ("3,12").
    links = sa.func.aggregate_strings(sa.cast(col(InitiativePriority.priority_id), sa.String), ",")
    return (
        select(Initiative, links)
        .outerjoin(
            InitiativePriority,
            sa.and_(
                col(InitiativePriority.initiative_id) == Initiative.id,
                col(InitiativePriority.account_id) == Initiative.account_id,
            ),
        )
        .where(queries.in_plan(Initiative, visible, **plan))
        .group_by(col(Initiative.id))
        .order_by(col(Initiative.created_at), col(Initiative.id))
    )


def linked_priority_ids(session: Session, *, account_id: int, initiative_id: int) -> list[int]:
    return queries.linked_priority_ids(
        session, InitiativePriority.initiative_id, account_id=account_id, item_id=initiative_id
    )


def set_links(session: Session, *, initiative: Initiative, priority_ids: Sequence[int]) -> None:
    """Make the initiative answer exactly these priorities."""
    queries.replace_priority_links(
        session, InitiativePriority.initiative_id, initiative, priority_ids
    )


def ranked_priorities(session: Session, *, account_id: int, plan_id: int) -> Sequence[Priority]:
    """The plan's ranked (active) priorities, the ones an initiative may answer."""
    return session.exec(
        select(Priority)
        .where(queries.active_priority(account_id=account_id, plan_id=plan_id))
        .order_by(col(Priority.rank))
    ).all()


def vendor_people(session: Session, *, account_id: int) -> Sequence[User]:
    """Who may own an initiative: the account's active vendor-side members."""
    return accounts_repo.members_with_roles(session, account_id=account_id, roles=VENDOR_ROLES)
