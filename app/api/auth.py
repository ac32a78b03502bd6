"""Who is asking the API: the person of the bearer token, never a session cookie.

``authenticated`` runs first on every resource route: it counts the request against the
token's rate limit (429 beyond it, ``app.api.ratelimit``), resolves the token (401 when there is
none that works now), notes the use (written down after the answer, with its status, by
``app.api.uselog``), refuses a read-only token anything but GET (403) and marks the audit events of the request's
changes as made through the API. ``optional_actor`` (who is asking, for every guard) then
answers this person: ``TokenOnly`` puts ``TOKEN_ACTOR`` in every API request's scope, empty,
so that no session cookie ever counts there, and ``authenticated`` puts the token's person in
it. Each route goes through the same guards and ``policy.decide`` as the pages, as the token's
person and no one more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import ratelimit, uselog
from app.api.problems import ReadOnlyToken, Unauthorized
from app.apitokens import repository as tokens_repo
from app.audit.service import acting_through
from app.auth.deps import TOKEN_ACTOR, client_ip, read_with_access
from app.db import SAFE_METHODS, DbSession
from app.models import ApiToken, TokenScope
from app.permissions.policy import Actor
from app.tokens import token_hash

# Documents the scheme in the OpenAPI document; the check is ours (a missing or malformed
# header is the same 401 problem as a bad token).
BEARER = HTTPBearer(auto_error=False, description="A personal access token, made on /me.")


@dataclass(frozen=True)
class TokenUse:
    token: ApiToken
    actor: Actor


def authenticated(
    request: Request,
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> TokenUse:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    # Counted before the request's transaction starts (its own, so it never waits on ours).
    limit = request.app.state.settings.api_requests_per_minute
    ratelimit.check(request.app.state.db, token_hash(credentials.credentials), limit)
    # Outside the write lock on SQLite, with the access to the account asked for, as a
    # session's lookup is (``read_with_access``).
    secret = credentials.credentials
    found = read_with_access(
        request, db, lambda: tokens_repo.resolve(db, secret=secret), lambda found: found.user.id
    )
    if found is None:
        raise Unauthorized()
    token = found.token
    assert token.id is not None
    uselog.note(
        request,
        tokens_repo.Use(
            token.id,
            request.method,
            uselog.route_of(request),
            client_ip(request),
            found.needs_touch,
        ),
    )
    if token.scope != TokenScope.WRITE and request.method not in SAFE_METHODS:
        raise ReadOnlyToken()
    # The other side reads shared events' actor labels: the means only, never the token's name
    # or prefix, which are the person's own.
    acting_through(db, "through the API")
    actor = Actor.of(found.user, home_zone=found.home_zone, currency=found.currency)
    request.state.actor = request.scope[TOKEN_ACTOR] = actor
    return TokenUse(token, actor)


Authenticated = Annotated[TokenUse, Depends(authenticated)]


class TokenOnly:
    """Marks each request of the API as one whose person is its token's (``TOKEN_ACTOR``,
    empty until ``authenticated`` resolves the token): ``optional_actor`` never reads a session
    cookie there. (Not FastAPI's ``dependency_overrides``, which analyses every dependency of
    a route again at each request.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[TOKEN_ACTOR] = None
        await self.app(scope, receive, send)
