"""Queries of opportunities and their links to client priorities (every one by account)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.kit import queries
from app.models import (
    VENDOR_ROLES,
    Opportunity,
    OpportunityPriority,
    Plan,
    Priority,
    PriorityStatus,
    User,
)
from app.priorities import repository as priorities_repo


def for_account(session: Session, *, account_id: int) -> list[tuple[Opportunity, User | None]]:
    """The account's live opportunities, each with its owner, most recently changed first:
    one query."""
    rows = session.exec(
        select(Opportunity, User)
        .outerjoin(User, col(User.id) == Opportunity.owner_id)
        .where(Opportunity.account_id == account_id)
        .where(col(Opportunity.removed_at).is_(None))
        .order_by(col(Opportunity.updated_at).desc(), col(Opportunity.id).desc())
    ).all()
    return [(opportunity, owner) for opportunity, owner in rows]


def links(session: Session, *, account_id: int) -> dict[int, list[Priority]]:
    """Opportunity id -> the priorities it is linked to (whatever became of them since), by
    rank: one query."""
    rows = session.exec(
        select(OpportunityPriority.opportunity_id, Priority)
        .join(Priority, col(Priority.id) == OpportunityPriority.priority_id)
        .where(OpportunityPriority.account_id == account_id)
        .where(Priority.account_id == account_id)
        .order_by(*priorities_repo.BY_RANK)
    ).all()
    found: dict[int, list[Priority]] = {}
    for opportunity_id, priority in rows:
        found.setdefault(opportunity_id, []).append(priority)
    return found


def linked_priority_ids(session: Session, *, account_id: int, opportunity_id: int) -> list[int]:
    return queries.linked_priority_ids(
        session, OpportunityPriority.opportunity_id, account_id=account_id, item_id=opportunity_id
    )


def linked_priorities(
    session: Session, *, account_id: int, opportunity_id: int
) -> Sequence[Priority]:
    """The priorities one opportunity is linked to (whatever became of them), by rank."""
    return session.exec(
        select(Priority)
        .join(OpportunityPriority, col(OpportunityPriority.priority_id) == Priority.id)
        .where(OpportunityPriority.account_id == account_id)
        .where(OpportunityPriority.opportunity_id == opportunity_id)
        .where(Priority.account_id == account_id)
        .order_by(*priorities_repo.BY_RANK)
    ).all()


def set_links(session: Session, *, opportunity: Opportunity, priority_ids: Sequence[int]) -> None:
    """Make the opportunity answer exactly these priorities."""
    queries.replace_priority_links(
        session, OpportunityPriority.opportunity_id, opportunity, priority_ids
    )


def linkable_priorities(session: Session, *, account_id: int) -> Sequence[Priority]:
    """The client's ranked (active, live) priorities of the account's current plan, by rank —
    the only ones an opportunity may be linked to: one query."""
    return session.exec(
        select(Priority)
        .join(Plan, col(Plan.id) == Priority.plan_id)
        .where(Plan.account_id == account_id)
        .where(col(Plan.is_current))
        .where(Priority.account_id == account_id)
        .where(Priority.status == PriorityStatus.ACTIVE)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank))
    ).all()


def vendor_people(session: Session, *, account_id: int) -> Sequence[User]:
    """Who may own an opportunity: the account's active vendor-side members, by name."""
    return accounts_repo.members_with_roles(session, account_id=account_id, roles=VENDOR_ROLES)
