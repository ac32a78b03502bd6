"""The plan page's strategy context: every live entry of the plan, in one query, and the
vendor's suggested entries (waiting or rejected), in another.

The entries of kind ``advice`` are shown in the value section (app/value), which reads them
from this context rather than querying again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.models import Plan, StrategyEntry, StrategyKind, StrategySuggestion, SuggestionStatus
from app.permissions.policy import AccountAccess, Actor
from app.strategy import repository
from app.strategy.schemas import SECTIONS, STRATEGY_KINDS, StrategyForm
from app.web.forms import FormErrors


def group(entries: list[StrategyEntry] | Any) -> dict[str, list[StrategyEntry]]:
    """Entries by kind (every kind present, possibly empty), order kept."""
    grouped: dict[str, list[StrategyEntry]] = {kind.value: [] for kind in StrategyKind}
    for entry in entries:
        grouped[entry.kind].append(entry)
    return grouped


def suggestions_by_kind(
    rows: Sequence[StrategySuggestion],
) -> tuple[dict[str, list[StrategySuggestion]], dict[str, list[StrategySuggestion]]]:
    """The vendor's suggestions waiting for an answer, and the rejected ones, by kind."""
    waiting: dict[str, list[StrategySuggestion]] = {kind.value: [] for kind in StrategyKind}
    rejected: dict[str, list[StrategySuggestion]] = {kind.value: [] for kind in StrategyKind}
    for row in rows:
        (waiting if row.status == SuggestionStatus.SUGGESTED else rejected)[row.kind].append(row)
    return waiting, rejected


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    entries, suggested = repository.entries_and_suggestions(db, plan_id=plan.id)
    waiting, rejected = suggestions_by_kind(suggested)
    return {
        "strategy_entries": group(entries),
        "strategy_suggestions": waiting,
        "strategy_rejected": rejected,
        # The suggest form of one section, re-shown with what was typed after bad input; an
        # answer refused because someone answered first; a rejection's reason to type again.
        "strategy_suggestion_form": StrategyForm(),
        "strategy_suggestion_errors": FormErrors(),
        "strategy_answer_error": "",
        "strategy_reject_errors": {},
        "strategy_reject_reasons": {},
        "strategy_sections": [SECTIONS[kind] for kind in STRATEGY_KINDS],
        "advice_section": SECTIONS[StrategyKind.ADVICE],
        # The add form of one section, re-shown with what was typed after bad input.
        "strategy_form": StrategyForm(),
        "strategy_errors": FormErrors(),
        "strategy_notice": "",
        "strategy_focus": "",
    }
