"""Admission control (``app.web.admission``): a burst of requests larger than the database
pool is let into the application a pool's worth at a time, so that no request holding a
connection ever waits for a worker thread taken by a request waiting for a connection.

The bursts are served by a real server on a committed database behind a pool of two
connections (which times out after three seconds), and are larger than anyio's default thread
pool (40): without admission the threads fill with requests waiting for a connection, and the
requests answer 503 when the pool gives up on them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa
from anyio import to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.main import create_app
from app.web.admission import (
    SPARE_THREADS,
    SQLITE_ADMITS,
    UNBOUNDED_POOL_ADMITS,
    AdmissionMiddleware,
    admits,
    pool_capacity,
)
from app.web.security import session_csrf_token
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.live import free_port, reset_database, serve
from tests.testclient import TestClient

BURST = 60  # more than anyio's default 40 worker threads
TINY_POOL = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 3}
WAIT = 30.0  # a safety net against hanging, not a measure of speed
SECRET = "a" * 64


@dataclass
class Tiny:
    """A committed database behind a pool of two connections, with a signed-in plan lead."""

    db: Database
    account_id: int
    cookies: dict[str, str]

    def app(self, port: int = 0) -> FastAPI:
        settings = Settings(
            environment="test",
            base_url=f"http://127.0.0.1:{port or 80}",
            secret_key=SECRET,
            database_url="sqlite://",
            live_heartbeat_seconds=3600,
            # Served, a stream stays open (the burst closes it); in a test client it ends.
            live_stream_seconds=900 if port else 0,
        )
        return create_app(settings, self.db, run_mailer=False)


@pytest.fixture
def tiny(live_engine: sa.Engine) -> Iterator[Tiny]:
    reset_database(live_engine)
    engine = create_db_engine(live_engine.url.render_as_string(hide_password=False), **TINY_POOL)
    db = Database(engine)
    with db.session() as session:
        world = factories.build_world(session)
        token = sessions.start(
            session,
            user=world.members["lead"],
            ip="127.0.0.1",
            user_agent="pytest",
            settings=Settings(environment="test", secret_key=SECRET),
        )
        session.commit()
        assert world.account.id is not None
        account_id = world.account.id
    try:
        yield Tiny(db, account_id, {sessions.SESSION_COOKIE: token})
    finally:
        engine.dispose()


async def _burst(url: str, cookies: dict[str, str], count: int, *, whole: bool) -> list[int]:
    """``count`` simultaneous GETs of ``url``; each read whole, or closed after its first bytes."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(cookies=cookies, timeout=60, limits=limits) as client:

        async def one() -> int:
            async with client.stream("GET", url) as response:
                if whole:
                    await response.aread()
                else:
                    async for _chunk in response.aiter_raw():
                        break
                return response.status_code

        return list(await asyncio.gather(*(one() for _ in range(count))))


def _served_burst(tiny: Tiny, path: str, *, whole: bool) -> tuple[list[int], float]:
    port = free_port()
    with serve(tiny.app(port), port):
        started = time.monotonic()
        statuses = asyncio.run(
            _burst(f"http://127.0.0.1:{port}{path}", tiny.cookies, BURST, whole=whole)
        )
        return statuses, time.monotonic() - started


def test_a_burst_of_page_requests_larger_than_the_pool_is_served(tiny: Tiny) -> None:
    statuses, took = _served_burst(tiny, f"/accounts/{tiny.account_id}/plan", whole=True)
    print(f"{BURST} plan pages: {took:.2f}s")
    assert statuses == [200] * BURST
    assert took < WAIT


def test_a_burst_of_event_stream_connects_larger_than_the_pool_is_served(tiny: Tiny) -> None:
    statuses, took = _served_burst(tiny, f"/accounts/{tiny.account_id}/events", whole=False)
    print(f"{BURST} streams: {took:.2f}s")
    assert statuses == [200] * BURST
    assert took < WAIT


# --- The claim admission rests on: a request's connection is back when its response starts ----


@dataclass
class PoolAtResponseStart:
    """Wraps the app: how many of the pool's connections were out as each response started."""

    app: ASGIApp
    pool: sa.Pool
    seen: list[int] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def probe(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append(self.pool.checkedout())
            await send(message)

        await self.app(scope, receive, probe)


def test_a_request_has_given_its_connection_back_when_its_response_starts(tiny: Tiny) -> None:
    """Reads, a write, the event stream, a refusal, an unknown address, a refused form: each
    request had taken a connection, and none holds it once its answer starts. (Uncompressed,
    so that what this wrapper sees is the application's own start, as admission sees it.)"""
    probe = PoolAtResponseStart(tiny.app(), tiny.db.engine.pool)
    token = tiny.cookies[sessions.SESSION_COOKIE]
    foreign = f"/accounts/{tiny.account_id + 1_000_000}/plan"
    with TestClient(probe, follow_redirects=False, cookies=tiny.cookies) as client:
        client.headers["Accept-Encoding"] = "identity"
        answers = [
            client.get(f"/accounts/{tiny.account_id}/plan").status_code,
            client.get(f"/accounts/{tiny.account_id}/events").status_code,
            client.get(foreign).status_code,
            client.get("/no/such/page").status_code,
            client.post("/me/time-zone", data={"time_zone": ""}).status_code,
            client.post(
                "/me/time-zone",
                data={"time_zone": ""},
                headers={"X-CSRF-Token": session_csrf_token(SECRET, token)},
            ).status_code,
        ]
    assert answers == [200, 200, 404, 404, 403, 303]
    assert probe.seen == [0] * len(answers)


def test_the_worker_threads_outnumber_the_requests_admitted(tiny: Tiny) -> None:
    async def threads() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    with TestClient(tiny.app()) as client:
        assert client.portal is not None
        assert client.portal.call(threads) == 2 + SPARE_THREADS


def _of_engine(measure: Callable[[sa.Engine], int], url: str, **pool: int) -> int:
    """``measure`` of an engine made as the app makes it, disposed of after."""
    engine = create_db_engine(url, **pool)
    try:
        return measure(engine)
    finally:
        engine.dispose()


def test_the_admitted_requests_are_the_pool_s_connections() -> None:
    def capacity(url: str, **pool: int) -> int:
        return _of_engine(pool_capacity, url, **pool)

    assert capacity(POSTGRES_URL) == 10 + 20  # the app's own pool (app.db)
    assert capacity(POSTGRES_URL, pool_size=2, max_overflow=0) == 2
    assert capacity("sqlite:///unused.sqlite3") == 5 + 10  # SQLAlchemy's pool for a file
    assert capacity("sqlite://") == UNBOUNDED_POOL_ADMITS  # in memory: one per thread
    assert capacity(POSTGRES_URL, pool_size=0) == UNBOUNDED_POOL_ADMITS


def test_sqlite_lets_in_a_few_requests_at_once_and_postgresql_its_pool() -> None:
    """On SQLite, which works inside the process, many requests at once slow each other
    (issue 13): the app admits ``SQLITE_ADMITS``, or fewer when its pool is smaller."""

    def admitted(url: str, **pool: int) -> int:
        return _of_engine(admits, url, **pool)

    assert SQLITE_ADMITS == 3
    assert admitted("sqlite:///unused.sqlite3") == SQLITE_ADMITS
    assert admitted("sqlite://") == SQLITE_ADMITS
    assert admitted("sqlite:///unused.sqlite3", pool_size=1, max_overflow=1) == 2
    assert admitted(POSTGRES_URL) == 10 + 20
    assert admitted(POSTGRES_URL, pool_size=2, max_overflow=0) == 2


# --- The middleware on its own -------------------------------------------------------------


def _http(path: str = "/page") -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": []}


async def _nothing() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _sent(_message: Message) -> None:
    return None


Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _answer(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _run(middleware: AdmissionMiddleware, path: str = "/page") -> Awaitable[None]:
    return middleware(_http(path), _nothing, _sent)


def test_no_more_requests_are_inside_than_the_capacity_and_all_get_in() -> None:
    inside, most, done = 0, 0, 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal inside, most, done
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1
        await _answer(scope, receive, send)
        done += 1

    async def burst() -> None:
        middleware = AdmissionMiddleware(app, capacity=3)
        await asyncio.gather(*(_run(middleware) for _ in range(20)))

    asyncio.run(burst())
    assert (most, done) == (3, 20)


def _second_gets_in_while_first(first: Handler, first_client: Send = _sent) -> bool:
    """With room for one request: does a second get in while the first is still running?"""

    async def scenario() -> bool:
        middleware = AdmissionMiddleware(first, capacity=1)
        running = asyncio.ensure_future(middleware(_http(), _nothing, first_client))
        await asyncio.sleep(0.05)
        middleware.app = _answer
        try:
            await asyncio.wait_for(_run(middleware), timeout=1)
            return True
        except TimeoutError:
            return False
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    return asyncio.run(scenario())


async def _streaming(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await asyncio.sleep(3600)  # an event stream, still streaming


async def _hangs(_scope: Scope, _receive: Receive, _send: Send) -> None:
    await asyncio.sleep(3600)


async def _slow_client(_message: Message) -> None:
    await asyncio.sleep(3600)


def test_a_slot_is_given_back_when_the_response_starts_not_when_it_ends() -> None:
    assert _second_gets_in_while_first(_streaming)
    assert not _second_gets_in_while_first(_hangs)  # the control: no answer yet, no room


def test_a_slot_is_not_held_while_a_slow_client_takes_the_start_of_the_answer() -> None:
    assert _second_gets_in_while_first(_answer, first_client=_slow_client)


def test_a_slot_is_given_back_when_the_app_fails_or_never_answers() -> None:
    async def fails(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise RuntimeError("broken")

    async def gone(_scope: Scope, _receive: Receive, _send: Send) -> None:
        return None  # the client disconnected: nothing was sent

    async def scenario() -> bool:
        middleware = AdmissionMiddleware(fails, capacity=1)
        for _ in range(3):
            with pytest.raises(RuntimeError):
                await asyncio.wait_for(_run(middleware), timeout=1)
        middleware.app = gone
        for _ in range(3):
            await asyncio.wait_for(_run(middleware), timeout=1)
        return middleware.slots().locked()

    assert asyncio.run(scenario()) is False  # its one slot is free


def test_a_request_cancelled_inside_or_while_waiting_gives_its_place_back() -> None:
    async def scenario() -> bool:
        middleware = AdmissionMiddleware(_hangs, capacity=1)
        inside = asyncio.ensure_future(_run(middleware))
        waiting = asyncio.ensure_future(_run(middleware))
        await asyncio.sleep(0.05)
        waiting.cancel()
        inside.cancel()
        await asyncio.gather(inside, waiting, return_exceptions=True)
        middleware.app = _answer
        await asyncio.wait_for(_run(middleware), timeout=1)
        return middleware.slots().locked()

    assert asyncio.run(scenario()) is False  # its one slot is free


def test_the_health_check_and_static_files_pass_a_full_house() -> None:
    async def scenario() -> list[str]:
        passed: list[str] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["path"] == "/page":
                await asyncio.sleep(3600)
            passed.append(scope["path"])
            await _answer(scope, receive, send)

        middleware = AdmissionMiddleware(app, capacity=1)
        full = asyncio.ensure_future(_run(middleware))
        await asyncio.sleep(0.05)
        for path in ("/healthz", "/static/app.css", "/readyz"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_run(middleware, path), timeout=0.2)
        full.cancel()
        await asyncio.gather(full, return_exceptions=True)
        return passed

    # /readyz reads the database: it waits its turn like any request that does.
    assert asyncio.run(scenario()) == ["/healthz", "/static/app.css"]
