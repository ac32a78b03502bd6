"""The account's audit page and its chain check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.audit import checkpoint, export, repository, service
from app.audit.chain import chain_for
from app.auth.deps import SettingsDep
from app.db import DbSession
from app.kit.downloads import file_name
from app.models import utcnow
from app.permissions.guards import AuditReader, AuditVerifier
from app.web.templating import get_templates, is_htmx

router = APIRouter()
PAGE = 50


def _page_context(db: DbSession, access: AuditReader, page: int) -> dict[str, object]:
    events = repository.list_for_account(
        db,
        account_id=access.account_id,
        visibilities=access.visibilities,
        offset=(page - 1) * PAGE,
        limit=PAGE + 1,
    )
    return {
        "access": access,
        "account": access.account,
        "events": events[:PAGE],
        "page": page,
        "has_older": len(events) > PAGE,
    }


@router.get("/accounts/{account_id}/audit")
def audit_page(
    request: Request,
    access: AuditReader,
    db: DbSession,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    return get_templates(request).render(
        request, "audit/list.html", _page_context(db, access, page)
    )


@router.get("/accounts/{account_id}/audit/export.jsonl")
def export_trail(request: Request, access: AuditReader, settings: SettingsDep) -> Response:
    """The audit trail the reader may read, as JSON Lines to verify offline (``jointplan audit
    verify --file``): the whole chain for the vendor side, the shared events chained afresh
    for a client (``app.audit.export``); signed when the deployment has a signing key.
    Streamed a batch of events at a time: a long trail is never built in memory."""
    exported_at = utcnow()
    lines = export.lines(
        request.app.state.db,
        account_id=access.account_id,
        visibilities=access.visibilities,
        exported_at=exported_at,
        key=checkpoint.existing_signing_key(settings),
    )
    name = file_name(
        access.account.name, "audit", exported_at.strftime("%Y-%m-%d-%H%M%S"), suffix=".jsonl"
    )
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    headers["X-Content-Type-Options"] = "nosniff"
    return StreamingResponse(lines, media_type="application/jsonl; charset=utf-8", headers=headers)


@router.get("/accounts/{account_id}/audit/verify")
def verify(request: Request, access: AuditVerifier, db: DbSession) -> Response:
    """htmx swaps the result into the audit page; without JavaScript the link opens the audit
    page itself with the result on it."""
    report = service.verify_chain(db, chain_for(access.account_id))
    if is_htmx(request):
        context = {"access": access, "account": access.account, "report": report}
        return get_templates(request).render(
            request, "audit/list.html", context, block="verify_result"
        )
    context = _page_context(db, access, 1) | {"report": report}
    return get_templates(request).render(request, "audit/list.html", context)
