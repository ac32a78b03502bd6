"""Queries of the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import OutboxMessage, OutboxStatus


def due_ids(session: Session, *, now: datetime, limit: int) -> Sequence[int]:
    statement = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .where(col(OutboxMessage.next_attempt_at) <= now)
        .where(
            sa.or_(
                col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now
            )
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    return [i for i in session.exec(statement).all() if i is not None]


def claim(session: Session, *, message_id: int, now: datetime, until: datetime) -> bool:
    """Take a message for sending; False if another instance took it first."""
    statement = (
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .where(
            sa.or_(
                col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now
            )
        )
        .values(claimed_until=until)
    )
    result = session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def recent(session: Session, *, limit: int) -> Sequence[OutboxMessage]:
    statement = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    return session.exec(statement).all()
