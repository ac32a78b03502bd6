"""Live updates benchmark (a script, not a test): run it by hand on the machine to measure.

    PYTHONPATH=. .venv/bin/python tests/benchmarks/live_bench.py [--streams 2000] [--changes 500]
        [--database postgresql://postgres@127.0.0.1:5432/jp_live_bench]

1. Idle streams held by one instance (a server process of its own): how many open, and the
   server's resident memory before and after.
2. Latency across instances: a stream on instance B; 500 changes committed on instance A's
   database (PostgreSQL: NOTIFY), each timed from its commit to its event on B (p50, p99).
3. A burst (``--steps burst``): 200 simultaneous event-stream connects (every open plan page
   reconnecting after a restart), each closed after its first bytes, then 200 simultaneous plan
   pages, on one instance with the app's own pool: how many answered 200, and how long the
   slowest waited (admission control, ``app.web.admission``).

It makes (and drops) its own database; the record of a run goes in tests/benchmarks/NOTES.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import select

from app import migrations
from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.models import User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests import factories
from tests.live import free_port

SERVER = """
import sys, uvicorn
from app.config import Settings
from app.main import create_app
settings = Settings(environment="test", database_url=sys.argv[1], secret_key="b" * 64,
                    base_url="http://127.0.0.1:" + sys.argv[2], live_max_streams=100000)
uvicorn.run(create_app(settings, run_mailer=False), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", backlog=4096)
"""


CONNECTING = 20
BURST = 200


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(url: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    process = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)], env=env)  # noqa: S603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process, port
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def prepare(url: str) -> tuple[Database, int, str]:
    engine = create_db_engine(url)
    migrations.upgrade(engine, "head")
    db = Database(engine)
    with db.session() as session:
        world = factories.build_world(session)
        settings = Settings(environment="test", secret_key="b" * 64)
        token = sessions.start(
            session, user=world.members["lead"], ip="bench", user_agent="bench", settings=settings
        )
        session.commit()
    assert world.account.id is not None
    return db, world.account.id, token


def signed_in_client(port: int, token: str, count: int) -> httpx.AsyncClient:
    """A client of the instance on ``port``, signed in, that opens ``count`` connections at
    once (none kept alive between requests)."""
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        cookies={sessions.SESSION_COOKIE: token},
        limits=httpx.Limits(max_connections=count + 10, max_keepalive_connections=0),
        timeout=httpx.Timeout(120),
    )


async def hold_streams(port: int, account: int, token: str, count: int) -> int:
    """Open ``count`` streams and keep them open; the number that answered 200."""
    async with signed_in_client(port, token, count) as client:
        opened: list[int] = []
        stop = asyncio.Event()
        # Pages open over time, not all in the same instant: CONNECTING at once at most (a
        # herd of simultaneous connects is the ``burst`` step).
        connecting = asyncio.Semaphore(CONNECTING)

        async def one() -> None:
            await connecting.acquire()
            waiting = True
            try:
                async with client.stream("GET", f"/accounts/{account}/events") as response:
                    opened.append(response.status_code)
                    connecting.release()
                    waiting = False
                    await stop.wait()
            finally:
                if waiting:
                    connecting.release()

        started = time.monotonic()
        tasks = [asyncio.create_task(one()) for _ in range(count)]
        deadline = started + 900
        while len(opened) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        took = time.monotonic() - started
        await asyncio.sleep(2)
        ok = opened.count(200)
        print(f"  streams answered: {len(opened)}, open (200): {ok}, in {took:.0f} s")
        hold_streams.result = ok  # type: ignore[attr-defined]
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return ok


def idle_streams(url: str, count: int) -> None:
    db, account, token = prepare(url)
    server, port = start_server(url)
    try:
        before = rss_mb(server.pid)
        loop_result = asyncio.run(_measure_idle(server.pid, port, account, token, count))
        print(
            f"idle streams: {loop_result[0]} of {count} held by one instance; server memory "
            f"{before:.0f} MB before, {loop_result[1]:.0f} MB with them "
            f"({(loop_result[1] - before) * 1024 / max(loop_result[0], 1):.0f} KB a stream)"
        )
    finally:
        server.terminate()
        server.wait(30)
        db.dispose()


async def _measure_idle(
    pid: int, port: int, account: int, token: str, count: int
) -> tuple[int, float]:
    task = asyncio.create_task(hold_streams(port, account, token, count))
    peak = 0.0
    while not task.done():
        peak = max(peak, rss_mb(pid))
        await asyncio.sleep(0.5)
    return task.result(), peak


def latency(url: str, changes: int) -> None:
    db, account, token = prepare(url)
    b, port_b = start_server(url)
    times: list[float] = []
    try:
        with db.session() as session:
            sponsor = session.exec(select(User).where(User.email == "sponsor@client.example")).one()
            plan = plans_repo.current(session, account_id=account)
            assert plan is not None
            sponsor_id, plan_id = sponsor.id, plan.id
        times = asyncio.run(
            _measure_latency(db, port_b, account, token, sponsor_id, plan_id, changes)
        )
    finally:
        b.terminate()
        b.wait(30)
        db.dispose()
    times.sort()
    p50 = statistics.median(times) * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(
        f"commit on A -> event on B over {len(times)} changes: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )


async def _measure_latency(
    db: Database,
    port: int,
    account: int,
    token: str,
    sponsor_id: object,
    plan_id: object,
    changes: int,
) -> list[float]:
    received: asyncio.Queue[float] = asyncio.Queue()
    following = asyncio.Event()

    async def listen() -> None:
        async with (
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                cookies={sessions.SESSION_COOKIE: token},
                timeout=httpx.Timeout(600),
            ) as client,
            client.stream("GET", f"/accounts/{account}/events") as response,
        ):
            async for line in response.aiter_lines():
                following.set()  # the first line comes once the stream follows the account
                if line.startswith("event: section"):
                    received.put_nowait(time.perf_counter())

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(following.wait(), timeout=60)

    def commit(i: int) -> float:
        with db.session() as session:
            sponsor = session.get(User, sponsor_id)
            plan = plans_repo.current(session, account_id=account)
            assert sponsor is not None
            assert plan is not None
            priorities.create(
                session, actor=sponsor, plan=plan, values=PriorityValues(title=f"Bench {i}")
            )
            session.commit()
            return time.perf_counter()

    times = []
    for i in range(changes):
        committed = await asyncio.to_thread(commit, i)
        arrived = await asyncio.wait_for(received.get(), timeout=10)
        times.append(max(arrived - committed, 0.0))
    listener.cancel()
    return times


def burst(url: str, count: int) -> None:
    db, account, token = prepare(url)
    server, port = start_server(url)
    try:
        for what, path, whole in (
            ("event-stream connects", f"/accounts/{account}/events", False),
            ("plan pages", f"/accounts/{account}/plan", True),
        ):
            answers = asyncio.run(_burst(port, token, path, count, whole=whole))
            statuses = [status for status, _ in answers]
            times = sorted(seconds for _, seconds in answers)
            print(
                f"burst of {count} {what}: {statuses.count(200)} answered 200 "
                f"(others: {dict(Counter(s for s in statuses if s != 200))}); took p50 "
                f"{statistics.median(times):.2f} s, max {times[-1]:.2f} s"
            )
    finally:
        server.terminate()
        server.wait(30)
        db.dispose()


async def _burst(
    port: int, token: str, path: str, count: int, *, whole: bool
) -> list[tuple[int, float]]:
    """``count`` GETs of ``path`` at once: each one's status and how long it took (read whole,
    or closed after its first bytes)."""
    async with signed_in_client(port, token, count) as client:

        async def one() -> tuple[int, float]:
            started = time.monotonic()
            try:
                async with client.stream("GET", path) as response:
                    async for _chunk in response.aiter_raw():
                        if not whole:
                            break
                    return response.status_code, time.monotonic() - started
            except httpx.HTTPError:  # no answer within the timeout: status 0
                return 0, time.monotonic() - started

        return list(await asyncio.gather(*(one() for _ in range(count))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/jp_live_bench")
    parser.add_argument("--steps", default="idle,latency", help="idle, latency, burst")
    parser.add_argument("--burst", type=int, default=BURST)
    args = parser.parse_args()
    admin = create_db_engine(
        args.database.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    name = sa.make_url(args.database).database
    with admin.connect() as conn:
        for step in args.steps.split(","):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            if step == "idle":
                idle_streams(args.database, args.streams)
            elif step == "burst":
                burst(args.database, args.burst)
            else:
                latency(args.database, args.changes)
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
