"""Queries of a person's calendar feed (besides their open actions, ``actions.repository``,
and the plans they lead or mentor, ``reminders.repository``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import Account, JointReview, JointReviewStatus, Membership


def attended_joint_reviews(
    session: Session, *, user_id: int, since: datetime
) -> list[tuple[JointReview, str]]:
    """The joint reviews (with their account's name) starting from ``since`` on, not
    cancelled, that the person is invited to or organises, on the accounts where they are an
    active member (a removed member sees nothing of that account): one query."""
    membership = sa.and_(
        col(Membership.account_id) == JointReview.account_id,
        col(Membership.user_id) == user_id,
        col(Membership.removed_at).is_(None),
    )
    rows = session.exec(
        select(JointReview, Account.name)
        .join(Membership, membership)
        .join(Account, col(Account.id) == JointReview.account_id)
        .where(col(JointReview.status) != JointReviewStatus.CANCELLED.value)
        .where(col(JointReview.starts_at) >= since)
        .order_by(col(JointReview.starts_at), col(JointReview.id))
    ).all()
    return [
        (review, name)
        for review, name in rows
        if user_id in review.attendee_ids or review.organizer_id == user_id
    ]
