"""The API's sub-application, mounted by ``app.main`` at ``/api/v1`` with the main app's state
(its database, settings, live broker): its own OpenAPI 3.1 document at
``/api/v1/openapi.json``, its own errors (problem+json), and no cookies at all: who is asking
is the bearer token's person (``app.api.auth``), so no CSRF token is needed and a browser's
session cannot be used from another site."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import State

from app.api import problems
from app.api.auth import TokenOnly, authenticated
from app.api.uselog import TokenUseLog
from app.health.service import schema_ready
from app.web.forms import ids_in_range

PREFIX = "/api/v1"
DESCRIPTION = """\
Jointplan's JSON API. Authenticate with a personal access token made on your profile page
(`/me`): `Authorization: Bearer <token>`. A token acts as its person and never more: it sees
what the person sees in the browser. A read-only token may only GET.

Errors are `application/problem+json` (RFC 9457). Lists are paged with `?cursor=` (the
`next_cursor` of the page before) and `?limit=`. A change needs `If-Match` with the item's
`ETag`; a create may send an `Idempotency-Key`.
"""


def create_api(state: State, routers: Sequence[APIRouter]) -> FastAPI:
    api = FastAPI(
        title="Jointplan API",
        version="1",
        description=DESCRIPTION,
        openapi_url=None,  # served below, without a token, and without the docs pages
        docs_url=None,
        redoc_url=None,
        servers=[{"url": PREFIX}],
        dependencies=[Depends(schema_ready)],
    )
    api.state = state
    for router in routers:
        # The token first: without one, every address answers 401 alike.
        api.include_router(router, dependencies=[Depends(authenticated), Depends(ids_in_range)])

    def openapi_document() -> JSONResponse:
        if api.openapi_schema is None:
            api.openapi_schema = problems.as_problems(api.openapi())
        return JSONResponse(api.openapi_schema)

    api.add_api_route("/openapi.json", openapi_document, methods=["GET"], include_in_schema=False)
    problems.install(api)
    api.add_middleware(TokenUseLog, state=state)
    # Who is asking, for every guard: the token's person, never a session cookie's.
    api.add_middleware(TokenOnly)
    return api
