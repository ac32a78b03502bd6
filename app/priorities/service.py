"""Adding, changing, re-ranking and removing the client's priorities, and the vendor's
suggestions of priorities with the client's answers. Every change is audited (shared: these
are the client's own words, or words the client was shown) and edits refuse stale versions.

A suggestion never becomes a priority without a client person accepting it: ``accept`` and
``reject`` are the only ways out of the ``suggested`` status.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.kit import items, suggestions, versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Plan, Priority, PriorityStatus, User, utcnow
from app.plans import repository as plans_repo
from app.priorities import repository
from app.priorities.schemas import PriorityValues

FIELDS = ("title", "description", "importance", "horizon", "owner_id")
SUGGESTION_FIELDS = ("title", "description", "importance", "horizon")


TRAIL = versioned.Trail("priority")


PLAN_TRAIL = versioned.Trail("plan")


class OrderConflict(Exception):
    """The ids sent are not exactly the plan's active priorities (one was added or removed)."""


def _values(values: PriorityValues, fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    return {field: getattr(values, field) for field in fields}


def create(session: Session, *, actor: User, plan: Plan, values: PriorityValues) -> Priority:
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)
    priority = Priority(
        account_id=plan.account_id,
        plan_id=plan.id,
        rank=repository.last_rank(session, plan_id=plan.id) + 1,
        **_values(values),
        created_by_id=actor.id,
    )
    TRAIL.created(
        session, actor, priority, _values(values), changes={"rank": [None, priority.rank]}
    )
    return priority


def update(
    session: Session,
    *,
    actor: User,
    priority: Priority,
    values: PriorityValues,
    expected_version: int,
) -> None:
    """Raises ``StaleEdit`` when someone saved a newer version meanwhile: nothing is written."""
    TRAIL.edit(session, actor, priority, _values(values), expected_version)


def move(session: Session, *, actor: User, priority: Priority, up: bool) -> bool:
    """Swap with the neighbour above or below; False when already first or last."""
    plans_repo.lock_plan(session, plan_id=priority.plan_id)
    session.refresh(priority)
    moved = items.swap(session, priority, order=Priority.rank, same=(Priority.plan_id,), up=up)
    if moved is None:
        return False
    TRAIL.event(session, actor, priority, "priority.reranked", {"rank": list(moved)})
    return True


def remove(session: Session, *, actor: User, priority: Priority) -> None:
    plans_repo.lock_plan(session, plan_id=priority.plan_id)
    session.refresh(priority)
    assert priority.rank is not None
    TRAIL.removed(session, actor, priority, ("title", "rank"))
    session.flush()
    repository.close_gap(session, plan_id=priority.plan_id, after_rank=priority.rank)


def reorder(session: Session, *, actor: User, plan: Plan, ids: list[int]) -> bool:
    """Give the active priorities ranks 1..n in the order of ``ids``, which must name each of
    them exactly once (else ``OrderConflict``, nothing written). False when nothing moved.

    Versions are left alone: the rank is not part of the edit form, and the complete-set check
    under the plan lock is what keeps two re-rankings from mixing."""
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)
    current = list(repository.active(session, plan_id=plan.id))
    if len(ids) != len(current) or set(ids) != {p.id for p in current}:
        raise OrderConflict()
    if [p.id for p in current] == ids:
        return False
    by_id = {p.id: p for p in current}
    ordered = [by_id[i] for i in ids]
    for rank, priority in enumerate(ordered, start=1):
        if priority.rank != rank:
            priority.rank = rank
            priority.updated_at = utcnow()
            session.add(priority)
    PLAN_TRAIL.event(
        session,
        actor,
        plan,
        "priority.reordered",
        {"order": [[p.title for p in current], [p.title for p in ordered]]},
    )
    return True


# --- Vendor suggestions and the client's answers ---------------------------------------------


def suggest(session: Session, *, actor: User, plan: Plan, values: PriorityValues) -> Priority:
    """A vendor person suggests a priority the vendor believes the client has; the client's
    contributors are told, and it waits for their answer (no rank: not one of theirs yet)."""
    assert plan.id is not None
    suggestion = Priority(
        account_id=plan.account_id,
        plan_id=plan.id,
        status=PriorityStatus.SUGGESTED,
        rank=None,
        **_values(values, SUGGESTION_FIELDS),
        created_by_id=actor.id,
        suggested_by_id=actor.id,
    )
    session.add(suggestion)
    session.flush()
    TRAIL.event(
        session,
        actor,
        suggestion,
        "priority.suggested",
        audit.diff({}, _values(values, SUGGESTION_FIELDS)),
    )
    suggestions.tell_the_client(
        session,
        actor=actor,
        account_id=plan.account_id,
        kind="priority.suggested",
        message=f"{actor.display_name} suggested a priority for you to answer: “{values.title}”",
        link=f"/accounts/{plan.account_id}/plan#suggestion-{suggestion.id}",
    )
    return suggestion


def _answerable(session: Session, suggestion: Priority, expected_version: int) -> None:
    """Under the plan lock: still waiting for an answer, and as the client saw it."""
    suggestions.check_answerable(session, suggestion, expected_version, item_type="priority")


def accept(
    session: Session,
    *,
    actor: User,
    suggestion: Priority,
    expected_version: int,
    values: PriorityValues | None = None,
) -> None:
    """The suggestion becomes an active priority at the bottom of the ranking, as worded or
    reworded (``values``). Raises ``StaleEdit`` when it was answered (or changed) meanwhile."""
    _answerable(session, suggestion, expected_version)
    assert suggestion.id is not None
    before = versioned.values_of(suggestion, FIELDS)
    if values is not None:
        for field, value in _values(values).items():
            setattr(suggestion, field, value)
    reworded = audit.diff(before, versioned.values_of(suggestion, FIELDS))
    # The rank first: its query flushes, and the status may only be active with a rank.
    rank = repository.last_rank(session, plan_id=suggestion.plan_id) + 1
    suggestion.status, suggestion.rank = PriorityStatus.ACTIVE, rank
    suggestion.answered_by_id, suggestion.answered_at = actor.id, utcnow()
    accepted: audit.Changes = {
        "status": [PriorityStatus.SUGGESTED.value, PriorityStatus.ACTIVE.value],
        "rank": [None, suggestion.rank],
    }
    how = "in their own words" if reworded else "as you worded it"
    _answered(
        session,
        actor,
        suggestion,
        "priority.suggestion_accepted",
        accepted | reworded,
        f"{actor.display_name} accepted your suggested priority {how}: "
        f"“{suggestion.title}” is now priority {suggestion.rank}",
        f"priority-{suggestion.id}",
    )


def reject(
    session: Session,
    *,
    actor: User,
    suggestion: Priority,
    reason: str,
    expected_version: int,
) -> None:
    """The client says why this is not one of its priorities; the suggestion stays on record
    as rejected. Raises ``StaleEdit`` when it was answered (or changed) meanwhile."""
    _answerable(session, suggestion, expected_version)
    assert suggestion.id is not None
    suggestion.status = PriorityStatus.REJECTED
    suggestion.answer_reason = reason
    suggestion.answered_by_id, suggestion.answered_at = actor.id, utcnow()
    short = reason if len(reason) <= 200 else reason[:199] + "…"
    said = f"{actor.display_name} rejected your suggested priority “{suggestion.title}”: {short}"
    _answered(
        session,
        actor,
        suggestion,
        "priority.suggestion_rejected",
        {
            "status": [PriorityStatus.SUGGESTED.value, PriorityStatus.REJECTED.value],
            "reason": [None, reason],
        },
        said[:500],
        "rejected-suggestions",
    )


def _answered(
    session: Session,
    actor: User,
    suggestion: Priority,
    verb: str,
    changes: audit.Changes,
    message: str,
    anchor: str,
) -> None:
    """Record the client's answer to a suggestion and tell who suggested it."""
    suggestions.answered(session, TRAIL, actor, suggestion, verb, changes, message, anchor)
