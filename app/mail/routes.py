"""The workspace admin's page of mail that could not be delivered (``/admin/mail``), and the
development mailbox: in development without SMTP, sent mail is read there."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import SettingsDep
from app.db import DbSession
from app.mail import repository, service
from app.mail.service import MailProblem
from app.permissions.guards import MailManager
from app.web.errors import NotFoundError
from app.web.templating import get_templates

router = APIRouter()
public = APIRouter()


@public.get("/dev/mailbox")
def mailbox(request: Request, db: DbSession, settings: SettingsDep) -> Response:
    if not settings.dev_mailbox_enabled:
        raise NotFoundError()
    return get_templates(request).render(
        request, "mail/mailbox.html", {"messages": repository.recent(db, limit=50)}
    )


# --- The workspace admin's page of undelivered mail ---------------------------------------

PAGE = "/admin/mail"
# The page shows the newest of them; older failures are rare and still in the table.
LIMIT = 200


@router.get(PAGE)
def undelivered(request: Request, actor: MailManager, db: DbSession) -> Response:
    """Failed and still-retrying mail of the admin's workspace: who, what, how often, why —
    never the body (it may hold a sign-in link)."""
    assert actor.workspace_id is not None
    rows = repository.troubled_in_workspace(db, workspace_id=actor.workspace_id, limit=LIMIT)
    return get_templates(request).render(
        request,
        "admin/mail.html",
        {
            "rows": [
                {
                    "message": message,
                    "account": account,
                    "sender": sender,
                    "error": service.short_error(message, limit=300),
                    "can_send_again": service.can_send_again(message),
                    "expired": service.is_expired(message),
                }
                for message, account, sender in rows
            ],
            "limit": LIMIT,
        },
    )


@router.post(PAGE + "/{message_id}/send-again")
def send_again(request: Request, actor: MailManager, db: DbSession, message_id: int) -> Response:
    assert actor.workspace_id is not None
    message = repository.get_in_workspace(
        db, workspace_id=actor.workspace_id, message_id=message_id
    )
    if message is None:
        raise NotFoundError()
    response = RedirectResponse(PAGE, status_code=303)
    try:
        service.send_again(db, actor=actor.user, message=message)
    except MailProblem as problem:
        get_templates(request).flash(response, problem.message, kind="error")
        return response
    get_templates(request).flash(
        response, f"The e-mail to {message.to_address} is being sent again."
    )
    return response
