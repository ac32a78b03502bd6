"""The workspace admin's page of mail that could not be delivered (``/admin/mail``), and the
development mailbox: sent mail kept on a page, for trying Jointplan without SMTP.

The mailbox exists only when turned on (``JP_DEV_MAILBOX=1``) in development without SMTP, and
even then answers only a workspace admin at the machine itself (the loopback address, reached
directly, not through a proxy). Everyone else gets the same 404 as an unknown address: the page
shows password-reset and invitation links, so whoever reads it can sign in as anyone.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import OptionalActor
from app.config import Settings
from app.db import DbSession
from app.kit.pages import redirect
from app.mail import repository, service
from app.mail.service import MailProblem
from app.permissions.guards import MailManager
from app.permissions.policy import Actor
from app.web.errors import NotFoundError, or_404
from app.web.templating import get_templates

router = APIRouter()
dev = APIRouter()

PATH = "/dev/mailbox"
# A request that came through a proxy is not from this machine, whatever its peer address says.
_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def from_this_machine(request: Request) -> bool:
    if request.client is None or any(h in request.headers for h in _PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def may_read(request: Request, actor: Actor | None) -> bool:
    """Whether this request may see the mailbox (the route and the footer link ask this)."""
    settings: Settings = request.app.state.settings
    return bool(
        settings.dev_mailbox_enabled
        and actor is not None
        and actor.is_workspace_admin
        and from_this_machine(request)
    )


@dev.get(PATH)
def mailbox(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    if not may_read(request, actor):
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
    message = or_404(
        repository.get_in_workspace(db, workspace_id=actor.workspace_id, message_id=message_id)
    )
    try:
        service.send_again(db, actor=actor.user, message=message)
    except MailProblem as problem:
        return redirect(request, PAGE, problem.message, kind="error")
    return redirect(request, PAGE, f"The e-mail to {message.to_address} is being sent again.")
