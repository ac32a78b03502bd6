"""Who is asking: the session cookie resolved to an ``Actor`` once per request."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.auth import sessions
from app.config import Settings
from app.db import DbSession, after_commit, read_before_writing
from app.permissions.policy import AccountAccess, Actor
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


def account_in_path(request: Request) -> int | None:
    """The account the address names (``/accounts/{account_id}/...``), if it is a number a row
    can have: the account whose access the request's guard will ask for."""
    value = request.path_params.get("account_id")
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


Found = TypeVar("Found")


def read_with_access(
    request: Request,
    db: Session,
    look_up: Callable[[], Found | None],
    user_id: Callable[[Found], int | None],
) -> Found | None:
    """``look_up()`` (the person of the request's session or token), and with it, when the
    address names an account, the person's access to it (``accounts.repository.load_access``),
    kept for the guard (``remember_access``): one read before the request's writing transaction
    (``read_before_writing``), in the worker thread the look-up is in anyway. The guard then
    decides without a query and without a hop of its own (``guards.AccountGuard``)."""
    account_id = account_in_path(request)
    person: int | None = None
    access: AccountAccess | None = None
    # Outside SQLite's write lock (``read_before_writing``): held from the change's first query.
    with read_before_writing(db):
        found = look_up()
        if found is not None and account_id is not None:
            person = user_id(found)
            if person is not None:
                access = accounts_repo.load_access(db, account_id=account_id, user_id=person)
    # After the read's own transaction (on SQLite) ended: what it read is kept for the change.
    if person is not None and account_id is not None:
        accounts_repo.remember_access(db, account_id=account_id, user_id=person, access=access)
    return found


def optional_actor(request: Request, db: DbSession) -> Actor | None:
    if TOKEN_ACTOR in request.scope:
        token_actor: Actor | None = request.scope[TOKEN_ACTOR]
        return token_actor
    request.state.actor = None
    settings: Settings = request.app.state.settings
    token = sessions.cookie(request, settings)
    if not token:
        return None
    found = read_with_access(
        request,
        db,
        lambda: sessions.resolve(db, token=token, settings=settings),
        lambda found: found.user.id,
    )
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
