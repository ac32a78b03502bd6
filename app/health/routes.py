"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: the database answers and its
schema is at head), for load balancers and process managers; public, tiny, never cached."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from app.db import database_unreachable, one_line
from app.health.service import SchemaWatch, serves_without_schema
from app.migrations import MIGRATE_HINT

log = logging.getLogger(__name__)

public = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}


@public.get("/healthz")
@serves_without_schema
async def healthz() -> PlainTextResponse:
    # Answered on the event loop without the database or a worker thread: a database outage or
    # busy workers must not make a process manager restart a live server.
    return PlainTextResponse("ok\n", headers=NO_STORE)


@public.get("/readyz")
@serves_without_schema
def readyz(request: Request) -> PlainTextResponse:
    watch: SchemaWatch = request.app.state.schema
    try:
        status = watch.check()
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        # Public: the reason only, not the database's address (that goes to the log).
        log.warning("readiness: the database is not answering (%s)", one_line(exc))
        return _not_ready("database unreachable")
    if status.behind:
        return _not_ready(f"database schema behind: {MIGRATE_HINT}")
    if not status.current:
        return _not_ready("database schema newer than this version of Jointplan")
    return PlainTextResponse("ready\n", headers=NO_STORE)


def _not_ready(reason: str) -> PlainTextResponse:
    return PlainTextResponse(f"{reason}\n", status_code=503, headers=NO_STORE)
