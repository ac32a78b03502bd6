"""The plan page's strategy context: every live entry of the plan, in one query.

The entries of kind ``advice`` are shown in the value section (app/value), which reads them
from this context rather than querying again.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Plan, StrategyEntry, StrategyKind
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


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    return {
        "strategy_entries": group(repository.for_plan(db, plan_id=plan.id)),
        "strategy_sections": [SECTIONS[kind] for kind in STRATEGY_KINDS],
        "advice_section": SECTIONS[StrategyKind.ADVICE],
        # The add form of one section, re-shown with what was typed after bad input.
        "strategy_form": StrategyForm(),
        "strategy_errors": FormErrors(),
        "strategy_notice": "",
        "strategy_focus": "",
    }
