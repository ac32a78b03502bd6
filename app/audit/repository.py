"""Queries of the audit trail."""

from __future__ import annotations

from collections.abc import Generator, Sequence

from sqlmodel import Session, col, select

from app.models import AuditChainHead, AuditEvent


def lock_head(session: Session, chain: str) -> AuditChainHead | None:
    """The chain's head row, locked (PostgreSQL) so concurrent appends queue up."""
    statement = select(AuditChainHead).where(AuditChainHead.chain == chain).with_for_update()
    return session.exec(statement).first()


def get_head(session: Session, chain: str) -> AuditChainHead | None:
    return session.get(AuditChainHead, chain)


def iter_chain(session: Session, chain: str) -> Generator[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.chain == chain)
        .order_by(col(AuditEvent.seq))
        .execution_options(yield_per=500)
    )
    result = session.exec(statement)
    try:
        yield from result
    finally:
        result.close()  # a reader that stops early must not leave a server-side cursor open


def list_chains(session: Session) -> Sequence[str]:
    return session.exec(select(AuditChainHead.chain).order_by(AuditChainHead.chain)).all()


def list_for_account(
    session: Session,
    *,
    account_id: int,
    visibilities: Sequence[str],
    offset: int,
    limit: int,
) -> Sequence[AuditEvent]:
    """Newest first. Paged by position in the visible list, never by sequence number: the gaps
    between sequence numbers would tell a client how many internal events there are."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.account_id == account_id)
        .where(col(AuditEvent.visibility).in_(visibilities))
        .order_by(col(AuditEvent.seq).desc())
        .offset(offset)
        .limit(limit)
    )
    return session.exec(statement).all()


def last_actor_label(session: Session, *, account_id: int, item_type: str, item_id: int) -> str:
    """Who made the latest recorded change to an item ('' if nobody did)."""
    label = session.exec(
        select(AuditEvent.actor_label)
        .where(AuditEvent.account_id == account_id)
        .where(AuditEvent.item_type == item_type)
        .where(AuditEvent.item_id == str(item_id))
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    return label or ""
