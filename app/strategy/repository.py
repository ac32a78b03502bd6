"""Queries of the client's strategy entries (always within one account's plan)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.kit import queries
from app.models import StrategyEntry, StrategySuggestion, SuggestionStatus, User


def for_plan(session: Session, *, plan_id: int) -> Sequence[StrategyEntry]:
    """Every live entry of the plan, all kinds, in order within each kind: one query."""
    return session.exec(
        select(StrategyEntry)
        .where(StrategyEntry.plan_id == plan_id)
        .where(col(StrategyEntry.removed_at).is_(None))
        .order_by(col(StrategyEntry.kind), col(StrategyEntry.position), col(StrategyEntry.id))
    ).all()


def last_position(session: Session, *, plan_id: int, kind: str) -> int:
    return queries.last_place(
        session,
        StrategyEntry.position,
        StrategyEntry.plan_id == plan_id,
        StrategyEntry.kind == kind,
    )


_ENTRY = StrategyEntry.__table__.c  # type: ignore[attr-defined]
_SUGGESTION = StrategySuggestion.__table__.c  # type: ignore[attr-defined]
# The columns of both, in one shape: (label, the entry's, the suggestion's); None: the other
# has no such column (NULL of its type there).
_SHAPE: tuple[tuple[str, Any, Any], ...] = (
    ("id", _ENTRY.id, _SUGGESTION.id),
    ("account_id", _ENTRY.account_id, _SUGGESTION.account_id),
    ("plan_id", _ENTRY.plan_id, _SUGGESTION.plan_id),
    ("kind", _ENTRY.kind, _SUGGESTION.kind),
    ("text", _ENTRY.text, _SUGGESTION.text),
    ("detail", _ENTRY.detail, _SUGGESTION.detail),
    ("horizon", _ENTRY.horizon, _SUGGESTION.horizon),
    ("created_at", _ENTRY.created_at, _SUGGESTION.created_at),
    ("updated_at", _ENTRY.updated_at, _SUGGESTION.updated_at),
    ("version", _ENTRY.version, _SUGGESTION.version),
    ("position", _ENTRY.position, None),
    ("created_by_id", _ENTRY.created_by_id, None),
    ("carried_from_id", _ENTRY.carried_from_id, None),
    ("status", None, _SUGGESTION.status),
    ("suggested_by_id", None, _SUGGESTION.suggested_by_id),
    ("answered_by_id", None, _SUGGESTION.answered_by_id),
    ("answered_at", None, _SUGGESTION.answered_at),
    ("answer_reason", None, _SUGGESTION.answer_reason),
    ("entry_id", None, _SUGGESTION.entry_id),
)


def _columns(side: int) -> list[Any]:
    """The select list of one side (1: entries, 2: suggestions) in ``_SHAPE``."""
    columns: list[Any] = [sa.literal("entry" if side == 1 else "suggestion").label("source")]
    for name, of_entry, of_suggestion in _SHAPE:
        mine, theirs = (of_entry, of_suggestion) if side == 1 else (of_suggestion, of_entry)
        column = mine if mine is not None else sa.cast(sa.null(), theirs.type)
        columns.append(column.label(name))
    return columns


def entries_and_suggestions(
    session: Session, *, plan_id: int
) -> tuple[list[StrategyEntry], list[StrategySuggestion]]:
    """Every live entry of the plan (all kinds, in order within each kind) and the vendor's
    suggested entries still waiting for the client's answer or rejected (oldest first; the
    accepted ones are entries now): one query for both. They are read, not loaded: built from
    their rows without validation (``model_construct``: the database's values are valid) and
    outside the session, for the page to show."""
    rows = session.execute(_entries_and_suggestions(), {"plan_id": plan_id}).mappings().all()
    found: tuple[list[StrategyEntry], list[StrategySuggestion]] = ([], [])
    for row in rows:
        values = dict(row)
        if values.pop("source") == "entry":
            found[0].append(
                StrategyEntry.model_construct(**{name: values[name] for name in ENTRY_FIELDS})
            )
        else:
            found[1].append(
                StrategySuggestion.model_construct(
                    **{name: values[name] for name in SUGGESTION_FIELDS}
                )
            )
    found[1].sort(key=lambda s: (s.created_at, s.id or 0))
    return found


@functools.cache
def _entries_and_suggestions() -> sa.Select[Any]:
    """The statement of ``entries_and_suggestions``, built once (the plan is a bind
    parameter): each request finds its compiled form without building it again."""
    plan_id: sa.BindParameter[int] = sa.bindparam("plan_id")
    entries = sa.select(*_columns(1)).where(_ENTRY.plan_id == plan_id, _ENTRY.removed_at.is_(None))
    suggested = sa.select(*_columns(2)).where(
        _SUGGESTION.plan_id == plan_id, _SUGGESTION.status != SuggestionStatus.ACCEPTED.value
    )
    union = sa.union_all(entries, suggested).subquery()
    order = (union.c.source, union.c.kind, union.c.position, union.c.created_at, union.c.id)
    return sa.select(union).order_by(*order)


ENTRY_FIELDS = tuple(row[0] for row in _SHAPE if row[1] is not None)
SUGGESTION_FIELDS = tuple(row[0] for row in _SHAPE if row[2] is not None)


def person(session: Session, *, user_id: int | None) -> User | None:
    """Who suggested an entry (None: nobody recorded, or a deleted person)."""
    return session.get(User, user_id) if user_id is not None else None
