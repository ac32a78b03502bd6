"""The plan page: the shared plan of an account, starting with the client's priorities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.permissions.guards import PlanReader
from app.plans.page import plan_page

router = APIRouter()


@router.get("/accounts/{account_id}/plan")
def show_plan(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    return plan_page(request, db, actor, access).render()
