"""Admission control: at most as many requests inside the application as the database pool has
connections (on SQLite, fewer: ``SQLITE_ADMITS``).

Why: a request's sync dependencies and its handler run one after the other on the worker threads
(anyio's thread pool), each a separate hop, and the request keeps its pooled connection from its
first query until ``request_session`` closes it. With more requests in flight than connections,
the threads fill with requests waiting for a connection while the requests holding the
connections wait for a thread: nothing moves until the pool's timeout fails them all. A burst
does it (every open plan page reconnecting its event stream after a restart), on any route.

So requests beyond the pool's capacity wait here, on the event loop, in a semaphore (no thread,
no connection), and the thread pool is kept larger than the number admitted
(``reserve_threads``): an admitted request never waits for a thread, so the connections always
come back.

A request's slot is given back when its response starts (``http.response.start``): by then its
database session is closed, since ``request_session`` is a ``scope="function"`` dependency, which
FastAPI exits once the handler returned, before the response is sent. A streaming answer (the
event stream) thus holds no slot while it streams. The slot is given back on every other path as
well: an exception, a response never started, a request cancelled. What needs neither a
connection nor a worker thread for long, or must answer whatever the load, passes by: the static
files and ``/healthz``.
"""

from __future__ import annotations

import asyncio
import weakref

import sqlalchemy as sa
from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A pool without a bound (SQLite in memory, NullPool) cannot be exhausted: admit as many requests
# as anyio's default thread pool has threads.
UNBOUNDED_POOL_ADMITS = 40
# Worker threads beyond the admitted requests, for the work that passes by admission or comes
# after a response started (static files, the error page of an unexpected failure).
SPARE_THREADS = 10
BYPASS_PATHS = frozenset({"/healthz"})
BYPASS_PREFIXES = ("/static/",)


def pool_capacity(engine: sa.Engine) -> int:
    """How many connections the engine's pool hands out at most (``pool_size + max_overflow``),
    or ``UNBOUNDED_POOL_ADMITS`` when it has no bound."""
    pool = engine.pool
    if isinstance(pool, sa.QueuePool) and pool._max_overflow >= 0:
        return pool.size() + pool._max_overflow
    return UNBOUNDED_POOL_ADMITS


# SQLite runs inside the process, and its module gives up the GIL around every row it steps
# through, then waits to take it back behind the other threads' Python: with many requests inside
# at once, every one of them is slower. The large plan's page under 10 connections, pages a
# second by requests admitted (tests/benchmarks/NOTES.md, 2026-12-04): 2: 42, 3: 39, 6: 37,
# 15: 32-33. Three keep most of the gain and leave room for one slow request (an upload being
# received holds its slot).
SQLITE_ADMITS = 3


def admits(engine: sa.Engine) -> int:
    """How many requests the app lets in at once: as many as the pool has connections
    (``pool_capacity``), and on SQLite no more than ``SQLITE_ADMITS``."""
    capacity = pool_capacity(engine)
    if engine.dialect.name == "sqlite":
        return min(capacity, SQLITE_ADMITS)
    return capacity


def reserve_threads(admitted: int) -> int:
    """Size the running event loop's worker thread pool to the admitted requests and a margin
    (call it at start-up, in the loop that serves). Returns the number of threads."""
    limiter = to_thread.current_default_thread_limiter()
    limiter.total_tokens = admitted + SPARE_THREADS
    return int(limiter.total_tokens)


def bypasses(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path in BYPASS_PATHS or path.startswith(BYPASS_PREFIXES)


class AdmissionMiddleware:
    """Lets at most ``capacity`` HTTP requests into ``app`` at once; the others wait their turn
    in arrival order. The innermost middleware: it sees the application's own response start,
    not one a middleware outside it holds back (compression waits for the first body)."""

    def __init__(self, app: ASGIApp, *, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("admission needs a capacity of at least one request")
        self.app = app
        self.capacity = capacity
        # One semaphore per event loop: a semaphore belongs to the loop it first waited in
        # (a server runs one loop per process; tests run an app in several, one after another).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.capacity)
        return slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or bypasses(scope):
            await self.app(scope, receive, send)
            return
        slots = self.slots()
        await slots.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                slots.release()

        async def send_releasing(message: Message) -> None:
            if message["type"] == "http.response.start":
                release()  # before sending: a slow client must not keep the slot
            await send(message)

        try:
            await self.app(scope, receive, send_releasing)
        finally:
            release()
