"""Queries of workspace settings, always of the actor's own workspace."""

from __future__ import annotations

from sqlmodel import Session

from app.kit import queries
from app.models import Workspace

ITEM_TYPE = "workspace"


def get(session: Session, *, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def get_for_update(session: Session, *, workspace_id: int) -> Workspace | None:
    """The workspace row, locked and read afresh (``queries.locked``), so that two admins'
    saves queue up and the second one sees the first one's change; other requests may still
    insert rows that refer to the workspace (accounts, people, scorecard attributes)."""
    return queries.locked(session, Workspace, workspace_id)
