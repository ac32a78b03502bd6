"""Queries of webhook endpoints and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import for_write
from app.models import OutboxStatus, User, WebhookDelivery, WebhookEndpoint


def live_in_workspace(
    session: Session, *, workspace_id: int
) -> Sequence[tuple[WebhookEndpoint, User, int]]:
    """The workspace's endpoints, oldest first, each with its owner and how many of its
    deliveries failed (one query)."""
    failed = (
        sa.select(sa.func.count())
        .where(col(WebhookDelivery.endpoint_id) == WebhookEndpoint.id)
        .where(col(WebhookDelivery.status) == OutboxStatus.FAILED)
        .correlate(WebhookEndpoint)
        .scalar_subquery()
    )
    rows = session.exec(
        select(WebhookEndpoint, User, failed)
        .join(User, col(User.id) == WebhookEndpoint.owner_id)
        .where(WebhookEndpoint.workspace_id == workspace_id)
        .where(col(WebhookEndpoint.removed_at).is_(None))
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    ).all()
    return [(endpoint, owner, int(count or 0)) for endpoint, owner, count in rows]


def get_in_workspace(
    session: Session, *, workspace_id: int, endpoint_id: int
) -> WebhookEndpoint | None:
    """A live endpoint of the workspace (locked in a writing request); another workspace's is
    None, like a missing one."""
    return session.exec(
        for_write(
            session,
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .where(WebhookEndpoint.workspace_id == workspace_id)
            .where(col(WebhookEndpoint.removed_at).is_(None)),
        )
    ).first()


def deliveries(session: Session, *, endpoint_id: int, limit: int) -> Sequence[WebhookDelivery]:
    """The endpoint's newest deliveries (one query)."""
    return session.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
        .limit(limit)
    ).all()


def delivery_of(session: Session, *, endpoint_id: int, delivery_id: int) -> WebhookDelivery | None:
    """One delivery of the endpoint, locked in a writing request."""
    return session.exec(
        for_write(
            session,
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id),
        )
    ).first()


def delivery_for_write(session: Session, *, delivery_id: int) -> WebhookDelivery | None:
    return session.exec(
        for_write(session, select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))
    ).first()


def cancel_pending(session: Session, *, endpoint_id: int) -> int:
    """The endpoint is removed: what it has not been sent yet never will be."""
    result = session.execute(
        sa.update(WebhookDelivery)
        .where(col(WebhookDelivery.endpoint_id) == endpoint_id)
        .where(col(WebhookDelivery.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, claimed_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
