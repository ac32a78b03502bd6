"""The PDF of the plan: the current plan (``/plan.pdf``) and an agreed version
(``/plan/versions/{id}/plan.pdf``), to whoever may read the page it prints, with the same guards.

Plain ``def`` routes: FastAPI runs them in a worker thread, so the rendering (CPU-bound) never
holds the event loop. Both answer an ``ETag`` (the hash of the document's HTML) and 304 to a
reader who has that copy; a version's PDF is made once and then served from memory
(``app.pdf.cache``); when every rendering turn is taken, 503 with ``Retry-After``. A version's PDF is a path below the version's page
(``.../versions/{id}/plan.pdf``), so no route of the agreement's can answer it.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit import downloads
from app.models import PlanVersion
from app.pdf import cache, document, render
from app.permissions.guards import ItemAccess, PlanReader, item_guard
from app.permissions.policy import AccountAccess, Verb
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


def _reader_side(access: AccountAccess) -> str:
    return access.side.value if access.side is not None else "workspace-admin"


def etag_of(html: str) -> str:
    """A strong validator of what a PDF shows: the hash of its HTML (without "printed on")."""
    return '"' + hashlib.sha256(html.encode()).hexdigest()[:40] + '"'


def _unchanged(request: Request, etag: str) -> Response | None:
    """304 when the reader's copy (``If-None-Match``) is this one."""
    held = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in held or "*" in held:
        return Response(status_code=304, headers={"ETag": etag})
    return None


def _download(body: bytes, name: str, etag: str) -> Response:
    response = downloads.attachment(body, media_type="application/pdf", filename=name)
    response.headers["ETag"] = etag  # Cache-Control stays the pages' no-store (signing out)
    return response


@router.get("/accounts/{account_id}/plan.pdf")
def plan_pdf(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    """The current plan; ``ETag`` the hash of what it shows, so an unchanged plan is a 304."""
    plan = current_plan(db, access)
    context = document.of_current(db, actor, access, plan)
    name = file_name(access.account.name, "plan", plan.period)
    # Everything is read: the rendering (seconds for a long plan) holds no connection.
    db.commit()
    templates = get_templates(request)
    etag = etag_of(render.html_of(templates, context | {"now": None}))
    if (unchanged := _unchanged(request, etag)) is not None:
        return unchanged
    return _download(render.pdf_of(templates, context), name, etag)


@router.get("/accounts/{account_id}/plan/versions/{version_id}/plan.pdf")
def version_pdf(
    request: Request, actor: CurrentActor, db: DbSession, checked: ReadVersion
) -> Response:
    """An agreed version: made once per side and content (``cache.VERSIONS``; the HTML's hash
    tells a renamed party or another reader's zone apart), then served from memory."""
    version = checked.item
    context = document.of_version(db, actor, checked.access, version) | {"now": None}
    period = str(context["period"])
    name = file_name(checked.access.account.name, "plan", period, f"version {version.number}")
    db.commit()
    templates = get_templates(request)
    html = render.html_of(templates, context)
    etag = etag_of(html)
    if (unchanged := _unchanged(request, etag)) is not None:
        return unchanged
    key = (version.id, _reader_side(checked.access), etag)
    body = cache.VERSIONS.get(key)
    if body is None:
        body = render.pdf_of_html(html)
        cache.VERSIONS.put(key, body)
    return _download(body, name, etag)
