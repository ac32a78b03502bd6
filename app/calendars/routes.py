"""The personal calendar feed at its secret address (public: a calendar app has no session)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.calendars import feed
from app.db import DbSession
from app.tokens import token_hash
from app.users import repository as users_repo
from app.web.errors import NotFoundError

public = APIRouter()


@public.get("/calendar/{token}.ics")
def calendar_feed(token: str, db: DbSession) -> Response:
    """The feed of the person whose feed has this token; 404 for an unknown, rotated or
    turned-off address and for a disabled person, exactly like a missing one. No session is
    read or needed: the address is the only credential."""
    user = users_repo.calendar_feed_owner(db, token_hash=token_hash(token))
    if user is None:
        raise NotFoundError()
    body = feed.ics(db, user, feed.entries(db, user))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'inline; filename="jointplan.ics"',
            "X-Robots-Tag": "noindex",
        },
    )
