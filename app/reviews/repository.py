"""Queries of reviews and mentor requests (every one filtered by plan or account), and of the
mentor's queue across the accounts a person mentors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.kit import queries
from app.models import (
    Account,
    ClientOrganisation,
    Initiative,
    JointReview,
    JointReviewStatus,
    Membership,
    MentorRequest,
    PerceivedRating,
    Plan,
    Review,
    Role,
    User,
    ValueRating,
)
from app.permissions.policy import Actor

Author = aliased(User, name="author")
Signer = aliased(User, name="signer")
Asker = aliased(User, name="asker")
Answerer = aliased(User, name="answerer")


@dataclass(frozen=True)
class ReviewRow:
    review: Review
    rating: ValueRating | None  # the client's rating the review considered
    author: User | None
    signer: User | None


def _review_rows(session: Session, *criteria: Any, order: Sequence[Any]) -> list[ReviewRow]:
    """The reviews matching ``criteria`` in ``order``, each with its rating and people: one
    query."""
    rows = session.exec(
        select(Review, ValueRating, Author, Signer)
        .outerjoin(ValueRating, col(ValueRating.id) == Review.rating_id)
        .outerjoin(Author, col(Author.id) == Review.created_by_id)
        .outerjoin(Signer, col(Signer.id) == Review.signed_off_by_id)
        .where(*criteria)
        .order_by(*order)
    ).all()
    return [ReviewRow(review, rating, author, signer) for review, rating, author, signer in rows]


def reviews_for_plan(session: Session, *, plan_id: int) -> list[ReviewRow]:
    """The plan's reviews, newest first, each with its rating and people: one query."""
    newest_first = (col(Review.held_on).desc(), col(Review.id).desc())
    return _review_rows(session, Review.plan_id == plan_id, order=newest_first)


def plan_of(session: Session, *, account_id: int, plan_id: int) -> Plan | None:
    """The plan ``plan_id`` if it is one of the account's (current or earlier)."""
    return session.exec(
        select(Plan).where(Plan.id == plan_id).where(Plan.account_id == account_id)
    ).first()


def initiative_of(session: Session, *, account_id: int, initiative_id: int) -> Initiative | None:
    """The initiative ``initiative_id`` if it is the account's (removed ones too: a request
    about it was made while it was live)."""
    return session.exec(
        select(Initiative)
        .where(Initiative.id == initiative_id)
        .where(Initiative.account_id == account_id)
    ).first()


def record_of_joint(session: Session, *, joint_review_id: int) -> Review | None:
    """The internal record of a joint review, if one was made."""
    return session.exec(select(Review).where(Review.joint_review_id == joint_review_id)).first()


def held_dates() -> sa.Subquery:
    """Every review held, ``(plan_id, held_on)``: the internal records and the closed joint
    reviews with the client alike (the next review is due a cadence after the latest)."""
    return sa.union_all(
        select(col(Review.plan_id), col(Review.held_on)),
        select(col(JointReview.plan_id), col(JointReview.held_on)).where(
            JointReview.status == JointReviewStatus.CLOSED
        ),
    ).subquery("held")


def last_held_on(session: Session, *, plan_id: int) -> date | None:
    held_at = held_dates()
    held: date | None = session.exec(
        select(sa.func.max(held_at.c.held_on)).where(held_at.c.plan_id == plan_id)
    ).one()
    return held


def person(session: Session, *, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def belief_before(session: Session, *, plan_id: int, before: datetime) -> PerceivedRating | None:
    """The vendor's newest believed rating of the plan recorded before ``before``."""
    return session.exec(
        select(PerceivedRating)
        .where(PerceivedRating.plan_id == plan_id)
        .where(col(PerceivedRating.recorded_at) < before)
        .order_by(col(PerceivedRating.recorded_at).desc(), col(PerceivedRating.id).desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class RequestRow:
    request: MentorRequest
    initiative: Initiative | None  # None: the request is about the plan
    asker: User | None
    answerer: User | None


def _request_rows(session: Session, *criteria: Any, order: Sequence[Any]) -> list[RequestRow]:
    """The mentor requests matching ``criteria`` in ``order``, each with its initiative and
    people: one query."""
    rows = session.exec(
        select(MentorRequest, Initiative, Asker, Answerer)
        .outerjoin(Initiative, col(Initiative.id) == MentorRequest.initiative_id)
        .outerjoin(Asker, col(Asker.id) == MentorRequest.requested_by_id)
        .outerjoin(Answerer, col(Answerer.id) == MentorRequest.answered_by_id)
        .where(*criteria)
        .order_by(*order)
    ).all()
    return [RequestRow(*row) for row in rows]


def requests_for_plan(session: Session, *, plan_id: int) -> list[RequestRow]:
    """The plan's mentor requests, open ones first, newest first: one query."""
    order = (
        col(MentorRequest.answered_at).is_not(None),
        col(MentorRequest.requested_at).desc(),
        col(MentorRequest.id).desc(),
    )
    return _request_rows(session, MentorRequest.plan_id == plan_id, order=order)


def initiatives(session: Session, *, account_id: int, plan_id: int) -> Sequence[Initiative]:
    """The plan's live initiatives, drafts included (mentor requests are internal)."""
    return session.exec(
        select(Initiative)
        .where(queries.in_plan(Initiative, account_id=account_id, plan_id=plan_id))
        .order_by(col(Initiative.created_at), col(Initiative.id))
    ).all()


def members_with_role(session: Session, *, account_id: int, role: Role) -> Sequence[User]:
    """The account's active, enabled members with ``role``, by name: one query."""
    return session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.account_id == account_id)
        .where(Membership.role == role.value)
        .where(col(Membership.removed_at).is_(None))
        .where(col(User.is_disabled).is_(False))
        .order_by(col(User.display_name), col(User.id))
    ).all()


# --- The mentor's queue ----------------------------------------------------------------------


def _visible_accounts(actor: Actor) -> sa.ColumnElement[bool]:
    """The accounts of the actor's workspace the queue covers: those the actor mentors, or
    every one for a workspace admin."""
    in_workspace = col(Account.workspace_id) == actor.workspace_id
    if actor.is_workspace_admin:
        return in_workspace
    mentors = (
        select(Membership.id)
        .where(col(Membership.account_id) == Account.id)
        .where(Membership.user_id == actor.id)
        .where(Membership.role == Role.MENTOR.value)
        .where(col(Membership.removed_at).is_(None))
        .correlate(Account)
    )
    return sa.and_(in_workspace, mentors.exists())


def _current_plans(actor: Actor) -> SelectOfScalar[int | None]:
    """The ids of the current plans of the covered accounts (a subquery)."""
    return (
        select(col(Plan.id))
        .join(Account, col(Account.id) == Plan.account_id)
        .where(col(Plan.is_current))
        .where(_visible_accounts(actor))
    )


@dataclass(frozen=True)
class QueueAccount:
    account: Account
    client_name: str
    plan: Plan


def queue_accounts(session: Session, *, actor: Actor) -> list[QueueAccount]:
    """The covered accounts with their current plans, by name: one query."""
    rows = session.exec(
        select(Account, ClientOrganisation.name, Plan)
        .join(ClientOrganisation, col(ClientOrganisation.id) == Account.client_org_id)
        .join(Plan, sa.and_(col(Plan.account_id) == Account.id, col(Plan.is_current)))
        .where(_visible_accounts(actor))
        .order_by(col(Account.name), col(Account.id))
    ).all()
    return [QueueAccount(account, name, plan) for account, name, plan in rows]


def last_held_of(session: Session, plan_ids: Any) -> dict[int, date]:
    """Plan id -> the date of its latest review, for the plans ``plan_ids`` (a list, or a
    subquery of ids); a plan with none held is absent: one query."""
    held_at = held_dates()
    rows = session.exec(
        select(held_at.c.plan_id, sa.func.max(held_at.c.held_on))
        .where(held_at.c.plan_id.in_(plan_ids))
        .group_by(held_at.c.plan_id)
    ).all()
    return {plan_id: held for plan_id, held in rows if held is not None}


def last_held(session: Session, *, actor: Actor) -> dict[int, date]:
    """Plan id -> the date of its latest review, for the covered current plans: one query."""
    return last_held_of(session, _current_plans(actor))


def waiting_reviews(session: Session, *, actor: Actor) -> list[ReviewRow]:
    """Reviews of the covered current plans not signed off yet, oldest first: one query."""
    return _review_rows(
        session,
        col(Review.plan_id).in_(_current_plans(actor)),
        col(Review.signed_off_at).is_(None),
        order=(col(Review.held_on), col(Review.id)),
    )


def open_requests(session: Session, *, actor: Actor) -> list[RequestRow]:
    """Unanswered mentor requests of the covered current plans, oldest first: one query."""
    return _request_rows(
        session,
        col(MentorRequest.plan_id).in_(_current_plans(actor)),
        col(MentorRequest.answered_at).is_(None),
        order=(col(MentorRequest.requested_at), col(MentorRequest.id)),
    )
