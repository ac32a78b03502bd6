"""The plan page: the shared plan of an account, starting with the client's priorities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.models import Horizon, Importance
from app.permissions.guards import PlanReader
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import repository
from app.priorities import repository as priorities_repo
from app.priorities.schemas import PriorityForm
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates

router = APIRouter()


def plan_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    plan = repository.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    assert plan.id is not None
    can_write = may(actor, access, Verb.PRIORITIES_WRITE)
    return {
        "access": access,
        "account": access.account,
        "plan": plan,
        "priorities": priorities_repo.ranked(db, plan_id=plan.id),
        "can_write_priorities": can_write,
        "owners": priorities_repo.client_people(db, account_id=access.account_id)
        if can_write
        else [],
        "importances": list(Importance),
        "horizons": list(Horizon),
        "form": PriorityForm(),
        "errors": FormErrors(),
        "notice": "",
    }


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


@router.get("/accounts/{account_id}/plan")
def show_plan(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    return render_plan(request, db, actor, access)
