"""Queries of workspace settings, always of the actor's own workspace."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Workspace

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
