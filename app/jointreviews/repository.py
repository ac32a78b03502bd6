"""Queries of joint reviews and their minutes (every one bound to an account or a plan)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import (
    Action,
    Initiative,
    JointReview,
    JointReviewStatus,
    Plan,
    Review,
    ReviewDecision,
    User,
    ValueRating,
    Visibility,
)


def for_plan(session: Session, *, plan_id: int) -> Sequence[JointReview]:
    """The plan's joint reviews, latest meeting first: one query."""
    return session.exec(
        select(JointReview)
        .where(JointReview.plan_id == plan_id)
        .order_by(col(JointReview.starts_at).desc(), col(JointReview.id))
    ).all()


def last_held_on(session: Session, *, plan_id: int) -> date | None:
    """The day the plan's latest closed joint review was held."""
    held: date | None = session.exec(
        select(sa.func.max(JointReview.held_on))
        .where(JointReview.plan_id == plan_id)
        .where(JointReview.status == JointReviewStatus.CLOSED)
    ).one()
    return held


def people(session: Session, *, user_ids: Sequence[int]) -> dict[int, User]:
    """Users by id (attendees, authors): one query."""
    if not user_ids:
        return {}
    found = session.exec(select(User).where(col(User.id).in_(sorted(set(user_ids))))).all()
    return {user.id: user for user in found if user.id is not None}


# What a review's minutes record as rows of their own, each with its review and removal.
Recorded = TypeVar("Recorded", ReviewDecision, Action)


def _recorded(session: Session, model: type[Recorded], review_id: int) -> Sequence[Recorded]:
    """The review's live rows of ``model``, oldest first: one query."""
    return session.exec(
        select(model)
        .where(model.joint_review_id == review_id)
        .where(col(model.removed_at).is_(None))
        .order_by(col(model.created_at), col(model.id))
    ).all()


def decisions(session: Session, *, review_id: int) -> Sequence[ReviewDecision]:
    """The review's live decisions, oldest first: one query."""
    return _recorded(session, ReviewDecision, review_id)


def actions(session: Session, *, review_id: int, plan_id: int) -> Sequence[Action]:
    """The live actions recorded in the review's minutes, of the review's period (a review
    moved to the next period lists the carried copies, not the closed period's originals),
    oldest first: one query."""
    return [a for a in _recorded(session, Action, review_id) if a.plan_id == plan_id]


def rating(session: Session, *, review_id: int) -> ValueRating | None:
    """The newest rating the client gave in the review."""
    return session.exec(
        select(ValueRating)
        .where(ValueRating.joint_review_id == review_id)
        .order_by(col(ValueRating.rated_at).desc(), col(ValueRating.id).desc())
        .limit(1)
    ).first()


def shared_initiatives(session: Session, *, account_id: int, plan_id: int) -> Sequence[Initiative]:
    """The plan's live initiatives the client has seen (never a draft), oldest first."""
    return session.exec(
        select(Initiative)
        .where(Initiative.account_id == account_id)
        .where(Initiative.plan_id == plan_id)
        .where(col(Initiative.removed_at).is_(None))
        .where(Initiative.visibility == Visibility.SHARED)
        .order_by(col(Initiative.created_at), col(Initiative.id))
    ).all()


def plan_of(session: Session, *, account_id: int, plan_id: int) -> Plan | None:
    """The plan ``plan_id`` if it is one of the account's (current or earlier)."""
    return session.exec(
        select(Plan).where(Plan.id == plan_id).where(Plan.account_id == account_id)
    ).first()


def in_current_period(session: Session, *, review: JointReview) -> bool:
    """Whether the review's plan is the account's current period (not a closed one)."""
    current: bool | None = session.exec(
        select(Plan.is_current)
        .where(Plan.id == review.plan_id)
        .where(Plan.account_id == review.account_id)
    ).first()
    return bool(current)


def internal_record_id(session: Session, *, joint_review_id: int) -> int | None:
    """The vendor's internal record of the review, if one was made (vendor side only)."""
    return session.exec(select(Review.id).where(Review.joint_review_id == joint_review_id)).first()
