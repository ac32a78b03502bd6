"""The fixed cost of one request, in process (a script, not a test): CPU ms and statements.

    PYTHONPATH=. .venv/bin/python tests/benchmarks/profile_request.py [ROUTE ...]
        [--database sqlite | postgresql://postgres@127.0.0.1:5432/postgres] [-n 200]
        [--htmx] [--profile 30] [--as lead@brightwell.example] [--large 1]

ROUTE is one or more of ``comment`` (post a comment on an action's thread), ``status`` (change
an action's status), ``plan`` (the plan page), ``thread`` (a thread fragment), ``mine`` ("My
actions"), ``portfolio``, ``api`` (the API's page of the account's actions, with a token of the
person's), ``health`` (``/healthz``, the floor of a request through the middleware); all of them
by default.

It makes a database of its own (SQLite: a temporary file; PostgreSQL: a database named after
the process on the server the URL names, dropped afterwards), migrates it, loads the demo and
signs in as the demo's account lead; ``--large F`` adds the benchmark's standard large plan
(times F) to Harbor Logistics. Each route is asked ``-n`` times after a few warm-up
requests; it prints per request the CPU time of this process (median and mean, ms), the part
of it inside writing transactions (from BEGIN to COMMIT: on SQLite, while the write lock is
held) and the statements sent to the database (min-max; every one, BEGIN and COMMIT too). With ``--htmx`` the writes answer as htmx does
(the changed fragment) instead of redirecting. ``--profile N`` prints the N functions with
the most time of their own and the N with the most time in all, for each route (cProfile). ``--dump PATH`` also saves each
profile to PATH.ROUTE for pstats. ``--sql WIDTH`` prints the statements of each route's last request (cut to WIDTH).

The app runs on this one thread: FastAPI's worker-thread hops (``anyio.to_thread``) are made
inline calls, so CPU time and the profile see the whole request and nothing else. A real server
pays those hops too (``--threads`` keeps them: the CPU time then counts the worker threads,
the profile does not see them), and the database server's own CPU (PostgreSQL) is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import col, select

from app import demo, migrations
from app.apitokens import service as api_tokens
from app.apitokens.schemas import CheckedToken
from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.main import create_app
from app.models import Account, Action, ActionStatus, Comment, Plan, TokenScope, User
from app.web.security import CSRF_HEADER, session_csrf_token
from tests.benchmarks.benchdata import LARGE
from tests.test_plan_scale import fill_plan

ROUTES = ("health", "plan", "thread", "comment", "status", "mine", "portfolio", "api")
SECRET = "p" * 64
WARM_UP = 5


async def _inline(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
    return func(*args)


@contextmanager
def database(url: str) -> Iterator[str]:
    """A fresh database for the run: its URL."""
    if url == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'profile.db'}"
        return
    name = f"jp_profile_{os.getpid()}"
    admin = create_db_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield str(sa.make_url(url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _person(session: Any, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


class Subject:
    """The demo's account, one of its actions and the signed-in person's session."""

    def __init__(self, db: Database, email: str, settings: Settings, large: float = 0) -> None:
        with db.session() as session:
            if not demo.already_loaded(session):
                demo.load(session)
            user = session.exec(select(User).where(User.email == email)).one()
            account = session.exec(select(Account).where(Account.name == "Harbor Logistics")).one()
            if large:  # the benchmark's standard large plan on Harbor Logistics, times ``large``
                members = {"lead": user, "sponsor": _person(session, "sponsor@harbor.example")}
                world = types.SimpleNamespace(account=account, members=members)
                fill_plan(session, world, **{k: int(v * large) for k, v in LARGE.items()})  # type: ignore[arg-type]
            plan = session.exec(
                select(Plan).where(Plan.account_id == account.id, col(Plan.is_current))
            ).first()
            assert plan is not None
            assert account.id is not None
            action = session.exec(
                select(Action).where(Action.plan_id == plan.id).order_by(col(Action.id))
            ).first()
            assert action is not None
            assert action.id is not None
            self.token = sessions.start(
                session, user=user, ip="profile", user_agent="profile", settings=settings
            )
            _token, self.api_token = api_tokens.create(
                session, actor=user, checked=CheckedToken("Profile", TokenScope.WRITE, 90)
            )
            session.commit()
        self.db = db
        self.account_id, self.action_id = account.id, action.id

    def action_state(self) -> tuple[int, str]:
        """The action's version and status."""
        with self.db.session(writes=False) as session:
            action = session.get(Action, self.action_id)
            assert action is not None
            return action.version, action.status


def requests(
    subject: Subject, client: httpx.AsyncClient, bare: httpx.AsyncClient, htmx: bool
) -> dict[str, Callable[[int], Awaitable[httpx.Response]]]:
    account, action = subject.account_id, subject.action_id
    thread = f"/accounts/{account}/threads/action/{action}"
    headers = {"HX-Request": "true"} if htmx else {}
    # Kept here: reading them would count in the request. The first status differs from the
    # action's own, so that every request changes it (an unchanged status keeps its version).
    started, now = subject.action_state()
    statuses = (ActionStatus.IN_PROGRESS.value, ActionStatus.NOT_STARTED.value)
    if now == statuses[0]:
        statuses = statuses[::-1]
    version = [started]
    bearer = {"Authorization": f"Bearer {subject.api_token}"}

    async def comment(i: int) -> httpx.Response:
        # As the form under a thread's latest page posts it (htmx then gets the comment alone).
        data = {"body": f"Noted, step {i}.", "shown": "latest"}
        return await client.post(thread, data=data, headers=headers)

    async def status(i: int) -> httpx.Response:
        response = await client.post(
            f"/accounts/{account}/actions/{action}/status",
            data={"status": statuses[i % 2], "version": str(version[0])},
            headers=headers,
        )
        version[0] += response.status_code < 400
        return response

    return {
        "health": lambda _i: client.get("/healthz"),
        "plan": lambda _i: client.get(f"/accounts/{account}/plan"),
        "mine": lambda _i: client.get("/my/actions"),
        "portfolio": lambda _i: client.get("/portfolio"),
        # With the token alone, as a program sends it (no session cookie, no CSRF header).
        "api": lambda _i: bare.get(f"/api/v1/accounts/{account}/actions", headers=bearer),
        "thread": lambda _i: client.get(thread, headers={"HX-Request": "true"}),
        "comment": comment,
        "status": status,
    }


class Statements:
    """The statements a request sends, and the CPU time of its writing transactions: from
    their BEGIN to their COMMIT, which on SQLite is how long the write lock is held."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.writing = 0.0
        self._began: float | None = None

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sent.append(" ".join(statement.split()))

    def begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("jp_writes", True):
            self._began = time.process_time()

    def end(self, _conn: Any) -> None:
        if self._began is not None:
            self.writing += time.process_time() - self._began
            self._began = None


async def measure(
    name: str,
    send: Callable[[int], Awaitable[httpx.Response]],
    args: argparse.Namespace,
    engine: Any,
) -> None:
    n, profile = args.n, args.profile
    for i in range(WARM_UP):
        response = await send(i)
        if response.status_code >= 400:
            raise SystemExit(f"{name}: {response.status_code} {response.text[-3000:]}")
    counter = Statements()
    event.listen(engine, "before_cursor_execute", counter)
    event.listen(engine, "begin", counter.begin)
    event.listen(engine, "commit", counter.end)
    event.listen(engine, "rollback", counter.end)
    cpu: list[float] = []
    writing: list[float] = []
    counts: list[int] = []
    # CPU time, not wall time: a loaded machine would otherwise charge its waits to the profile.
    profiler = cProfile.Profile(time.process_time) if profile else None
    try:
        for i in range(WARM_UP, WARM_UP + n):
            counter.sent, counter.writing = [], 0.0
            started = time.process_time()
            if profiler is not None:
                profiler.enable()
            response = await send(i)
            if profiler is not None:
                profiler.disable()
            cpu.append((time.process_time() - started) * 1000)
            counts.append(len(counter.sent))
            writing.append(counter.writing * 1000)
            assert response.status_code < 400, (name, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
        event.remove(engine, "begin", counter.begin)
        event.remove(engine, "commit", counter.end)
        event.remove(engine, "rollback", counter.end)
    print(
        f"{name:8} CPU ms: median {statistics.median(cpu):6.2f}, mean {statistics.mean(cpu):6.2f}"
        f"  statements: {min(counts)}-{max(counts)}  ({n} requests, {response.status_code})"
    )
    if max(writing):
        print(
            f"{'':8} of it in writing transactions (BEGIN to COMMIT): median"
            f" {statistics.median(writing):6.2f}"
        )
    if args.sql:
        for statement in counter.sent:
            print("   ", statement[: args.sql])
    if profiler is not None:
        if args.dump:
            profiler.dump_stats(f"{args.dump}.{name}")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)


async def run(args: argparse.Namespace, url: str) -> None:
    settings = Settings(
        environment="test",
        database_url=url,
        secret_key=SECRET,
        base_url="http://profile",
        api_requests_per_minute=1_000_000,  # no rate limit in the way of -n requests
    )
    db = Database(create_db_engine(url))
    migrations.upgrade(db.engine, "head")
    subject = Subject(db, args.as_, settings, args.large)
    app = create_app(settings, db, run_mailer=False, run_scheduler=False)
    if not args.threads:
        anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    cookies = {sessions.SESSION_COOKIE: subject.token}
    headers = {CSRF_HEADER: session_csrf_token(SECRET, subject.token)}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://profile", cookies=cookies, headers=headers
        ) as client,
        httpx.AsyncClient(transport=transport, base_url="http://profile") as bare,
    ):
        sends = requests(subject, client, bare, args.htmx)
        print(f"{db.engine.dialect.name}, {'htmx' if args.htmx else 'plain'} requests:")
        for name in args.routes or ROUTES:
            await measure(name, sends[name], args, db.engine)
    with db.session(writes=False) as session:
        posted = session.exec(select(sa.func.count()).select_from(Comment)).one()
    print(f"comments in the database at the end: {posted}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("routes", nargs="*", choices=[*ROUTES, []], metavar="ROUTE")
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--htmx", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--dump", default="", metavar="PATH")
    parser.add_argument("--sql", type=int, default=0, metavar="WIDTH")
    parser.add_argument("--as", dest="as_", default="lead@brightwell.example")
    parser.add_argument("--threads", action="store_true")
    parser.add_argument(
        "--large", type=float, default=0, metavar="F", help="the large plan times F on Harbor"
    )
    args = parser.parse_args()
    with database(args.database) as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
