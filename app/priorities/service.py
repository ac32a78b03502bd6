"""Adding, changing, re-ranking and removing the client's priorities. Every change is audited
(shared: these are the client's own words) and edits refuse stale versions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.audit import repository as audit_repo
from app.audit import service as audit
from app.models import Plan, Priority, User, utcnow
from app.priorities import repository
from app.priorities.schemas import PriorityForm

FIELDS = ("title", "description", "importance", "horizon", "owner_id")


class StaleEdit(Exception):
    """The item changed since the editor loaded it; ``who`` made the latest change."""

    def __init__(self, who: str, current: Priority) -> None:
        super().__init__(who)
        self.who = who or "Someone"
        self.current = current


def _values(priority: Priority) -> dict[str, Any]:
    return {field: getattr(priority, field) for field in FIELDS}


def create(
    session: Session, *, actor: User, plan: Plan, form: PriorityForm, owner_id: int | None
) -> Priority:
    assert plan.id is not None
    repository.lock_plan(session, plan_id=plan.id)
    priority = Priority(
        account_id=plan.account_id,
        plan_id=plan.id,
        rank=repository.last_rank(session, plan_id=plan.id) + 1,
        title=form.title,
        description=form.description,
        importance=form.importance,
        horizon=form.horizon,
        owner_id=owner_id,
        created_by_id=actor.id,
    )
    session.add(priority)
    session.flush()
    audit.record(
        session,
        actor=actor,
        verb="priority.created",
        item_type="priority",
        item_id=priority.id,
        account_id=plan.account_id,
        changes={"rank": [None, priority.rank]} | audit.diff({}, _values(priority)),
    )
    return priority


def update(
    session: Session,
    *,
    actor: User,
    priority: Priority,
    form: PriorityForm,
    owner_id: int | None,
    expected_version: int,
) -> None:
    """Raises ``StaleEdit`` when someone saved a newer version meanwhile: nothing is written."""
    assert priority.id is not None
    if priority.version != expected_version:
        who = audit_repo.last_actor_label(
            session, account_id=priority.account_id, item_type="priority", item_id=priority.id
        )
        raise StaleEdit(who, priority)
    before = _values(priority)
    priority.title, priority.description = form.title, form.description
    priority.importance, priority.horizon, priority.owner_id = (
        form.importance,
        form.horizon,
        owner_id,
    )
    changes = audit.diff(before, _values(priority))
    if not changes:
        return
    priority.version += 1
    priority.updated_at = utcnow()
    session.add(priority)
    audit.record(
        session,
        actor=actor,
        verb="priority.updated",
        item_type="priority",
        item_id=priority.id,
        account_id=priority.account_id,
        changes=changes,
    )


def move(session: Session, *, actor: User, priority: Priority, up: bool) -> bool:
    """Swap with the neighbour above or below; False when already first or last."""
    repository.lock_plan(session, plan_id=priority.plan_id)
    session.refresh(priority)
    other = repository.neighbour(session, priority=priority, up=up)
    if other is None:
        return False
    old = priority.rank
    assert old is not None
    priority.rank, other.rank = other.rank, priority.rank
    priority.version += 1
    other.version += 1
    session.add_all([priority, other])
    audit.record(
        session,
        actor=actor,
        verb="priority.reranked",
        item_type="priority",
        item_id=priority.id,
        account_id=priority.account_id,
        changes={"rank": [old, priority.rank]},
    )
    return True


def remove(session: Session, *, actor: User, priority: Priority) -> None:
    repository.lock_plan(session, plan_id=priority.plan_id)
    session.refresh(priority)
    assert priority.rank is not None
    priority.removed_at = utcnow()
    priority.version += 1
    session.add(priority)
    session.flush()
    repository.close_gap(session, plan_id=priority.plan_id, after_rank=priority.rank)
    audit.record(
        session,
        actor=actor,
        verb="priority.removed",
        item_type="priority",
        item_id=priority.id,
        account_id=priority.account_id,
        changes={"title": [priority.title, None], "rank": [priority.rank, None]},
    )
