"""Engine and the request transaction.

One request is one transaction: handlers and services only ``flush``; ``request_session``
commits when the handler returned, rolls back when it raised, and only then runs the
callbacks registered with ``after_commit`` (e-mail wake-ups, live events).

SQLite runs in WAL mode. A transaction that may write starts with ``BEGIN IMMEDIATE`` so that
writers queue on the busy timeout instead of failing with "database is locked" when a read
transaction tries to upgrade; read-only requests start ``BEGIN DEFERRED`` and never block.
Within one process, writers first take their turn on the engine's ``WriterTurn``: SQLite's own
busy handler polls every 100 ms after a few tries, so under load an early waiter loses to fresh
ones again and again and times out while later writers pass; the turn lets them through in order
and leaves the busy timeout to other processes. Between processes on one file (workers,
instances, the command line) a writer also takes its ``ProcessTurn``, a lock file beside the
database, which hands the lock on within a millisecond where SQLite's busy handler sleeps.
A read-only session refuses to flush changes: no state changes on GET.

When the database cannot be reached (``database_unreachable``), the request's error is answered
503 by ``app.web.handlers``; a new PostgreSQL connection gives up after
``POSTGRES_CONNECT_TIMEOUT_SECONDS`` and a pooled one is pinged before use, so a request never
waits long on a dead database and the first request after it returns gets a working connection.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import anyio
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 30_000
# libpq waits forever by default (two minutes when packets to the host are dropped).
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
# PostgreSQL's "undefined table" and "undefined column": code newer than the schema.
_UNDEFINED_OBJECT_SQLSTATES = frozenset({"42P01", "42703"})


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
    if "connect_timeout" not in sa.make_url(url).query:
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
    return sa.create_engine(url, **kwargs)


def undefined_object(exc: BaseException) -> bool:
    """A query named a table or column the database does not have (its schema is behind)."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _UNDEFINED_OBJECT_SQLSTATES:
        return True
    return isinstance(exc, sa.exc.OperationalError) and str(exc.orig).startswith(
        ("no such table", "no such column")
    )


def database_unreachable(exc: BaseException) -> bool:
    """The database could not be reached or could not serve this transaction right now: the
    connection failed or broke, the pool had none free in time, or (SQLite) the file could not be
    opened, read or written, or stayed locked past the busy timeout. Nothing of the transaction
    was saved; trying again later is the answer."""
    if isinstance(exc, sa.exc.TimeoutError | sa.exc.DisconnectionError):
        return True
    if not isinstance(exc, sa.exc.DBAPIError) or undefined_object(exc):
        return False
    return exc.connection_invalidated or isinstance(
        exc, sa.exc.OperationalError | sa.exc.InterfaceError
    )


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

    path = engine.url.database or ""
    shared = path not in ("", ":memory:") and not path.startswith("file:")
    writers = _SqliteWriters(f"{path}-writer.lock" if shared else None)
    event.listen(engine, "begin", writers.begin)
    event.listen(engine, "commit", writers.commit)
    event.listen(engine, "rollback", writers.rollback)
    # A connection that breaks or is closed mid-transaction may never see its rollback.
    event.listen(engine, "reset", writers.reset)
    for gone in ("checkin", "invalidate", "close"):
        event.listen(engine, gone, writers.gone)


class _SqliteWriters:
    """How a transaction on one SQLite engine begins and ends: one that may write first takes
    this process's ``WriterTurn`` and (a database file: ``lock_path``) the processes'
    ``ProcessTurn``, then ``BEGIN IMMEDIATE``; one that only reads begins ``DEFERRED``."""

    def __init__(self, lock_path: str | None) -> None:
        self.turn = WriterTurn(SQLITE_BUSY_TIMEOUT_MS / 1000)
        self.process = ProcessTurn(lock_path, SQLITE_BUSY_TIMEOUT_MS / 1000) if lock_path else None

    def begin(self, conn: sa.Connection) -> None:
        if not conn.get_execution_options().get("jp_writes", True):
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        self.turn.take(conn.info)
        try:
            if self.process is not None:
                self.process.take(conn.info)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.give_back(conn.info)
            raise

    def commit(self, conn: sa.Connection) -> None:
        self._end(conn, "commit")

    def rollback(self, conn: sa.Connection) -> None:
        self._end(conn, "rollback")

    def _end(self, conn: sa.Connection, how: str) -> None:
        """SQLAlchemy signals a commit (or rollback) before it sends it. A writer handed the
        turn then would find SQLite's lock still held and sleep in SQLite's busy handler (1 ms,
        then 2, then 5) while the lock sat idle. So the transaction ends here, and only then
        is the turn passed on; SQLAlchemy's own commit finds nothing left to do (the driver's
        commit outside a transaction is a no-op). Should it fail here, the turn stays until
        SQLAlchemy's own attempt fails again or succeeds and the rollback or the connection's
        return to the pool (``gone``) passes it on."""
        if conn.info.get(WriterTurn._KEY):
            try:
                getattr(conn.connection.dbapi_connection, how)()
            except sqlite3.Error:
                return
        self.give_back(conn.info)

    def gone(self, _dbapi_connection: Any, record: Any, *_more: Any) -> None:
        if record is not None:
            self.give_back(record.info)

    def reset(self, dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        # Three parameters: with two SQLAlchemy would take it for the event's old signature.
        self.gone(dbapi_connection, record)

    def give_back(self, info: dict[Any, Any]) -> None:
        if self.process is not None:
            self.process.give_back(info)
        self.turn.give_back(info)


class WriterTurn:
    """One SQLite writer of this process at a time, served first come, first served.

    ``take`` marks the connection (its ``info``) as the holder; ``give_back`` passes the turn on
    only for the holder, so it can be called from every place a transaction may end."""

    _KEY = "jp_writer_turn"

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def take(self, info: dict[Any, Any]) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                info[self._KEY] = True
                return
            mine = threading.Event()
            self._waiting.append(mine)
        if not mine.wait(self._timeout):
            with self._mutex:
                if not mine.is_set():  # not handed the turn while timing out
                    self._waiting.remove(mine)
                    raise sa.exc.OperationalError(
                        "BEGIN IMMEDIATE",
                        None,
                        sqlite3.OperationalError("database is locked (by this process's writers)"),
                    )
        info[self._KEY] = True

    def give_back(self, info: dict[Any, Any]) -> None:
        if not info.pop(self._KEY, False):
            return
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes on: still held
            else:
                self._held = False


class ProcessTurn:
    """The turn of this process's writer among the processes on one SQLite file (the workers
    and instances of ``jointplan serve``, the command line): an exclusive ``flock`` on a lock
    file beside the database, asked for every half millisecond.

    Without it a process waits in SQLite's busy handler, which sleeps 100 ms at a time after a
    few tries: the lock changes hands hundreds of times a second, so a waiter wakes to find it
    taken again, and two instances posting comments saw p95 near 2 s. Taken after this
    process's ``WriterTurn`` (one thread per process asks), given back before it; a waiter
    past the busy timeout is refused as SQLite would refuse it ("database is locked")."""

    _KEY = "jp_process_turn"
    POLL_SECONDS = 0.0005

    def __init__(self, path: str, timeout_seconds: float) -> None:
        self._path = path
        self._timeout = timeout_seconds
        self._fd: int | None = None
        self._pid = 0
        self._released = 0.0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def take(self, info: dict[Any, Any]) -> None:
        fd = self._file()
        # This process just let go: its next writer leaves the other processes' waiters a
        # poll's time to take the lock first, or one busy process would keep it for itself.
        pause = self._released + 2 * self.POLL_SECONDS - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sa.exc.OperationalError(
                        "BEGIN IMMEDIATE",
                        None,
                        sqlite3.OperationalError("database is locked (by another process)"),
                    ) from None
                time.sleep(self.POLL_SECONDS)
        info[self._KEY] = True

    def give_back(self, info: dict[Any, Any]) -> None:
        if info.pop(self._KEY, False) and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._released = time.monotonic()


class Database:
    """The engine and how sessions are made from it; kept on ``app.state.db``."""

    def __init__(self, engine: Engine, *, base_url: str = "") -> None:
        self.engine = engine
        # Where the app is served (``Settings.base_url``): links in e-mail are made absolute
        # with it (``absolute_url``), so no service is handed the address by its caller.
        self.base_url = base_url
        # Set by the running app: wakes the mail dispatcher once queued mail has committed.
        self.on_mail_queued: Callable[[], None] | None = None
        # Set by the running app: wakes the webhook dispatcher once queued deliveries committed.
        self.on_webhook_queued: Callable[[], None] | None = None
        # Set by the running app: tells this instance's live streams that an account's events
        # committed (SQLite only; PostgreSQL announces them with NOTIFY, see ``app.live``).
        self.on_live_event: Callable[[int], None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def bind_for(self, *, writes: bool) -> sa.Engine | sa.Connection:
        """What a session that writes (or only reads) runs on: on SQLite, the option says
        which BEGIN its transactions start with."""
        return self.engine.execution_options(jp_writes=writes)

    def session(self, *, writes: bool = True) -> Session:
        session = Session(bind=self.bind_for(writes=writes), expire_on_commit=False)
        session.info["writes"] = writes
        session.info["db"] = self
        return session

    def dispose(self) -> None:
        self.engine.dispose()


@event.listens_for(OrmSession, "before_flush")
def _refuse_writes_in_read_sessions(session: OrmSession, *_args: Any) -> None:
    if session.new or session.dirty or session.deleted:
        require_writes(session)


_MEMOS = "jp_memos"


def memo(session: OrmSession, name: str) -> dict[Any, Any]:
    """A dictionary named ``name`` that lives as long as the session's transaction: what a
    request has read once (the account's access, the current plan), so that the guard and the
    handler of one request do not send the same query twice. Emptied when the transaction
    ends (``_forget_memos``), so nothing read under one transaction is trusted in the next;
    but for what a request reads on purpose before its writing transaction
    (``read_before_writing``), which it keeps for that transaction (the guard's access:
    ``app.permissions.guards.load_access``)."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(_MEMOS, {})
    return memos.setdefault(name, {})


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_memos(session: OrmSession, transaction: Any) -> None:
    # Not at the end of the subtransaction every flush opens; at a savepoint's, to be safe.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_MEMOS, None)


@contextmanager
def read_before_writing(session: Session) -> Iterator[None]:
    """Run the block's reads in a transaction of their own, before a writing request's own.

    On SQLite a writing transaction holds the write lock of the whole database from its first
    statement (``BEGIN IMMEDIATE``) to its commit, and every other writer, of this process or
    another, waits for it. A request's first statement is the lookup of its session (or of the
    API's token), and the request then goes back and forth between the event loop and worker
    threads (its guard, its handler) before it commits. The lookup, and the guard's reading
    of the person's membership (``app.permissions.guards.load_access``), decide nothing the
    change relies on that a write lock would protect (a session or a membership ended
    meanwhile is as if the request came a moment earlier, as on PostgreSQL, where neither
    takes a lock), so on SQLite each reads in a ``DEFERRED`` transaction that ends here, and
    the write lock is taken from the change's own first statement (the plan's or the item's
    locked read). The objects read stay in the session (its identity map).

    Elsewhere (PostgreSQL, a reading request, a session already in a transaction) the block
    runs as it is: PostgreSQL locks rows, not the database, and a commit more would be a round
    trip more."""
    db = session.info.get("db")
    if not (
        session.info.get("writes")
        and isinstance(db, Database)
        and db.is_sqlite
        and not session.in_transaction()
    ):
        yield
        return
    session.bind = db.bind_for(writes=False)
    try:
        yield
        session.commit()
    finally:
        session.bind = db.bind_for(writes=True)


def require_writes(session: OrmSession) -> None:
    """Refuse a change in a read-only session: the unit of work checks before each flush, and
    code that writes with plain SQL (the audit append) calls this first."""
    if session.info.get("writes") is False:
        raise ReadOnlySessionError("a read-only request tried to change data")


def absolute_url(session: Session, path: str) -> str:
    """``path`` ("/accounts/1/plan") as a link that works from an e-mail: prefixed with the
    address the app is served at, when the session's database knows it."""
    db = session.info.get("db")
    base = db.base_url.rstrip("/") if isinstance(db, Database) else ""
    return f"{base}{path}"


def after_commit(
    session: Session, callback: Callable[[], None], *, only_wakes: bool = False
) -> None:
    """Run ``callback`` once the request's transaction has committed (never on rollback).
    ``only_wakes``: all it does is wake something up (set an event, hand a call to an event
    loop), without waiting or I/O, so it may run on the event loop (``request_session``)."""
    session.info.setdefault("after_commit", []).append(callback)
    if not only_wakes:
        session.info["after_commit_waits"] = True


def run_after_commit(session: Session) -> None:
    session.info.pop("after_commit_waits", None)
    for callback in session.info.pop("after_commit", []):
        try:
            callback()
        except Exception as exc:
            # The request's transaction has committed: a side effect that needs the database
            # (recording a session's activity) must not turn a saved change into an error page.
            if not database_unreachable(exc):
                raise
            log.warning("after commit, %s: %s", _callback_name(callback), one_line(exc))


def _callback_name(callback: Callable[[], None]) -> str:
    func = getattr(callback, "func", callback)  # functools.partial
    return f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', repr(func))}"


def one_line(exc: BaseException) -> str:
    """The exception's class and the first line of its message, for a one-line log entry."""
    cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")


_Select = TypeVar("_Select", bound=sa.Select[Any])


def for_write(session: Session, statement: _Select, *, shared: bool = False) -> _Select:
    """Lock the rows an item query selects until commit, when the request writes.

    This is what makes "no lost updates" hold on PostgreSQL: two edits of one item based on the
    same version queue on the row lock, and the second sees the first's new version and is
    refused. (SQLite's writers are already serialised by ``BEGIN IMMEDIATE``.) Reading requests
    take no lock. ``shared``: in share mode (``FOR SHARE``), which holds off a change of the
    rows but not other share-mode readers."""
    if session.info.get("writes"):
        return statement.with_for_update(read=shared)
    return statement


def writes_on_get(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET endpoint that must write (the OpenID Connect callback signs a person in)."""
    endpoint.jp_writes_on_get = True  # type: ignore[attr-defined]
    return endpoint


def _request_writes(request: Request) -> bool:
    if request.method not in SAFE_METHODS:
        return True
    return bool(getattr(request.scope.get("endpoint"), "jp_writes_on_get", False))


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request's session. Made on the event loop: making it does no I/O (its connection
    is taken at the first query, which runs in a worker thread), and a plain generator would
    cost a hop to a worker thread just for that. Committed (or rolled back) and closed in a
    worker thread, as FastAPI ends a plain generator: shielded from cancellation (a client
    that went away still gets its session closed) and with a limiter of its own, so that a
    busy thread pool never keeps a transaction open; or on the event loop, where that waits
    for nothing (``ends_without_waiting``)."""
    db: Database = request.app.state.db
    session = db.session(writes=_request_writes(request))
    request.state.db_session = session  # for ``commit_before_answer``
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_abandon, session, limiter=anyio.CapacityLimiter(1))
        raise
    if ends_without_waiting(session):
        _finish(request, session)
        return
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(_finish, request, session, limiter=anyio.CapacityLimiter(1))


def ends_without_waiting(session: Session) -> bool:
    """Whether the request's session can be ended on the event loop: on SQLite, once it only
    reads (a reading request, or a change committed before its answer: ``commit_before_answer``)
    and nothing waits for its commit but wake-ups (``after_commit(only_wakes=True)``). Ending
    it then commits a transaction that wrote nothing, in the process's own database file, and
    gives its connection back to the pool: no I/O, no lock to wait for (SQLite's write lock
    is not taken by a reading transaction), less than the hop to a worker thread costs.
    PostgreSQL's COMMIT is a round trip to the server: always in a worker thread."""
    db = session.info.get("db")
    return (
        isinstance(db, Database)
        and db.is_sqlite
        and session.info.get("writes") is False
        and not session.info.get("after_commit_waits")
    )


def commit_before_answer(request: Request) -> None:
    """Commit the request's change before the answer that shows it is rendered.

    A writing transaction holds what serialises writers until it ends: on SQLite the write
    lock (and this process's ``WriterTurn``), on PostgreSQL the rows it locked (the current
    plan, the item, the audit chain's head). Rendering the answer (a section of the plan
    page, a thread) is most of a write's time and writes nothing, so the change commits
    first and the answer reads in a transaction of its own, as a reading request does: no
    write lock, no row locks, and the session refuses any change from here on. What waits
    for the commit (``after_commit``) still runs once the request ends."""
    session: Session | None = getattr(request.state, "db_session", None)
    if session is None or not session.info.get("writes"):
        return
    request.state.db_committing = True  # a failure from here on may come after the commit
    session.commit()
    db: Database = session.info["db"]
    session.bind = db.bind_for(writes=False)
    session.info["writes"] = False


def _finish(request: Request, session: Session) -> None:
    """Commit the request's transaction, close its session, then run what waited for it."""
    try:
        # A failure from here on may come after the database committed (the connection broke
        # during COMMIT): the error page must not claim that nothing was saved.
        request.state.db_committing = True
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    run_after_commit(session)


def _abandon(session: Session) -> None:
    """The request failed: nothing of its transaction is kept."""
    try:
        session.rollback()
    finally:
        session.close()


DbSession = Annotated[Session, Depends(request_session, scope="function")]
