"""Queries of import drafts: always the uploader's own."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete, select

from app.models import ImportDraft, utcnow

# How long a preview can be confirmed.
KEEP = timedelta(days=1)


def claim(
    session: Session,
    *,
    draft_id: int,
    uploader_id: int,
    kind: str,
    workspace_id: int,
    account_id: int | None,
) -> ImportDraft | None:
    """The uploader's draft of this kind (and account), not expired, its row locked until
    commit: of two confirmations at once, the second waits here and then finds it used."""
    statement = (
        select(ImportDraft)
        .where(ImportDraft.id == draft_id)
        .where(ImportDraft.uploader_id == uploader_id)
        .where(ImportDraft.kind == kind)
        .where(ImportDraft.workspace_id == workspace_id)
        .where(ImportDraft.account_id == account_id)
        .where(col(ImportDraft.created_at) > utcnow() - KEEP)
        .with_for_update()
    )
    return session.exec(statement).first()


def forget_old(session: Session, *, uploader_id: int) -> None:
    """The uploader's expired drafts (their rows are of no use any more)."""
    session.exec(
        delete(ImportDraft)
        .where(col(ImportDraft.uploader_id) == uploader_id)
        .where(col(ImportDraft.created_at) <= utcnow() - KEEP)
    )
