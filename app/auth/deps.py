"""Who is asking: the session cookie resolved to an ``Actor`` once per request."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from app.auth import sessions
from app.config import Settings
from app.db import DbSession, after_commit, read_before_writing
from app.permissions.policy import Actor
from app.web.errors import SignInRequired

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
BACKGROUND = "_jointplan_background"


# The dependencies that only look at the request are ``async``: FastAPI runs a plain ``def``
# dependency in a worker thread, and that hop (queue, thread, wake-up of the event loop) costs
# more than what they do. Those that query the database stay plain: off the event loop.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def background(endpoint: Endpoint) -> Endpoint:
    """Marks a route a page calls by itself, not the person (the plan page's event stream and
    presence): it does not count as activity, so a page left open neither keeps its session
    alive past the idle limit nor hides that nobody is there."""
    setattr(endpoint, BACKGROUND, True)
    return endpoint


def is_background(request: Request) -> bool:
    return bool(getattr(request.scope.get("endpoint"), BACKGROUND, False))


# The API's requests (``app.api``) name who asks by a bearer token, never by a session cookie:
# the API puts this key in the scope of each of its requests (None), and its check of the token
# puts the token's person there, before any guard asks who is asking.
TOKEN_ACTOR = "jointplan.token_actor"


def optional_actor(request: Request, db: DbSession, settings: SettingsDep) -> Actor | None:
    if TOKEN_ACTOR in request.scope:
        token_actor: Actor | None = request.scope[TOKEN_ACTOR]
        return token_actor
    request.state.actor = None
    token = sessions.cookie(request, settings)
    if not token:
        return None
    # Outside SQLite's write lock (``read_before_writing``): held from the change's first query.
    with read_before_writing(db):
        found = sessions.resolve(db, token=token, settings=settings)
    if found is None:
        return None
    if sessions.needs_touch(found) and not is_background(request):
        after_commit(db, partial(sessions.touch, request.app.state.db, found.session_id))
    actor = Actor.of(
        found.user, unread=found.unread, home_zone=found.home_zone, currency=found.currency
    )
    request.state.actor = actor
    request.state.session_token = token
    return actor


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


async def current_actor(actor: OptionalActor) -> Actor:
    if actor is None:
        raise SignInRequired()
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def actor_for_error_page(request: Request) -> Actor | None:
    """Who is signed in, for a page answered before any route ran (an unknown address), so the
    error page still shows the person's navigation. Reads only."""
    settings: Settings = request.app.state.settings
    token = sessions.cookie(request, settings)
    if not token:
        return None
    with request.app.state.db.session(writes=False) as db:
        found = sessions.resolve(db, token=token, settings=settings)
        if found is None:
            return None
        return Actor.of(
            found.user, unread=found.unread, home_zone=found.home_zone, currency=found.currency
        )
