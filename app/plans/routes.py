"""The plan page: the shared plan of an account, starting with the client's priorities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor, background
from app.db import DbSession
from app.kit.pages import Fragment
from app.permissions.guards import PlanReader
from app.plans.page import TEMPLATE, plan_page
from app.web.errors import NotFoundError

router = APIRouter()


@router.get("/accounts/{account_id}/plan")
def show_plan(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    return plan_page(request, db, actor, access).render()


# The plan page's sections, each fetched alone by the page when its live stream says it changed.
SECTIONS = {
    "agreement": Fragment("agreement/_section.html"),
    "focus": Fragment("plans/_focus.html"),
    "strategy": Fragment("strategy/_section.html"),
    "priorities": Fragment(TEMPLATE, "priorities"),
    "value": Fragment("value/_section.html"),
    "key-account": Fragment("keyaccount/_section.html"),
    "initiatives": Fragment("initiatives/_section.html"),
    "actions": Fragment("actions/_section.html"),
}


@router.get("/accounts/{account_id}/plan/sections/{section}")
@background
def show_section(
    request: Request, actor: CurrentActor, access: PlanReader, db: DbSession, section: str
) -> Response:
    """One section of the plan page (for htmx; the whole page otherwise). The live updates
    fetch it by themselves, so it does not count as the person's activity."""
    if section not in SECTIONS:
        raise NotFoundError()
    return plan_page(request, db, actor, access).render(SECTIONS[section])
