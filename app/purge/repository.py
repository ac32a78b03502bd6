"""The deletes of the purge: each one statement over rows that nothing reads any more, so it
needs no lock (a row it removes is one no request would use: a replay window, a rate minute and
a preview's time to confirm are all over)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from app.models import (
    ApiRateWindow,
    ApiTokenUse,
    IdempotencyKey,
    ImportDraft,
    OutboxStatus,
    WebhookDelivery,
)

# Deliveries that will not be attempted again on their own ("send again" makes them pending).
SETTLED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)


def _deleted(session: Session, statement: sa.Delete) -> int:
    result = session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def idempotency_keys(session: Session, *, before: datetime) -> int:
    """Keys stored before ``before`` (their replay window is over)."""
    return _deleted(
        session, sa.delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < before)
    )


def webhook_deliveries(session: Session, *, before: datetime) -> int:
    """Deliveries made before ``before`` that are done or given up (never a pending one)."""
    return _deleted(
        session,
        sa.delete(WebhookDelivery)
        .where(col(WebhookDelivery.created_at) < before)
        .where(col(WebhookDelivery.status).in_(SETTLED)),
    )


def rate_windows(session: Session, *, before_minute: int) -> int:
    """Windows of minutes before ``before_minute`` (a token's next request starts at 1)."""
    return _deleted(
        session, sa.delete(ApiRateWindow).where(col(ApiRateWindow.minute) < before_minute)
    )


def import_drafts(session: Session, *, before: datetime) -> int:
    """Drafts uploaded before ``before`` (too old to confirm; used ones too)."""
    return _deleted(session, sa.delete(ImportDraft).where(col(ImportDraft.created_at) < before))


def token_uses(session: Session, *, before: datetime) -> int:
    """API token uses recorded before ``before`` (the person's list of uses keeps no more)."""
    return _deleted(session, sa.delete(ApiTokenUse).where(col(ApiTokenUse.used_at) < before))
