"""Adding, changing, moving and removing entries of the client's strategy. Every change is
audited (shared: these are the client's own words) and edits refuse stale versions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.kit import items, versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Plan, StrategyEntry, User
from app.plans import repository as plans_repo
from app.strategy import repository
from app.strategy.schemas import StrategyValues

ITEM_TYPE = "strategy_entry"


TRAIL = versioned.Trail(ITEM_TYPE)


def _words(values: StrategyValues) -> dict[str, Any]:
    """The fields an edit may change (the kind and the place are not among them)."""
    return {"text": values.text, "detail": values.detail, "horizon": values.horizon}


def create(session: Session, *, actor: User, plan: Plan, values: StrategyValues) -> StrategyEntry:
    """A new entry at the end of its section."""
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)
    entry = StrategyEntry(
        account_id=plan.account_id,
        plan_id=plan.id,
        kind=values.kind,
        position=repository.last_position(session, plan_id=plan.id, kind=values.kind) + 1,
        **_words(values),
        created_by_id=actor.id,
    )
    TRAIL.created(
        session,
        actor,
        entry,
        _words(values),
        changes={"kind": [None, entry.kind], "position": [None, entry.position]},
        verb="strategy.added",
    )
    return entry


def update(
    session: Session,
    *,
    actor: User,
    entry: StrategyEntry,
    values: StrategyValues,
    expected_version: int,
) -> None:
    """Raises ``StaleEdit`` when someone saved a newer version meanwhile: nothing is written."""
    TRAIL.edit(session, actor, entry, _words(values), expected_version, verb="strategy.updated")


def move(session: Session, *, actor: User, entry: StrategyEntry, up: bool) -> bool:
    """Swap with the neighbour above or below in the same section; False when already first or
    last (the version stays: see ``items.swap``)."""
    plans_repo.lock_plan(session, plan_id=entry.plan_id)
    session.refresh(entry)
    same = (StrategyEntry.plan_id, StrategyEntry.kind)
    moved = items.swap(session, entry, order=StrategyEntry.position, same=same, up=up)
    if moved is None:
        return False
    TRAIL.event(session, actor, entry, "strategy.moved", {"position": list(moved)})
    return True


def remove(session: Session, *, actor: User, entry: StrategyEntry) -> None:
    """The row stays (``removed_at``) for the record; the section closes over it."""
    TRAIL.removed(session, actor, entry, ("kind", "text"), verb="strategy.removed")
