"""Engine and the request transaction.

One request is one transaction: handlers and services only ``flush``; ``request_session``
commits when the handler returned, rolls back when it raised, and only then runs the
callbacks registered with ``after_commit`` (e-mail wake-ups, live events).

SQLite runs in WAL mode. A transaction that may write starts with ``BEGIN IMMEDIATE`` so that
writers queue on the busy timeout instead of failing with "database is locked" when a read
transaction tries to upgrade; read-only requests start ``BEGIN DEFERRED`` and never block.
A read-only session refuses to flush changes: no state changes on GET.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 30_000


class ReadOnlySessionError(RuntimeError):
    pass


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver: we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("jp_writes", True) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine and how sessions are made from it; kept on ``app.state.db``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Set by the running app: wakes the mail dispatcher once queued mail has committed.
        self.on_mail_queued: Callable[[], None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, writes: bool = True) -> Session:
        bind = self.engine.execution_options(jp_writes=writes)
        session = Session(bind=bind, expire_on_commit=False)
        session.info["writes"] = writes
        session.info["db"] = self
        return session

    def dispose(self) -> None:
        self.engine.dispose()


@event.listens_for(OrmSession, "before_flush")
def _refuse_writes_in_read_sessions(session: OrmSession, *_args: Any) -> None:
    if session.info.get("writes") is False and (session.new or session.dirty or session.deleted):
        raise ReadOnlySessionError("a read-only request tried to change data")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the request's transaction has committed (never on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


def run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


_Select = TypeVar("_Select", bound=sa.Select[Any])


def for_write(session: Session, statement: _Select) -> _Select:
    """Lock the rows an item query selects until commit, when the request writes.

    This is what makes "no lost updates" hold on PostgreSQL: two edits of one item based on the
    same version queue on the row lock, and the second sees the first's new version and is
    refused. (SQLite's writers are already serialised by ``BEGIN IMMEDIATE``.) Reading requests
    take no lock.
    """
    if session.info.get("writes"):
        return statement.with_for_update()
    return statement


def writes_on_get(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET endpoint that must write (the OpenID Connect callback signs a person in)."""
    endpoint.jp_writes_on_get = True  # type: ignore[attr-defined]
    return endpoint


def _request_writes(request: Request) -> bool:
    if request.method not in SAFE_METHODS:
        return True
    return bool(getattr(request.scope.get("endpoint"), "jp_writes_on_get", False))


def request_session(request: Request) -> Iterator[Session]:
    db: Database = request.app.state.db
    session = db.session(writes=_request_writes(request))
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    run_after_commit(session)


DbSession = Annotated[Session, Depends(request_session, scope="function")]
