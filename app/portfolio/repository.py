"""Queries of the portfolio: each one reads a figure for EVERY visible account at once (an IN list
of account or plan ids, a window function for "the latest per plan", a GROUP BY), so the page
runs the same number of queries for 2 accounts as for 200. Nothing here loads one account's rows
at a time.

Only the columns a figure needs are read where a whole row is not needed; the long texts of the
rows that are read whole (comments, notes, hypotheses, descriptions) are deferred and never
touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.models import (
    CLIENT_ROLES,
    VENDOR_ROLES,
    Account,
    AccountScore,
    Action,
    ClientOrganisation,
    Initiative,
    InitiativePriority,
    Invitation,
    KeyAccountAnswer,
    Membership,
    PerceivedPriority,
    PerceivedRating,
    Plan,
    PlannedHours,
    Priority,
    Role,
    Tier,
    TierTreatment,
    ValueRating,
)
from app.priorities import repository as priorities_repo
from app.reviews import repository as reviews_repo


@dataclass(frozen=True)
class Selection:
    """What the account's tier asks of it, as it stands (``app.portfolio.selection``)."""

    hours: int | None  # planned for the quarter; None: none recorded
    mentored: bool  # an active mentor on the team
    joint: bool  # client people on the joint plan, or invited to it
    answer: str | None  # the client's key-account answer; None: not answered
    strategic_mentor: bool | None  # the workspace's Strategic treatment; None: the default


@dataclass(frozen=True)
class VisibleAccount:
    account_id: int
    name: str
    client_name: str
    plan: Plan | None  # the current plan; None: the account has none
    selection: Selection | None = None


def _selection_columns(quarter: str, now: datetime) -> list[Any]:
    """Correlated subqueries of ``Selection``, read in the accounts' own query (so they cost
    no query of their own)."""
    client_roles = [role.value for role in CLIENT_ROLES]
    client_member = (
        select(Membership.id)
        .where(col(Membership.account_id) == Account.id)
        .where(col(Membership.role).in_(client_roles))
        .where(col(Membership.removed_at).is_(None))
        .exists()
    )
    client_invited = (
        select(Invitation.id)
        .where(col(Invitation.account_id) == Account.id)
        .where(col(Invitation.role).in_(client_roles))
        .where(col(Invitation.accepted_at).is_(None))
        .where(col(Invitation.revoked_at).is_(None))
        .where(col(Invitation.expires_at) > now)
        .exists()
    )
    mentor = (
        select(Membership.id)
        .where(col(Membership.account_id) == Account.id)
        .where(Membership.role == Role.MENTOR.value)
        .where(col(Membership.removed_at).is_(None))
        .exists()
    )
    return [
        select(PlannedHours.hours)
        .where(col(PlannedHours.account_id) == Account.id)
        .where(PlannedHours.quarter == quarter)
        .scalar_subquery()
        .label("hours"),
        mentor.label("mentored"),
        sa.or_(client_member, client_invited).label("joint"),
        select(KeyAccountAnswer.answer)
        .where(col(KeyAccountAnswer.account_id) == Account.id)
        .scalar_subquery()
        .label("answer"),
        select(TierTreatment.mentor_required)
        .where(col(TierTreatment.workspace_id) == Account.workspace_id)
        .where(TierTreatment.tier == Tier.STRATEGIC.value)
        .scalar_subquery()
        .label("strategic_mentor"),
    ]


def visible_accounts(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    every_account: bool,
    quarter: str,
    now: datetime,
) -> list[VisibleAccount]:
    """The workspace's accounts with their current plan and their ``Selection`` for
    ``quarter``: all of them for a workspace admin (``every_account``), else those where the
    person has an active vendor membership. Never another workspace's. One query."""
    statement = (
        select(Account, ClientOrganisation.name, Plan, *_selection_columns(quarter, now))
        .join(ClientOrganisation, col(ClientOrganisation.id) == Account.client_org_id)
        .outerjoin(Plan, sa.and_(col(Plan.account_id) == Account.id, col(Plan.is_current)))
        .where(Account.workspace_id == workspace_id)
        .order_by(col(Account.name), col(Account.id))
    )
    if not every_account:
        on_the_team = (
            select(Membership.id)
            .where(col(Membership.account_id) == Account.id)
            .where(Membership.user_id == user_id)
            .where(col(Membership.role).in_([role.value for role in VENDOR_ROLES]))
            .where(col(Membership.removed_at).is_(None))
            .exists()
        )
        statement = statement.where(on_the_team)
    rows: Sequence[Any] = session.exec(statement).all()
    found = []
    for row in rows:
        account, client_name, plan = row[0], row[1], row[2]
        assert account.id is not None
        hours, mentored, joint, answer, strategic_mentor = row[3:]
        selection = Selection(
            hours,
            bool(mentored),
            bool(joint),
            answer,
            None if strategic_mentor is None else bool(strategic_mentor),
        )
        found.append(VisibleAccount(account.id, account.name, client_name, plan, selection))
    return found


@dataclass(frozen=True)
class LatestScore:
    account_id: int
    current: float
    future: float
    tier: str
    scored_at: datetime


def latest_scores(session: Session, *, account_ids: Sequence[int]) -> dict[int, LatestScore]:
    """The latest scoring of each account (none: not scored): one query."""
    newest_first = sa.func.row_number().over(
        partition_by=col(AccountScore.account_id),
        order_by=(col(AccountScore.scored_at).desc(), col(AccountScore.id).desc()),
    )
    ranked = (
        sa.select(
            col(AccountScore.account_id),
            col(AccountScore.current),
            col(AccountScore.future),
            col(AccountScore.tier),
            col(AccountScore.scored_at),
            newest_first.label("n"),
        )
        .where(col(AccountScore.account_id).in_(list(account_ids)))
        .subquery()
    )
    rows = session.execute(
        sa.select(
            ranked.c.account_id,
            ranked.c.current,
            ranked.c.future,
            ranked.c.tier,
            ranked.c.scored_at,
        ).where(ranked.c.n == 1)
    ).all()
    return {
        row.account_id: LatestScore(
            row.account_id, float(row.current), float(row.future), row.tier, row.scored_at
        )
        for row in rows
    }


def priorities(session: Session, *, plan_ids: Sequence[int]) -> Sequence[Priority]:
    """The live priorities of the plans (ranked, suggested and rejected), ranked ones in rank
    order: what the plan page and the perception page read, for every plan at once."""
    return session.exec(
        select(Priority)
        .options(defer(Priority.description), defer(Priority.answer_reason))  # type: ignore[arg-type]
        .where(col(Priority.plan_id).in_(list(plan_ids)))
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.plan_id), *priorities_repo.BY_RANK)
    ).all()


@dataclass(frozen=True)
class InitiativeLink:
    plan_id: int
    initiative_id: int
    status: str
    priority_id: int | None  # None: an initiative linked to no priority (us-focused)


def initiative_links(session: Session, *, plan_ids: Sequence[int]) -> list[InitiativeLink]:
    """The live initiatives of the plans, one row per link to a priority (an outer join, as the
    plan page reads them): one query."""
    rows = session.exec(
        select(Initiative.plan_id, Initiative.id, Initiative.status, InitiativePriority.priority_id)
        .outerjoin(
            InitiativePriority,
            sa.and_(
                col(InitiativePriority.initiative_id) == Initiative.id,
                col(InitiativePriority.account_id) == Initiative.account_id,
            ),
        )
        .where(col(Initiative.plan_id).in_(list(plan_ids)))
        .where(col(Initiative.removed_at).is_(None))
        .order_by(
            col(Initiative.created_at), col(Initiative.id), col(InitiativePriority.priority_id)
        )
    ).all()
    links = []
    for plan_id, initiative_id, status, priority_id in rows:
        assert initiative_id is not None
        links.append(InitiativeLink(plan_id, initiative_id, status, priority_id))
    return links


@dataclass(frozen=True)
class ActionFacts:
    plan_id: int
    status: str
    priority_id: int | None
    initiative_id: int | None
    due_on: date | None


def actions(session: Session, *, plan_ids: Sequence[int]) -> list[ActionFacts]:
    """What the figures need of the live actions of the plans: one query."""
    rows = session.execute(
        sa.select(
            col(Action.plan_id),
            col(Action.status),
            col(Action.priority_id),
            col(Action.initiative_id),
            col(Action.due_on),
        )
        .where(col(Action.plan_id).in_(list(plan_ids)))
        .where(col(Action.removed_at).is_(None))
        .order_by(col(Action.created_at), col(Action.id))
    ).all()
    return [ActionFacts(*row) for row in rows]


def _newest_first(model: Any, at: Any, plan_ids: Sequence[int]) -> sa.Subquery:
    """``(id, n)`` of the plans' rows of ``model``: ``n`` numbers each plan's rows from its
    newest (by ``at``, then id) as 1."""
    newest_first = sa.func.row_number().over(
        partition_by=col(model.plan_id), order_by=(col(at).desc(), col(model.id).desc())
    )
    return (
        select(model.id, newest_first.label("n"))
        .where(col(model.plan_id).in_(list(plan_ids)))
        .subquery()
    )


def recent_ratings(
    session: Session, *, plan_ids: Sequence[int], per_plan: int
) -> Sequence[ValueRating]:
    """The ``per_plan`` newest client value ratings of each plan, oldest first within a plan
    (for the latest, its change against the one before, and the sparkline): one query."""
    ranked = _newest_first(ValueRating, ValueRating.rated_at, plan_ids)
    return session.exec(
        select(ValueRating)
        .options(defer(ValueRating.comment))  # type: ignore[arg-type]
        .join(ranked, ranked.c.id == ValueRating.id)
        .where(ranked.c.n <= per_plan)
        .order_by(col(ValueRating.plan_id), col(ValueRating.rated_at), col(ValueRating.id))
    ).all()


def latest_believed_ratings(
    session: Session, *, plan_ids: Sequence[int]
) -> dict[int, PerceivedRating]:
    """The vendor's latest believed rating of each plan: one query."""
    ranked = _newest_first(PerceivedRating, PerceivedRating.recorded_at, plan_ids)
    rows = session.exec(
        select(PerceivedRating)
        .options(defer(PerceivedRating.note))  # type: ignore[arg-type]
        .join(ranked, ranked.c.id == PerceivedRating.id)
        .where(ranked.c.n == 1)
    ).all()
    return {rating.plan_id: rating for rating in rows}


def beliefs(session: Session, *, plan_ids: Sequence[int]) -> Sequence[PerceivedPriority]:
    """The vendor's live believed priorities of the plans, in the vendor's ranking: one query."""
    return session.exec(
        select(PerceivedPriority)
        .options(defer(PerceivedPriority.hypothesis))  # type: ignore[arg-type]
        .where(col(PerceivedPriority.plan_id).in_(list(plan_ids)))
        .where(col(PerceivedPriority.removed_at).is_(None))
        .order_by(
            col(PerceivedPriority.plan_id), col(PerceivedPriority.rank), col(PerceivedPriority.id)
        )
    ).all()


def last_reviews(session: Session, *, plan_ids: Sequence[int]) -> dict[int, date]:
    """The date of each plan's latest review (none held: absent): one query."""
    return reviews_repo.last_held_of(session, list(plan_ids))
