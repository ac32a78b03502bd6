"""The actions section of the plan page: one query, whatever the number of actions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.actions import repository, view
from app.actions.schemas import ActionForm
from app.models import ActionStatus, Plan
from app.permissions.policy import AccountAccess, Actor
from app.web.forms import FormErrors


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    """``actions`` is the plain list of the plan's live actions in display order (the focus
    metrics read it too); the rest is for the section template."""
    assert plan.id is not None
    return {
        "actions": repository.for_plan(db, account_id=access.account_id, plan_id=plan.id),
        "action_section": view.section,
        "action_statuses": list(ActionStatus),
        "action_form": ActionForm(),
        "action_errors": FormErrors(),
        "action_notice": "",
        "action_alert": "",
    }
