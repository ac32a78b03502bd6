"""Changing a workspace's settings. Keyword-only; flushes, never commits."""

from __future__ import annotations

from sqlmodel import Session

from app.audit import repository as audit_repo
from app.kit.versioned import StaleEdit as StaleEdit
from app.kit.versioned import Trail
from app.models import User, Visibility, Workspace
from app.workspaces import repository

VALUE_DIMENSIONS_CHANGED = "workspace.value_dimensions_changed"
TIME_ZONE_CHANGED = "workspace.time_zone_changed"
CURRENCY_CHANGED = "workspace.currency_changed"
# A workspace's settings belong to no single account: their events are on the global chain.
TRAIL = Trail(repository.ITEM_TYPE, Visibility.INTERNAL)


def set_value_dimensions(
    session: Session, *, actor: User, workspace_id: int, names: list[str], based_on: list[str]
) -> Workspace | None:
    """Replace the dimensions clients rate on; ``based_on`` is the list the admin's form showed.

    There is no version column, so the list itself is the version: if the stored list differs
    from ``based_on``, ``StaleEdit`` is raised (``current``: the stored list) and nothing is
    written. Ratings already given
    store the names they were given under and are not touched. Returns None when the list is
    unchanged (nothing written, no audit event).
    """
    workspace = repository.get_for_update(session, workspace_id=workspace_id)
    assert workspace is not None, "the actor's own workspace exists"
    old = list(workspace.value_dimensions)
    if old != list(based_on):
        who = audit_repo.last_global_actor(
            session, item_type=repository.ITEM_TYPE, item_id=workspace_id
        )
        raise StaleEdit(who, old)
    # A new list: the JSON column sees the change.
    changed = TRAIL.setting(
        session, actor, workspace, "value_dimensions", list(names), VALUE_DIMENSIONS_CHANGED
    )
    return workspace if changed else None


def set_time_zone(session: Session, *, actor: User, workspace_id: int, time_zone: str) -> bool:
    """The zone of the workspace's people who chose none (and of the client people whose first
    account is the workspace's), under the workspace's row lock; audited on the global chain.
    False when it was that already (nothing written)."""
    workspace = repository.get_for_update(session, workspace_id=workspace_id)
    assert workspace is not None, "the actor's own workspace exists"
    return TRAIL.setting(session, actor, workspace, "time_zone", time_zone, TIME_ZONE_CHANGED)


def set_currency(session: Session, *, actor: User, workspace_id: int, currency: str) -> bool:
    """The ISO 4217 currency every money figure of the workspace's accounts is shown in, under
    the workspace's row lock; audited on the global chain. The figures stay as entered: only
    the currency they are labelled with changes. False when it was that already."""
    workspace = repository.get_for_update(session, workspace_id=workspace_id)
    assert workspace is not None, "the actor's own workspace exists"
    return TRAIL.setting(session, actor, workspace, "currency", currency, CURRENCY_CHANGED)
