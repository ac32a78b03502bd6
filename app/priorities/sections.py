"""What the priorities block of the plan page needs beyond the plan context: the empty forms
and messages of suggestions and re-ranking. No queries: the plan context already holds the
priorities, the pending suggestions and the rejected ones (one query for all three)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Plan
from app.permissions.policy import AccountAccess, Actor
from app.priorities.schemas import PriorityForm
from app.web.forms import FormErrors


def load(_db: Session, _actor: Actor, _access: AccountAccess, _plan: Plan) -> dict[str, Any]:
    return {
        "suggestion_form": PriorityForm(),
        "suggestion_errors": FormErrors(),
        "reject_errors": {},  # suggestion id -> message at its reason field
        "reject_reasons": {},  # suggestion id -> the reason as typed
        "answer_error": "",  # an answer that came after someone else's
        "order_error": "",  # a re-ranking that could not be saved
    }
