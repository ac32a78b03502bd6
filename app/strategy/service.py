"""Adding, changing, moving and removing entries of the client's strategy. Every change is
audited (shared: these are the client's own words) and edits refuse stale versions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.audit import repository as audit_repo
from app.audit import service as audit
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Plan, StrategyEntry, User, utcnow
from app.plans import repository as plans_repo
from app.strategy import repository
from app.strategy.schemas import StrategyForm

ITEM_TYPE = "strategy_entry"
FIELDS = ("text", "detail", "horizon")


def _values(entry: StrategyEntry) -> dict[str, Any]:
    return {field: getattr(entry, field) for field in FIELDS}


def _record(
    session: Session, *, actor: User, verb: str, entry: StrategyEntry, changes: Any
) -> None:
    audit.record(
        session,
        actor=actor,
        verb=verb,
        item_type=ITEM_TYPE,
        item_id=entry.id,
        account_id=entry.account_id,
        changes=changes,
    )


def create(session: Session, *, actor: User, plan: Plan, form: StrategyForm) -> StrategyEntry:
    """A new entry at the end of its section (``form`` already checked)."""
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)
    entry = StrategyEntry(
        account_id=plan.account_id,
        plan_id=plan.id,
        kind=form.kind,
        position=repository.last_position(session, plan_id=plan.id, kind=form.kind) + 1,
        text=form.text,
        detail=form.detail,
        horizon=form.horizon or None,
        created_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    changes = {"kind": [None, entry.kind], "position": [None, entry.position]}
    _record(
        session,
        actor=actor,
        verb="strategy.added",
        entry=entry,
        changes=changes | audit.diff({}, _values(entry)),
    )
    return entry


def update(
    session: Session,
    *,
    actor: User,
    entry: StrategyEntry,
    form: StrategyForm,
    expected_version: int,
) -> None:
    """Raises ``StaleEdit`` when someone saved a newer version meanwhile: nothing is written."""
    assert entry.id is not None
    if entry.version != expected_version:
        who = audit_repo.last_actor_label(
            session, account_id=entry.account_id, item_type=ITEM_TYPE, item_id=entry.id
        )
        raise StaleEdit(who, entry)
    before = _values(entry)
    entry.text, entry.detail, entry.horizon = form.text, form.detail, form.horizon or None
    changes = audit.diff(before, _values(entry))
    if not changes:
        return
    entry.version += 1
    entry.updated_at = utcnow()
    session.add(entry)
    _record(session, actor=actor, verb="strategy.updated", entry=entry, changes=changes)


def move(session: Session, *, actor: User, entry: StrategyEntry, up: bool) -> bool:
    """Swap with the neighbour above or below in the same section; False when already first or
    last. The version is kept: it guards the words, which a move does not touch, so someone
    editing an entry while another person re-orders the section loses nothing."""
    plans_repo.lock_plan(session, plan_id=entry.plan_id)
    session.refresh(entry)
    other = repository.neighbour(session, entry=entry, up=up)
    if other is None:
        return False
    old = entry.position
    entry.position, other.position = other.position, entry.position
    session.add_all([entry, other])
    _record(
        session,
        actor=actor,
        verb="strategy.moved",
        entry=entry,
        changes={"position": [old, entry.position]},
    )
    return True


def remove(session: Session, *, actor: User, entry: StrategyEntry) -> None:
    """The row stays (``removed_at``) for the record; the section closes over it."""
    entry.removed_at = utcnow()
    entry.version += 1
    session.add(entry)
    _record(
        session,
        actor=actor,
        verb="strategy.removed",
        entry=entry,
        changes={"kind": [entry.kind, None], "text": [entry.text, None]},
    )
