"""The development mailbox: in development without SMTP, sent mail is read here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import SettingsDep
from app.db import DbSession
from app.mail import repository
from app.web.errors import NotFoundError
from app.web.templating import get_templates

public = APIRouter()


@public.get("/dev/mailbox")
def mailbox(request: Request, db: DbSession, settings: SettingsDep) -> Response:
    if not settings.dev_mailbox_enabled:
        raise NotFoundError()
    return get_templates(request).render(
        request, "mail/mailbox.html", {"messages": repository.recent(db, limit=50)}
    )
