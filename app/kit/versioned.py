"""Versioned edits: no lost updates.

An edit form carries the version of the item it was based on. The item was read under a row lock
(``app.kit.items.get_live``), so of two simultaneous edits one saves and the other finds a newer
version here: ``StaleEdit`` names who changed it (from the audit trail), nothing is written, and
the route shows the person's text again next to what is saved now (409).

Every change bumps the version and writes one audit event with the diff, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from app.audit import repository as audit_repo
from app.audit import service as audit
from app.audit.chain import Appended
from app.audit.service import Changes
from app.models import User, Visibility, utcnow


class Item(Protocol):
    id: int | None


class GlobalVersioned(Protocol):
    id: int | None
    version: int


class Removable(Protocol):
    id: int | None
    version: int
    removed_at: datetime | None


class Versioned(Protocol):
    id: int | None
    account_id: int
    version: int


class StaleEdit(Exception):
    """An edit based on an older version of the item: nothing was written. ``who`` made the
    latest change (read from the audit trail); ``current`` is the item as saved now."""

    def __init__(self, who: str, current: Any) -> None:
        super().__init__(who)
        self.who = who or "Someone"
        self.current = current


def who_changed(session: Session, item: Versioned, *, item_type: str) -> str:
    """The name of whoever made the item's latest recorded change ('' if nobody did)."""
    assert item.id is not None
    return audit_repo.last_actor_label(
        session, account_id=item.account_id, item_type=item_type, item_id=item.id
    )


def check_version(
    session: Session, item: Versioned, expected_version: int, *, item_type: str
) -> None:
    """Raise ``StaleEdit`` unless the item is still at ``expected_version``."""
    if item.version != expected_version:
        raise StaleEdit(who_changed(session, item, item_type=item_type), item)


def values_of(item: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: getattr(item, field) for field in fields}


def _new_version(session: Session, item: GlobalVersioned) -> None:
    item.version += 1
    if hasattr(item, "updated_at"):
        item.updated_at = utcnow()
    session.add(item)


# --- Items of no account (a workspace's), audited on the global chain ----------------------------


def check_global_version(
    session: Session, item: GlobalVersioned, expected_version: int, *, item_type: str
) -> None:
    """``check_version`` for an item of no account: ``StaleEdit`` names the latest changer."""
    if item.version != expected_version:
        assert item.id is not None
        who = audit_repo.last_global_actor(session, item_type=item_type, item_id=item.id)
        raise StaleEdit(who, item)


@dataclass(frozen=True)
class Trail:
    """One item type's audit trail, declared once by its domain with the visibility its events
    have unless a call says otherwise:

        TRAIL = versioned.Trail("action")
        TRAIL.created(session, actor, action, values)
        TRAIL.edit(session, actor, action, values, expected_version)
        TRAIL.change(session, actor, action, "action.removed", changes)
        TRAIL.setting(session, actor, user, "time_zone", "Europe/Paris", verb)

    An item of an account is audited on its account's chain; an item of no account (a
    workspace's) on the global chain."""

    item_type: str
    visibility: Visibility = Visibility.SHARED

    def event(
        self,
        session: Session,
        actor: User | None,
        item: Item,
        verb: str,
        changes: Changes,
        visibility: Visibility | None = None,
    ) -> Appended:
        """Audit ``verb`` about ``item``, without a new version."""
        return audit.record(
            session,
            actor=actor,
            verb=verb,
            item_type=self.item_type,
            item_id=item.id,
            account_id=getattr(item, "account_id", None),
            changes=changes,
            visibility=visibility or self.visibility,
        )

    def created(
        self,
        session: Session,
        actor: User,
        item: Item,
        values: Mapping[str, Any],
        *,
        changes: Changes | None = None,
        verb: str | None = None,
        visibility: Visibility | None = None,
    ) -> Appended:
        """A new item: add and flush it (for its id), then audit ``verb``
        (``<item_type>.created`` by default) with ``changes`` (what the values do not say,
        such as its place) followed by the diff of ``values``."""
        session.add(item)
        session.flush()
        changes = (changes or {}) | audit.diff({}, dict(values))
        return self.event(
            session, actor, item, verb or f"{self.item_type}.created", changes, visibility
        )

    def change(
        self,
        session: Session,
        actor: User | None,
        item: GlobalVersioned,
        verb: str,
        changes: Changes,
        visibility: Visibility | None = None,
    ) -> Appended:
        """A new version of ``item``: bump it, stamp ``updated_at``, and audit ``changes``."""
        _new_version(session, item)
        return self.event(session, actor, item, verb, changes, visibility)

    def removed(
        self,
        session: Session,
        actor: User,
        item: Removable,
        fields: tuple[str, ...],
        *,
        verb: str | None = None,
        visibility: Visibility | None = None,
    ) -> Appended:
        """Remove ``item``: its row stays (``removed_at``) for the audit trail, which records
        ``fields`` going from their values to nothing as a new version, audited as ``verb``
        (``<item_type>.removed`` by default)."""
        item.removed_at = utcnow()
        changes: Changes = {field: [getattr(item, field), None] for field in fields}
        verb = verb or f"{self.item_type}.removed"
        return self.change(session, actor, item, verb, changes, visibility)

    def edit(
        self,
        session: Session,
        actor: User,
        item: Versioned,
        values: Mapping[str, Any],
        expected_version: int,
        *,
        verb: str | None = None,
        visibility: Visibility | None = None,
        changes: Changes | None = None,
    ) -> Changes:
        """Check the version, set ``values``, and when anything changed record a new version
        (audited as ``verb``, ``<item_type>.updated`` by default). ``changes`` adds what the
        caller changed beside the item's own fields (its links). The diff is returned: empty,
        nothing was written."""
        check_version(session, item, expected_version, item_type=self.item_type)
        before = values_of(item, tuple(values))
        for field, value in values.items():
            setattr(item, field, value)
        diff = audit.diff(before, dict(values)) | (changes or {})
        if diff:
            verb = verb or f"{self.item_type}.updated"
            self.change(session, actor, item, verb, diff, visibility)
        return diff

    def setting(
        self, session: Session, actor: User, item: Item, field: str, value: Any, verb: str
    ) -> bool:
        """Set one setting of ``item`` and audit ``verb`` with its old and new value. A setting
        has no version: ``item`` was read under its row lock, so the second of two saves sees
        the first one's value. False when it had that value already (nothing written)."""
        old = getattr(item, field)
        if old == value:
            return False
        setattr(item, field, value)
        session.add(item)
        session.flush()
        self.event(session, actor, item, verb, {field: [old, value]})
        return True
