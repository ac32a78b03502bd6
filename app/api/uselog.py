"""The token-use log: every request made with a working token is written down (time, method,
the route's path template, the answer's status, the caller's address) for its person to read
on /me (``app.apitokens.repository.uses``).

``authenticated`` leaves the use in the request's scope once the token is resolved; this
middleware, around the whole sub-application, writes it when the answer has been sent, with
the status it had, refusals (403, 404, 412, ...) and server errors included: one insert in a
transaction of its own (``app.apitokens.repository.record``), run in a worker thread. A
failure to write it is logged, never turned into an error for the caller (the answer is
already sent). Requests without a working token (401) have no token to write it against.
"""

from __future__ import annotations

import logging

import anyio
from starlette.datastructures import State
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.apitokens import repository as tokens_repo
from app.db import database_unreachable, one_line

log = logging.getLogger(__name__)

SCOPE_KEY = "jp_token_use"


def note(request: Request, use: tokens_repo.Use) -> None:
    """Have this request written down as a use of the token (``authenticated`` calls it)."""
    request.scope[SCOPE_KEY] = use


def route_of(request: Request) -> str:
    """The matched route's path template ('/accounts/{account_id}/actions'), not its ids."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "")) or "?"


class TokenUseLog:
    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless an answer starts: the server error handler answers outside

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            use = scope.get(SCOPE_KEY)
            if isinstance(use, tokens_repo.Use):
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self._record, use, status)

    def _record(self, use: tokens_repo.Use, status: int) -> None:
        try:
            tokens_repo.record(self.state.db, use, status)
        except Exception as exc:
            if not database_unreachable(exc):
                log.exception("could not write down a use of API token %s", use.token_id)
            else:
                log.warning("token use not written: %s", one_line(exc))
