"""The development mailbox: sent mail kept on a page, for trying Jointplan without SMTP.

It exists only when turned on (``JP_DEV_MAILBOX=1``) in development without SMTP, and even then
answers only a workspace admin at the machine itself (the loopback address, reached directly,
not through a proxy). Everyone else gets the same 404 as an unknown address: the page shows
password-reset and invitation links, so whoever reads it can sign in as anyone.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import OptionalActor
from app.config import Settings
from app.db import DbSession
from app.mail import repository
from app.permissions.policy import Actor
from app.web.errors import NotFoundError
from app.web.templating import get_templates

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
