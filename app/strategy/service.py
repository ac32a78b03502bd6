"""Adding, changing, moving and removing entries of the client's strategy, and the vendor's
suggested entries with the client's answers (accept as worded, reworded, or reject with a
reason: the same way as suggested priorities, through ``app.kit.suggestions``). Every change is
audited (shared: these are the client's own words, or words the client was shown) and edits
refuse stale versions. A suggestion never becomes an entry without a client person accepting
it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.kit import items, suggestions, versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import (
    Plan,
    StrategyEntry,
    StrategyKind,
    StrategySuggestion,
    SuggestionStatus,
    User,
    utcnow,
)
from app.plans import repository as plans_repo
from app.strategy import repository
from app.strategy.schemas import StrategyValues

ITEM_TYPE = "strategy_entry"


TRAIL = versioned.Trail(ITEM_TYPE)
SUGGESTION_TYPE = "strategy_suggestion"
SUGGESTIONS = versioned.Trail(SUGGESTION_TYPE)


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


# --- Vendor suggestions and the client's answers ---------------------------------------------


def _what(kind: str) -> str:
    return StrategyKind(kind).label.lower()


def suggest(
    session: Session, *, actor: User, plan: Plan, values: StrategyValues
) -> StrategySuggestion:
    """A vendor person suggests an entry for the client's strategy; the client's contributors
    are told, and it waits for their answer, shown as the vendor's words."""
    assert plan.id is not None
    suggestion = StrategySuggestion(
        account_id=plan.account_id,
        plan_id=plan.id,
        kind=values.kind,
        **_words(values),
        suggested_by_id=actor.id,
    )
    session.add(suggestion)
    session.flush()
    changes = {"kind": [None, values.kind]} | audit.diff({}, _words(values))
    SUGGESTIONS.event(session, actor, suggestion, "strategy.suggested", changes)
    suggestions.tell_the_client(
        session,
        actor=actor,
        account_id=plan.account_id,
        kind="strategy.suggested",
        message=f"{actor.display_name} suggested an entry for your {_what(values.kind)} "
        f"for you to answer: “{values.text}”",
        link=f"/accounts/{plan.account_id}/plan#strategy-suggestion-{suggestion.id}",
    )
    return suggestion


def accept(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    suggestion: StrategySuggestion,
    expected_version: int,
    values: StrategyValues | None = None,
) -> StrategyEntry:
    """The suggestion becomes an entry at the end of its section, as worded or reworded
    (``values``). Raises ``StaleEdit`` when it was answered (or changed) meanwhile."""
    suggestions.check_answerable(session, suggestion, expected_version, item_type=SUGGESTION_TYPE)
    assert suggestion.id is not None
    worded = StrategyValues(suggestion.kind, suggestion.text, suggestion.detail, suggestion.horizon)
    entry = create(session, actor=actor, plan=plan, values=values or worded)
    reworded = audit.diff(_words(worded), _words(values)) if values is not None else {}
    suggestion.status, suggestion.entry_id = SuggestionStatus.ACCEPTED, entry.id
    suggestion.answered_by_id, suggestion.answered_at = actor.id, utcnow()
    how = "in their own words" if reworded else "as you worded it"
    suggestions.answered(
        session,
        SUGGESTIONS,
        actor,
        suggestion,
        "strategy.suggestion_accepted",
        {"status": [SuggestionStatus.SUGGESTED.value, SuggestionStatus.ACCEPTED.value]}
        | {"entry_id": [None, entry.id]}
        | reworded,
        f"{actor.display_name} accepted your suggested entry for their "
        f"{_what(suggestion.kind)} {how}: “{entry.text}”",
        f"strategy-entry-{entry.id}",
    )
    return entry


def reject(
    session: Session,
    *,
    actor: User,
    suggestion: StrategySuggestion,
    reason: str,
    expected_version: int,
) -> None:
    """The client says why this is not part of its strategy; the suggestion stays on record
    as rejected. Raises ``StaleEdit`` when it was answered (or changed) meanwhile."""
    suggestions.check_answerable(session, suggestion, expected_version, item_type=SUGGESTION_TYPE)
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.answer_reason = reason
    suggestion.answered_by_id, suggestion.answered_at = actor.id, utcnow()
    short = reason if len(reason) <= 200 else reason[:199] + "…"
    said = f"{actor.display_name} rejected your suggested entry “{suggestion.text}”: {short}"
    suggestions.answered(
        session,
        SUGGESTIONS,
        actor,
        suggestion,
        "strategy.suggestion_rejected",
        {
            "status": [SuggestionStatus.SUGGESTED.value, SuggestionStatus.REJECTED.value],
            "reason": [None, reason],
        },
        said[:500],
        f"strategy-suggestion-{suggestion.id}",
    )
