"""Queries of workspace settings, always of the actor's own workspace."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.audit.chain import chain_for
from app.models import AuditEvent, User, Workspace

ITEM_TYPE = "workspace"


def get(session: Session, *, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def get_for_update(session: Session, *, workspace_id: int) -> Workspace | None:
    """The workspace row, locked (PostgreSQL) so that two admins' saves queue up and the second
    one sees the first one's change; re-read past the identity map. ``FOR NO KEY UPDATE``:
    other requests may still insert rows that refer to the workspace (accounts, people,
    scorecard attributes) meanwhile."""
    return session.exec(
        select(Workspace)
        .where(Workspace.id == workspace_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()


def last_changed_by(session: Session, *, workspace_id: int) -> str:
    """Who made the latest recorded change to the workspace's settings ('' if nobody did): their
    name as the workspace knows it, else the label the audit trail kept."""
    row = session.exec(
        select(AuditEvent.actor_label, User.display_name)
        .outerjoin(User, col(User.id) == AuditEvent.actor_id)
        .where(AuditEvent.chain == chain_for(None))
        .where(AuditEvent.item_type == ITEM_TYPE)
        .where(AuditEvent.item_id == str(workspace_id))
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    if row is None:
        return ""
    label, name = row
    return name or label or ""
