"""Queries of the agreement: the plan's shared content (for snapshots), plan versions, people.

Every query is filtered by the account (or by a plan already checked to be the account's).
The snapshot queries read only shared content: live active priorities, live strategy entries,
value ratings, shared initiatives and live actions. Nothing internal is ever selected here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session, col, select

from app.kit import queries
from app.models import (
    Action,
    Commitment,
    Initiative,
    InitiativePriority,
    Membership,
    Plan,
    PlanVersion,
    Priority,
    Role,
    StrategyEntry,
    User,
    ValueRating,
)
from app.plans import repository as plans_repo


class _Owned(Protocol):
    owner_id: int | None


T = TypeVar("T", bound=_Owned)


def lock_plan(session: Session, *, account_id: int, plan_id: int) -> Plan | None:
    """The plan row, locked for an agreement transition and read afresh (a row lock on
    PostgreSQL; SQLite writers already queue on ``BEGIN IMMEDIATE``)."""
    plans_repo.refuse_upgrade(session, plan_id)
    return session.exec(
        select(Plan)
        .where(Plan.id == plan_id)
        .where(Plan.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


# --- the shared content, one query per section ------------------------------------------------


def _with_owner_name(
    session: Session, model: type[T], where: Any, order: Sequence[Any]
) -> list[tuple[T, str | None]]:
    """The ``model`` items matching ``where`` in ``order``, each with its owner's name."""
    rows = session.exec(
        select(model, User.display_name)
        .outerjoin(User, col(User.id) == model.owner_id)
        .where(where)
        .order_by(*order)
    ).all()
    return [(item, name) for item, name in rows]


def ranked_priorities(
    session: Session, *, account_id: int, plan_id: int
) -> Sequence[tuple[Priority, str | None]]:
    """Live active priorities in rank order, with the owner's name."""
    active = queries.active_priority(account_id=account_id, plan_id=plan_id)
    return _with_owner_name(session, Priority, active, (col(Priority.rank), col(Priority.id)))


def strategy_entries(session: Session, *, account_id: int, plan_id: int) -> Sequence[StrategyEntry]:
    """Live strategy entries by kind, then position."""
    return session.exec(
        select(StrategyEntry)
        .where(queries.in_plan(StrategyEntry, account_id=account_id, plan_id=plan_id))
        .order_by(col(StrategyEntry.kind), col(StrategyEntry.position), col(StrategyEntry.id))
    ).all()


def latest_rating(session: Session, *, account_id: int, plan_id: int) -> ValueRating | None:
    return session.exec(
        select(ValueRating)
        .where(ValueRating.account_id == account_id)
        .where(ValueRating.plan_id == plan_id)
        .order_by(col(ValueRating.rated_at).desc(), col(ValueRating.id).desc())
        .limit(1)
    ).first()


def shared_initiatives(
    session: Session, *, account_id: int, plan_id: int
) -> Sequence[tuple[Initiative, str | None, str | None]]:
    """Live shared initiatives (never drafts), oldest first, with the owner's name and the
    title of each live client priority they answer (one row per link, by rank; a row with
    no title when it answers none)."""
    linked = (
        select(InitiativePriority.initiative_id, Priority.title, Priority.rank)
        .join(Priority, col(Priority.id) == InitiativePriority.priority_id)
        .where(InitiativePriority.account_id == account_id)
        .where(queries.active_priority(account_id=account_id, plan_id=plan_id))
        .subquery()
    )
    rows = session.exec(
        select(Initiative, User.display_name, linked.c.title)
        .outerjoin(User, col(User.id) == Initiative.owner_id)
        .outerjoin(linked, linked.c.initiative_id == Initiative.id)
        .where(queries.shared_initiative(account_id=account_id, plan_id=plan_id))
        .order_by(col(Initiative.created_at), col(Initiative.id), linked.c.rank)
    ).all()
    return [(initiative, name, title) for initiative, name, title in rows]


def live_actions(
    session: Session, *, account_id: int, plan_id: int
) -> Sequence[tuple[Action, str | None]]:
    """Live actions, oldest first, with the owner's name."""
    live = queries.in_plan(Action, account_id=account_id, plan_id=plan_id)
    return _with_owner_name(session, Action, live, (col(Action.created_at), col(Action.id)))


# --- versions ---------------------------------------------------------------------------------


def last_version(session: Session, *, account_id: int, plan_id: int) -> PlanVersion | None:
    return session.exec(
        select(PlanVersion)
        .where(PlanVersion.account_id == account_id)
        .where(PlanVersion.plan_id == plan_id)
        .order_by(col(PlanVersion.number).desc())
        .limit(1)
    ).first()


def get_versions(
    session: Session, *, account_id: int, version_ids: Sequence[int]
) -> dict[int, PlanVersion]:
    """Several versions of this account, by id, in one query."""
    if not version_ids:
        return {}
    found = session.exec(
        select(PlanVersion)
        .where(PlanVersion.account_id == account_id)
        .where(col(PlanVersion.id).in_(sorted(set(version_ids))))
    ).all()
    return {v.id: v for v in found if v.id is not None}


def list_versions(
    session: Session, *, account_id: int, plan_id: int
) -> Sequence[tuple[PlanVersion, str | None, str | None, str | None]]:
    """The plan's agreed versions, newest first, without their snapshots, with the names of
    who submitted and who approved: one query."""
    submitter, sponsor, lead = aliased(User), aliased(User), aliased(User)
    rows = session.exec(
        select(PlanVersion, submitter.display_name, sponsor.display_name, lead.display_name)
        .options(defer(PlanVersion.snapshot))  # type: ignore[arg-type]
        .outerjoin(submitter, col(submitter.id) == PlanVersion.submitted_by_id)
        .outerjoin(sponsor, col(sponsor.id) == PlanVersion.sponsor_approved_by_id)
        .outerjoin(lead, col(lead.id) == PlanVersion.lead_approved_by_id)
        .where(PlanVersion.account_id == account_id)
        .where(PlanVersion.plan_id == plan_id)
        .order_by(col(PlanVersion.number).desc())
    ).all()
    return [(v, a, b, c) for v, a, b, c in rows]


def user_names(session: Session, *, user_ids: Sequence[int | None]) -> dict[int, str]:
    """Display names of the given people (also of people who have left the account)."""
    wanted = sorted({uid for uid in user_ids if uid is not None})
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted))).all()
    return {int(uid): name for uid, name in rows if uid is not None}


# --- the team's commitment (internal) ---------------------------------------------------------


def commitment_round(
    session: Session, *, account_id: int, plan_id: int
) -> list[tuple[Commitment, str]]:
    """The current round of the plan's commitment request, each asked person with their
    name, by name: one query."""
    rows = session.exec(
        select(Commitment, User.display_name)
        .join(User, col(User.id) == Commitment.member_id)
        .where(Commitment.account_id == account_id)
        .where(Commitment.plan_id == plan_id)
        .where(col(Commitment.current))
        .order_by(col(User.display_name), col(Commitment.id))
    ).all()
    return [(row, name) for row, name in rows]


def lock_my_commitment(
    session: Session, *, account_id: int, plan_id: int, member_id: int
) -> Commitment | None:
    """The person's row of the current round, locked and read afresh (PostgreSQL; SQLite
    writers queue on ``BEGIN IMMEDIATE``): of two answers at once the second sees the first."""
    return session.exec(
        select(Commitment)
        .where(Commitment.account_id == account_id)
        .where(Commitment.plan_id == plan_id)
        .where(Commitment.member_id == member_id)
        .where(col(Commitment.current))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def close_round(session: Session, *, plan_id: int) -> int:
    """Leave the current round as it was (no longer current); the last round's number."""
    last = session.exec(
        select(sa.func.max(Commitment.round)).where(Commitment.plan_id == plan_id)
    ).one()
    session.execute(
        sa.update(Commitment)
        .where(col(Commitment.plan_id) == plan_id)
        .where(col(Commitment.current))
        .values(current=False)
    )
    return int(last or 0)


def team_to_ask(session: Session, *, account_id: int) -> list[User]:
    """The account's active, enabled team members and mentor, by name: one query."""
    rows = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.account_id == account_id)
        .where(col(Membership.removed_at).is_(None))
        .where(col(Membership.role).in_([Role.TEAM.value, Role.MENTOR.value]))
        .where(col(User.is_disabled).is_(False))
        .order_by(col(User.display_name), col(User.id))
    ).all()
    return list(rows)
