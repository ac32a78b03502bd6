"""The PDF of the plan: the current plan (``/plan.pdf``) and an agreed version
(``/plan/versions/{id}/plan.pdf``), to whoever may read the page it prints, with the same guards.

Plain ``def`` routes: FastAPI runs them in a worker thread, so the rendering (CPU-bound) never
holds the event loop. A version's PDF is a path below the version's page
(``.../versions/{id}/plan.pdf``), so no route of the agreement's can answer it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit import downloads
from app.models import PlanVersion
from app.pdf import document
from app.pdf.render import pdf_of
from app.permissions.guards import ItemAccess, PlanReader, item_guard
from app.permissions.policy import Verb
from app.plans.page import current_plan
from app.web.templating import get_templates

router = APIRouter()
ReadVersion = Annotated[
    ItemAccess[PlanVersion], item_guard(Verb.PLAN_VIEW, PlanVersion, "version_id")
]


def file_name(*parts: str) -> str:
    """A safe file name from ``parts``, ending in .pdf ("Bücher & Co", "FY2027" →
    "bucher-co-fy2027.pdf")."""
    return downloads.file_name(*parts, suffix=".pdf", default="plan")


def _answer(request: Request, db: Session, context: dict[str, object], name: str) -> Response:
    # Everything is read: the rendering (seconds for a long plan) holds no connection.
    db.commit()
    body = pdf_of(get_templates(request), context)
    return downloads.attachment(body, media_type="application/pdf", filename=name)


@router.get("/accounts/{account_id}/plan.pdf")
def plan_pdf(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    plan = current_plan(db, access)
    context = document.of_current(db, actor, access, plan)
    return _answer(request, db, context, file_name(access.account.name, "plan", plan.period))


@router.get("/accounts/{account_id}/plan/versions/{version_id}/plan.pdf")
def version_pdf(
    request: Request, actor: CurrentActor, db: DbSession, checked: ReadVersion
) -> Response:
    version = checked.item
    context = document.of_version(db, actor, checked.access, version)
    period = str(context["period"])
    name = file_name(checked.access.account.name, "plan", period, f"version {version.number}")
    return _answer(request, db, context, name)
