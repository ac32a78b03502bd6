"""Queries of joint reviews and their minutes (every one bound to an account or a plan)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import for_write
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


def decisions(session: Session, *, review_id: int) -> Sequence[ReviewDecision]:
    """The review's live decisions, oldest first: one query."""
    return session.exec(
        select(ReviewDecision)
        .where(ReviewDecision.joint_review_id == review_id)
        .where(col(ReviewDecision.removed_at).is_(None))
        .order_by(col(ReviewDecision.created_at), col(ReviewDecision.id))
    ).all()


def decision(
    session: Session, *, account_id: int, review_id: int, decision_id: int
) -> ReviewDecision | None:
    """A live decision of this review, locked when the request writes."""
    return session.exec(
        for_write(
            session,
            select(ReviewDecision)
            .where(ReviewDecision.id == decision_id)
            .where(ReviewDecision.account_id == account_id)
            .where(ReviewDecision.joint_review_id == review_id)
            .where(col(ReviewDecision.removed_at).is_(None)),
        )
    ).first()


def actions(session: Session, *, review_id: int) -> Sequence[Action]:
    """The live actions recorded in the review's minutes, oldest first: one query."""
    return session.exec(
        select(Action)
        .where(Action.joint_review_id == review_id)
        .where(col(Action.removed_at).is_(None))
        .order_by(col(Action.created_at), col(Action.id))
    ).all()


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


def internal_record_id(session: Session, *, joint_review_id: int) -> int | None:
    """The vendor's internal record of the review, if one was made (vendor side only)."""
    return session.exec(select(Review.id).where(Review.joint_review_id == joint_review_id)).first()
