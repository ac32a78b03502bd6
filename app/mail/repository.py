"""Queries of the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import for_write
from app.kit import outbox
from app.models import Account, OutboxMessage, OutboxStatus, User


def due_ids(session: Session, *, now: datetime, limit: int) -> Sequence[int]:
    return outbox.due_ids(session, OutboxMessage, now=now, limit=limit)


def next_due(session: Session, *, now: datetime) -> datetime | None:
    """When the earliest pending message can next be tried (``app.kit.outbox.next_due``)."""
    return outbox.next_due(session, OutboxMessage, now=now)


def claim(session: Session, *, message_id: int, now: datetime, until: datetime) -> bool:
    """Take a message for sending; False if another instance took it first."""
    return outbox.claim(session, OutboxMessage, row_id=message_id, now=now, until=until)


def _requeueable(
    *, now: datetime, failed_since: datetime, max_requeues: int
) -> sa.ColumnElement[bool]:
    """Given up since ``failed_since``, requeued fewer than ``max_requeues`` times, and its link
    (if any) still works."""
    return sa.and_(
        col(OutboxMessage.status) == OutboxStatus.FAILED,
        col(OutboxMessage.failed_at) >= failed_since,
        col(OutboxMessage.auto_requeues) < max_requeues,
        sa.or_(col(OutboxMessage.expires_at).is_(None), col(OutboxMessage.expires_at) > now),
    )


def any_requeueable(
    session: Session, *, now: datetime, failed_since: datetime, max_requeues: int
) -> bool:
    condition = _requeueable(now=now, failed_since=failed_since, max_requeues=max_requeues)
    return session.exec(select(OutboxMessage.id).where(condition).limit(1)).first() is not None


def requeue_failed(
    session: Session, *, now: datetime, failed_since: datetime, max_requeues: int
) -> int:
    """Put the messages given up since ``failed_since`` back in the queue, each at most
    ``max_requeues`` times and only while its link still works; how many were requeued.

    A conditional update: of several instances doing this at once, each message is requeued
    by one of them."""
    statement = (
        sa.update(OutboxMessage)
        .where(_requeueable(now=now, failed_since=failed_since, max_requeues=max_requeues))
        .values(
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            failed_at=None,
            claimed_until=None,
            auto_requeues=OutboxMessage.auto_requeues + 1,
        )
    )
    result = session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


def get_for_write(session: Session, *, message_id: int) -> OutboxMessage | None:
    return session.exec(
        for_write(session, select(OutboxMessage).where(OutboxMessage.id == message_id))
    ).first()


def get_in_workspace(
    session: Session, *, workspace_id: int, message_id: int
) -> OutboxMessage | None:
    return session.exec(
        for_write(
            session,
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .where(OutboxMessage.workspace_id == workspace_id),
        )
    ).first()


def of_invitation(session: Session, *, invitation_id: int) -> OutboxMessage | None:
    """The e-mail that carries an invitation's link (one per invitation; sent again as is)."""
    return session.exec(
        for_write(
            session,
            select(OutboxMessage)
            .where(OutboxMessage.invitation_id == invitation_id)
            .order_by(col(OutboxMessage.id).desc()),
        )
    ).first()


def cancel_unsent_of_invitation(session: Session, *, invitation_id: int) -> int:
    """Its link stops working: whatever of its e-mail is not sent yet never will be."""
    statement = (
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.invitation_id) == invitation_id)
        .where(col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        .values(status=OutboxStatus.CANCELLED, claimed_until=None)
    )
    result = session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


def troubled_in_workspace(
    session: Session, *, workspace_id: int, limit: int
) -> Sequence[tuple[OutboxMessage, Account | None, User | None]]:
    """The workspace's mail that failed or is being retried, newest first, with its account
    and sender (one query)."""
    retrying = sa.and_(
        col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.attempts) > 0
    )
    statement = (
        select(OutboxMessage, Account, User)
        .outerjoin(Account, col(Account.id) == OutboxMessage.account_id)
        .outerjoin(User, col(User.id) == OutboxMessage.sender_id)
        .where(OutboxMessage.workspace_id == workspace_id)
        .where(sa.or_(col(OutboxMessage.status) == OutboxStatus.FAILED, retrying))
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return [(m, a, u) for m, a, u in session.exec(statement).all()]


def recent(session: Session, *, limit: int) -> Sequence[OutboxMessage]:
    statement = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    return session.exec(statement).all()
