"""The actions section of the plan page: one query, whatever the number of actions; and one
action's row on its own, for the answer to a change that leaves it where it is."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.actions import repository, view
from app.actions.schemas import ActionForm
from app.attachments import sections as attachments_sections
from app.models import ActionStatus, Plan
from app.permissions.policy import AccountAccess, Actor, Can
from app.plans import repository as plans_repo
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


def load_row(
    db: Session, actor: Actor, access: AccountAccess, plan: Plan, action_id: int
) -> dict[str, Any]:
    """What templates/actions/_row.html draws of the open action ``action_id`` of the current
    ``plan``: its row as the section shows it (``action_row_view``; None when the action is
    gone or closed), with its comments' count and its files. Two queries (three for an action
    carried over from the period before), whatever the plan's size: none of the page's
    loaders runs."""
    assert plan.id is not None
    found = repository.linked_in_plan(
        db,
        account_id=access.account_id,
        plan_id=plan.id,
        action_id=action_id,
        visibilities=access.visibilities,
    )
    row = view.open_row(found, access, on=actor.today())
    context: dict[str, Any] = {
        "access": access,
        "account": access.account,
        "actor": actor,
        "can": Can(actor, access, closed=False),
        "action_statuses": list(ActionStatus),
        "action_row": action_id,
        "action_row_view": row,
        "previous_period": None,
    }
    if row is None:
        return context
    if row.action.carried_from_id is not None and plan.previous_id is not None:
        context["previous_period"] = plans_repo.of_account(
            db, account_id=access.account_id, plan_id=plan.previous_id
        )
    return context | attachments_sections.load_item(db, access, plan.id, ("action", action_id))
