"""The plan page: the shared plan of an account, assembled from its sections' loaders.

``plan_page`` is the responder every plan section's routes answer through (``app.kit.pages``):
the whole page, one section for htmx, back to the page with a notice after a change.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.accounts import repository as accounts_repo
from app.actions import sections as actions_sections
from app.agreement import sections as agreement_sections
from app.comments import sections as comments_sections
from app.initiatives import sections as initiatives_sections
from app.kit.pages import Page
from app.models import Horizon, Importance, Plan, PriorityStatus, Side
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import metrics, repository
from app.plans.sections import SectionLoader
from app.priorities import repository as priorities_repo
from app.priorities import sections as priorities_sections
from app.priorities.schemas import PriorityForm
from app.strategy import sections as strategy_sections
from app.value import sections as value_sections
from app.web.errors import NotFoundError
from app.web.forms import FormErrors

TEMPLATE = "plans/show.html"

# The plan page's sections, in the order their loaders run (each a fixed number of queries).
LOADERS: tuple[SectionLoader, ...] = (
    strategy_sections.load,
    value_sections.load,
    initiatives_sections.load,
    actions_sections.load,
    priorities_sections.load,
    agreement_sections.load,
    comments_sections.load,
)


def current_plan(db: Any, access: AccountAccess) -> Plan:
    """The account's current plan; 404 when it has none."""
    plan = repository.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


def plan_context(db: Any, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the plan page and its partials show, in a fixed number of queries."""
    plan = current_plan(db, access)
    assert plan.id is not None
    members = accounts_repo.list_members(db, account_id=access.account_id)
    rows = priorities_repo.for_plan(db, plan_id=plan.id)
    context: dict[str, Any] = {
        "access": access,
        "account": access.account,
        "plan": plan,
        "actor": actor,
        # What the actor may do here, for showing buttons (the routes check again).
        "can": {verb.name.lower(): may(actor, access, verb) for verb in Verb},
        "members": members,
        "people": {m.user_id: m.user for m in members},
        "owners": [m.user for m in members if m.role_enum.side is Side.CLIENT],
        "priorities": [row for row in rows if row[0].status == PriorityStatus.ACTIVE],
        "suggestions": [row for row in rows if row[0].status == PriorityStatus.SUGGESTED],
        "rejected_suggestions": [row for row in rows if row[0].status == PriorityStatus.REJECTED],
        "importances": list(Importance),
        "horizons": list(Horizon),
        "form": PriorityForm(),
        "errors": FormErrors(),
        "notice": "",
    }
    for loader in LOADERS:
        context.update(loader(db, actor, access, plan))
    # Computed from what the loaders brought, without a query (DESIGN.md §3.9).
    context["focus_metrics"] = metrics.for_plan(context)
    return context


def plan_url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/plan"


def plan_page(request: Request, db: Any, actor: Actor, access: AccountAccess) -> Page:
    """The plan page's responder; its context is built only when something is rendered."""
    return Page(request, TEMPLATE, lambda: plan_context(db, actor, access), url=plan_url(access))
