"""The plan page: the shared plan of an account, starting with the client's priorities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import repository as accounts_repo
from app.actions import sections as actions_sections
from app.agreement import sections as agreement_sections
from app.auth.deps import CurrentActor
from app.comments import sections as comments_sections
from app.db import DbSession
from app.initiatives import sections as initiatives_sections
from app.models import Horizon, Importance, PriorityStatus, Side
from app.permissions.guards import PlanReader
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import metrics, repository, sections
from app.priorities import repository as priorities_repo
from app.priorities import sections as priorities_sections
from app.priorities.schemas import PriorityForm
from app.strategy import sections as strategy_sections
from app.value import sections as value_sections
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates

sections.LOADERS.append(strategy_sections.load)
sections.LOADERS.append(value_sections.load)
sections.LOADERS.append(initiatives_sections.load)
sections.LOADERS.append(actions_sections.load)
sections.LOADERS.append(priorities_sections.load)
sections.LOADERS.append(agreement_sections.load)
sections.LOADERS.append(comments_sections.load)

router = APIRouter()


def plan_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the plan page and its partials show, in a fixed number of queries."""
    plan = repository.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
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
    for loader in sections.LOADERS:
        context.update(loader(db, actor, access, plan))
    # Computed from what the loaders brought, without a query (DESIGN.md §3.9).
    context["focus_metrics"] = metrics.for_plan(context)
    return context


def render_plan(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    block: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = plan_context(db, actor, access) | extra
    return get_templates(request).render(
        request, "plans/show.html", context, block=block, status_code=status_code
    )


def back_to_plan(request: Request, access: AccountAccess, notice: str, anchor: str) -> Response:
    """After a change without htmx: 303 to the plan page at ``anchor``, with a flash."""
    response = RedirectResponse(f"/accounts/{access.account_id}/plan#{anchor}", status_code=303)
    get_templates(request).flash(response, notice)
    return response


@router.get("/accounts/{account_id}/plan")
def show_plan(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    return render_plan(request, db, actor, access)
