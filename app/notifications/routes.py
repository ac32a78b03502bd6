"""The signed-in person's inbox: their notifications, newest first; opening one marks it read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.pages import redirect
from app.notifications import repository, service
from app.web.errors import NotFoundError
from app.web.forms import MAX_ID, safe_next
from app.web.templating import get_templates

router = APIRouter()
PAGE = 50


@router.get("/inbox")
def inbox(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    rows = repository.inbox(db, user_id=actor.id, before=before, limit=PAGE + 1)
    shown = rows[:PAGE]
    older = shown[-1][0].id if len(rows) > PAGE else None
    return get_templates(request).render(
        request,
        "notifications/inbox.html",
        {"notifications": shown, "older": older, "is_first_page": before is None},
    )


@router.post("/inbox/read-all")
def read_all(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    count = service.mark_all_read(db, user=actor.user)
    notice = "Everything in your inbox is marked read." if count else "Nothing was unread."
    return redirect(request, "/inbox", notice)


@router.post("/inbox/{notification_id}/read")
def read_one(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    notification_id: int,
    open_link: Annotated[str, Form(alias="open")] = "",
) -> Response:
    """Mark read; with ``open`` set, go on to what the notification is about."""
    note = repository.get_own(db, user_id=actor.id, notification_id=notification_id)
    if note is None:
        raise NotFoundError()
    service.mark_read(db, notification=note)
    return redirect(request, safe_next(note.link, "/inbox") if open_link else "/inbox")
