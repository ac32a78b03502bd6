"""Whether the database's schema is the one this code needs, as this process last saw it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from app.db import Database, database_unreachable, one_line
from app.migrations import SchemaStatus, schema_status
from app.web.errors import SchemaBehindError

log = logging.getLogger(__name__)

NEWER_SCHEMA = (
    "The database schema is newer than this version of Jointplan: run the version that migrated it."
)


class SchemaWatch:
    """Checked at start-up; kept on ``app.state.schema``.

    Once the schema was seen at head, a request pays nothing for this: it is looked at again only
    when a query fails on a table or column that does not exist (``app.web.handlers``), the sign
    of a database restored or downgraded under the running app. While it is not at head (or was
    never seen because the database did not answer), every request looks again first (two small
    queries; see ``schema_ready``), so the app serves as soon as ``jointplan migrate`` has run,
    without a restart, and every page says to migrate until then. (A timed cache would cost as
    little but could serve pages on a schema gone behind, and keep refusing after a migration.)
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.status: SchemaStatus | None = None
        self._lock = threading.Lock()

    def check(self) -> SchemaStatus:
        """Read the database's revision now (database errors propagate)."""
        with self.db.session(writes=False) as session:
            status = schema_status(session.connection())
        with self._lock:
            previous, self.status = self.status, status
        if status != previous:
            if not status.current:
                log.error("%s", status.problem)  # once per change, not once per request
            elif previous is not None:
                log.info("the database schema is at head again")
        return status

    def check_at_start(self) -> None:
        """The server starts whatever the answer; what is wrong is logged in one line."""
        try:
            self.check()
        except Exception as exc:
            if not database_unreachable(exc):
                raise
            log.warning(
                "the database is not answering at start-up (%s); pages answer 503 until it does",
                one_line(exc),
            )

    def require_current(self, *, recheck: bool = False) -> None:
        """Raise ``SchemaBehindError`` unless the schema is at head (free once it was, unless
        ``recheck``)."""
        status = self.status
        if recheck or status is None or not status.current:
            status = self.check()
        if not status.current:
            raise SchemaBehindError(None if status.behind else NEWER_SCHEMA)


def serves_without_schema(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an endpoint that answers whatever the schema (the health checks)."""
    endpoint.jp_serves_without_schema = True  # type: ignore[attr-defined]
    return endpoint


async def schema_ready(request: Request) -> None:
    """App-wide dependency, first of all: every page answers 503 "run `jointplan migrate`" while
    the schema is not at head, including the pages that do not read the database (a form would
    only fail once sent). Once the schema was seen at head this is one attribute read, on the
    event loop; only a check that needs the database goes to a worker thread."""
    if getattr(request.scope.get("endpoint"), "jp_serves_without_schema", False):
        return
    watch: SchemaWatch = request.app.state.schema
    status = watch.status
    if status is None or not status.current:
        await run_in_threadpool(watch.require_current)
