"""Test fixtures.

The suite runs on SQLite by default and on PostgreSQL with ``JP_TEST_DATABASE=postgresql``
(``JP_TEST_POSTGRES_URL``, default the local ``test`` database). The schema is built once per
run (per xdist worker) by the Alembic migrations into a template that every other database of
the run is copied from; each test runs inside a transaction that is rolled back, and the app's
own commits become savepoints inside it.

Built once per session, not per test: the app (``shared_app``: its ``Database`` takes each
test's connection, its settings are each test's ``settings``; a test whose settings differ
gets an app of its own) and the ``world`` (committed in a database of its own, which the tests
that use it run on; each reads it again in its own session, so it sees it exactly as built).
"""

from __future__ import annotations

import atexit
import gc
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import event
from sqlmodel import Session, col

from app import demo, migrations
from app.auth import passwords
from app.config import Settings
from app.db import SAFE_METHODS, Database, create_db_engine
from app.kit.clock import clock
from app.models import OutboxMessage, OutboxStatus, utcnow
from app.web.security import CSRF_COOKIE, SESSION_COOKIE, cookie_name, session_csrf_token
from tests import factories
from tests.live import LiveServer, Mailbox, free_port, reset_database, serve, smtp_server
from tests.testclient import TestClient

# The scheduler of reminders and digests (``app.reminders``) stays off in every app a test makes
# unless that test turns it on: a live server's reminders must not land in another test's mailbox.
os.environ.setdefault("JP_SCHEDULER_SECONDS", "0")
# Attachments' bytes go to a directory of the run's own, never into the checkout's data/.
_ATTACHMENTS = tempfile.mkdtemp(prefix="jp-attachments-")
atexit.register(shutil.rmtree, _ATTACHMENTS, ignore_errors=True)
os.environ.setdefault("JP_ATTACHMENTS_DIR", _ATTACHMENTS)
BACKEND = os.environ.get("JP_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("JP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# The CSRF token tests send, meaning "the token of the page I am on". Anonymous requests match
# it with a ``jp_csrf`` cookie of the same value; signed-in requests need their session's token,
# which ``send_session_csrf`` puts in its place.
CSRF = "t" * 43
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def send_session_csrf(client: httpx.Client, settings: Settings) -> httpx.Client:
    """Let ``client`` keep posting ``CSRF`` once a test has signed it in.

    A signed-in request must carry the token bound to its session (``app.web.security``), which
    a test that sets a session cookie directly (``factories.sign_in``) never saw on a page. For
    an unsafe request that carries a session cookie, the fixed CSRF cookie and the fixed
    ``CSRF`` as its field or header, this hook sends the session's token in the
    ``X-CSRF-Token`` header, which the check prefers. Any other request (another token or none,
    no CSRF cookie, a cookie the app rotated) goes out untouched, so refusals stay testable;
    the app's check is the same.
    """
    session_cookie = cookie_name(SESSION_COOKIE, secure=settings.secure_cookies)
    csrf_cookie = cookie_name(CSRF_COOKIE, secure=settings.secure_cookies)

    def hook(request: httpx.Request) -> None:
        if request.method in SAFE_METHODS:
            return
        jar: SimpleCookie = SimpleCookie(request.headers.get("cookie", ""))
        if session_cookie not in jar or csrf_cookie not in jar or jar[csrf_cookie].value != CSRF:
            return
        supplied = request.headers.get("x-csrf-token")
        is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
        if supplied == CSRF or (supplied is None and is_form and CSRF.encode() in request.read()):
            token = jar[session_cookie].value
            request.headers["X-CSRF-Token"] = session_csrf_token(
                settings.resolved_secret_key, token
            )

    hooks = client.event_hooks
    client.event_hooks = {**hooks, "request": [*hooks.get("request", []), hook]}
    return client


def pytest_report_header(config: pytest.Config) -> str:
    return f"jointplan database backend: {BACKEND}"


# The key under which each test of the authorization matrix (one per route) notes in its user
# properties how many cells it asked and how many passed (tests/test_authorization_matrix.py).
MATRIX_CELLS = "matrix cells asked, passed"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Show the size of the authorization matrix (DESIGN.md §8) in every run that ran it."""
    asked = passed = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", "") != "call":
                continue
            for key, value in getattr(report, "user_properties", ()):
                if key == MATRIX_CELLS:
                    asked, passed = asked + value[0], passed + value[1]
    if asked:
        terminalreporter.write_sep("-", f"authorization matrix: {asked} rows, {passed} passed")


# The tests that change a whole schema in one transaction (a downgrade to an old revision, a
# dump restored with ``--single-transaction``, every table dropped) hold about 3,000 locks until
# they commit. PostgreSQL's shared lock table has room for ``max_locks_per_transaction`` (64 by
# default) times its connections, about 6,400: two of them at once on two workers overflow it
# ("out of shared memory") and break whatever else asks for a lock then. They share one xdist
# group, so they run one after another on one worker.
WHOLE_SCHEMA = pytest.mark.xdist_group("whole_schema")


def fresh_engine(
    tmp_dir: Path, name: str = "jointplan", revision: str | None = "head"
) -> sa.Engine:
    """An empty database of the configured backend, migrated to ``revision`` (None: not at all).
    Once the session's template exists, it is a copy of a template at that revision (the same
    schema, made by the same migrations, in a fraction of the time): at head the session's own,
    at an older revision one made the first time it is asked for (a migrated schema costs
    seconds, several on PostgreSQL; a copy, a fraction of one)."""
    if revision is not None and _templates:
        if revision == "head":
            return copy_engine(_templates[-1], tmp_dir, name)
        if revision not in _older_templates:
            directory = Path(_templates[-1].url.database or "").parent  # SQLite: beside it
            older = _migrated(directory, f"template_{revision}", revision)
            older.dispose()  # SQLite: the last connection closed writes the WAL into the file
            _older_templates[revision] = older
        return copy_engine(_older_templates[revision], tmp_dir, name)
    return _migrated(tmp_dir, name, revision)


def _migrated(tmp_dir: Path, name: str, revision: str | None) -> sa.Engine:
    if BACKEND == "postgresql":
        url = _create_postgres_database(f"jp_{name}_{os.getpid()}")
    else:
        url = f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    engine = create_db_engine(url)
    if revision is not None:
        try:
            migrations.upgrade(engine, revision)
        except BaseException:
            drop_engine(engine)  # no connection left for the garbage collector to complain of
            raise
    return engine


def _create_postgres_database(database: str, template: str | None = None) -> str:
    admin = create_db_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"{copy}')
    admin.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"


def copy_engine(template: sa.Engine, tmp_dir: Path, name: str) -> sa.Engine:
    """A new database of the configured backend holding a copy of ``template``, which nobody
    may use while it is copied (a migrated schema costs seconds; a copy, a fraction of one)."""
    if BACKEND == "postgresql":
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/jp_{name}_{os.getpid()}"
    else:
        url = f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    engine = create_db_engine(url)
    copy_into(engine, template)
    return engine


def copy_into(engine: sa.Engine, template: sa.Engine) -> None:
    """Make ``engine``'s database (created, or replaced where it exists) a copy of ``template``.
    Nobody may be connected to either: both engines' pools are closed first."""
    template.dispose()
    engine.dispose()
    target, source = engine.url.database, template.url.database
    assert target is not None
    assert source is not None
    if BACKEND == "postgresql":
        _create_postgres_database(target, template=source)
        return
    assert not Path(source + "-wal").exists(), "the template is still open"
    for leftover in ("-wal", "-shm"):  # the replaced database's, once nobody has it open
        Path(target + leftover).unlink(missing_ok=True)
    shutil.copyfile(source, target)


def unreachable_url(tmp_path: Path) -> str:
    """A database that is not there: PostgreSQL on a port nothing listens on; an SQLite file in a
    directory that does not exist (the volume is not mounted)."""
    if BACKEND == "postgresql":
        return str(sa.make_url(POSTGRES_URL).set(port=free_port()).render_as_string(False))
    return f"sqlite:///{tmp_path / 'not-mounted' / 'jointplan.sqlite3'}"


def drop_engine(engine: sa.Engine) -> None:
    url = engine.url
    engine.dispose()
    if BACKEND == "postgresql":
        admin = create_db_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        admin.dispose()


# The session's migrated template (``template_engine``), for ``fresh_engine`` to copy, and the
# templates at older revisions that ``fresh_engine`` made (dropped with the session's).
_templates: list[sa.Engine] = []
_older_templates: dict[str, sa.Engine] = {}


@pytest.fixture(scope="session")
def template_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """The migrated, empty schema that the session's databases are copied from (never used
    directly, so that copying it always works)."""
    engine = fresh_engine(tmp_path_factory.mktemp("template"), name="template")
    engine.dispose()  # SQLite: the last connection closed writes the WAL into the main file
    _templates.append(engine)
    yield engine
    _templates.remove(engine)
    for older in _older_templates.values():
        drop_engine(older)
    _older_templates.clear()
    drop_engine(engine)


@pytest.fixture(scope="session")
def engine(
    template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """The database of the tests without a ``world``: empty, migrated."""
    engine = copy_engine(template_engine, tmp_path_factory.mktemp("db"), "jointplan")
    yield engine
    drop_engine(engine)


class RollbackDatabase(Database):
    """Every session shares one connection inside an outer transaction; commits are savepoints."""

    def __init__(self, engine: sa.Engine, connection: sa.Connection) -> None:
        super().__init__(engine)
        self.connection = connection

    def bind_for(self, *, writes: bool) -> sa.Engine | sa.Connection:
        return self.connection

    def session(self, *, writes: bool = True) -> Session:
        session = Session(
            bind=self.connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        session.info["writes"] = writes
        session.info["db"] = self
        return session


@dataclass
class BuiltWorld:
    """``factories.build_world``, committed once per session (per worker) in its own database."""

    engine: sa.Engine
    world: factories.World


@pytest.fixture(scope="session")
def built_world(
    template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltWorld]:
    engine = copy_engine(template_engine, tmp_path_factory.mktemp("world"), "world")
    with Database(engine).session() as session:
        world = factories.build_world(session)
        session.commit()
    yield BuiltWorld(engine, world)
    drop_engine(engine)


@pytest.fixture(scope="session")
def shared_db(engine: sa.Engine) -> RollbackDatabase:
    """The one ``Database`` of the session's app; ``db`` gives it each test's connection."""
    shared = RollbackDatabase(engine, None)  # type: ignore[arg-type]
    shared.base_url = default_settings().base_url
    return shared


@pytest.fixture
def db(shared_db: RollbackDatabase, request: pytest.FixtureRequest) -> Iterator[RollbackDatabase]:
    """The test's database: the empty schema, for a test that uses ``world`` the world's
    database, for one that uses ``loaded_demo`` the demo's (``demo_template``); whichever it is,
    inside a transaction rolled back after the test."""
    engine: sa.Engine = request.getfixturevalue("engine")
    if "world" in request.fixturenames:
        engine = request.getfixturevalue("built_world").engine
    elif "loaded_demo" in request.fixturenames:
        engine = request.getfixturevalue("demo_template")()
    connection = engine.connect()
    transaction = connection.begin()
    shared_db.engine, shared_db.connection, shared_db.on_mail_queued = engine, connection, None
    try:
        yield shared_db
    finally:
        shared_db.connection = None  # type: ignore[assignment]
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(db: RollbackDatabase) -> Iterator[Session]:
    """A session for arranging data and checking results (commits become savepoints)."""
    with db.session() as s:
        yield s


def default_settings() -> Settings:
    """The tests' settings, a copy of its own for each caller (a test may change its copy).
    Built once for each state of the environment's ``JP_`` variables: reading them and checking
    every field took 1.5 ms, several times a test (tests/benchmarks/NOTES.md)."""
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("JP_")))
    built = _default_settings.get(environment)
    if built is None:
        built = _default_settings[environment] = _build_default_settings()
    return built.model_copy(deep=True)


_default_settings: dict[tuple[tuple[str, str], ...], Settings] = {}


def _build_default_settings() -> Settings:
    return Settings(
        environment="test",
        base_url="http://testserver",
        secret_key="s" * 64,
        database_url="sqlite://",
        smtp_host="",
        # A live event stream ends once it sent what it had (a test client reads it whole);
        # tests/test_live.py reads streams that stay open from a real server.
        live_stream_seconds=0,
        # No heartbeat work (presence refreshed in a thread) on a test's shared connection.
        live_heartbeat_seconds=3600,
    )


@pytest.fixture
def settings() -> Settings:
    return default_settings()


@pytest.fixture(scope="session")
def shared_app(shared_db: RollbackDatabase) -> FastAPI:
    """The app, built once per session: its database is ``shared_db`` (each test's connection)
    and its settings each test's own ``settings`` (a test may change them)."""
    from app.main import create_app

    return create_app(default_settings(), shared_db, run_mailer=False)


@pytest.fixture
def app(
    settings: Settings, db: RollbackDatabase, request: pytest.FixtureRequest
) -> Iterator[FastAPI]:
    if settings != default_settings():  # built from other settings: an app of its own
        from app.main import create_app

        yield create_app(settings, db, run_mailer=False)
        return
    shared: FastAPI = request.getfixturevalue("shared_app")
    built_with, shared.state.settings = shared.state.settings, settings
    try:
        yield shared
    finally:
        shared.state.settings = built_with


@pytest.fixture
def client(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        c.cookies.set("jp_csrf", CSRF)
        send_session_csrf(c, settings)
        yield c


@pytest.fixture
def world(session: Session, db: RollbackDatabase, built_world: BuiltWorld) -> factories.World:
    """Two workspaces, an account with one member per role, another account, outsiders: built
    once per session, each test gets them as built, read again in its ``session``."""
    assert db.engine is built_world.engine, "request `world` as a fixture argument"
    return factories.reload_world(session, built_world.world)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # WITH: a statement led by a common table expression (the audit append on PostgreSQL).
        if re.match(r"\s*(WITH|SELECT|INSERT|UPDATE|DELETE)", statement, re.IGNORECASE):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


def rows_changed(session: Session) -> int:
    """A count of the rows INSERT, UPDATE and DELETE statements have changed, as the database
    keeps it (PostgreSQL: in the test's transaction; SQLite: since the pooled connection opened,
    so compare a count before with one after, never with zero). Every session of a test (the
    app's too) shares its connection, so a request that changed nothing leaves the count as it
    was. A change undone later (a savepoint rolled back) still counts."""
    connection = session.connection()
    if BACKEND == "postgresql":
        counted = (
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_all_tables"
        )
    else:
        counted = "SELECT total_changes()"
    return int(connection.exec_driver_sql(counted).scalar_one())


@pytest.fixture
def count_queries(db: RollbackDatabase) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    engine = db.engine  # the test's database (the world's when it uses one)
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture(scope="session")
def matrix(template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The authorization matrix's world, built once per session (per worker), for the matrix and
    for the confirmation cells (tests/test_confirm.py). Defined here, once: a fixture imported into
    a second test module is a second fixture, set up again, and its database (named per process)
    would replace the first's under the first's open connection."""
    from tests.test_authorization_matrix import matrix_session  # a test module: not at import

    yield from matrix_session(template_engine, tmp_path_factory)


@pytest.fixture(scope="session")
def live_engine(
    template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """A second database whose changes really commit, for tests across processes and threads."""
    engine = copy_engine(template_engine, tmp_path_factory.mktemp("live"), "live")
    yield engine
    drop_engine(engine)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        box.port = port  # type: ignore[attr-defined]
        yield box


@pytest.fixture
def live_settings(mailbox: Mailbox) -> Settings:
    port = free_port()
    return Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="l" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
    )


@pytest.fixture(scope="session")
def demo_template(
    template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], sa.Engine]]:
    """The demo as loaded today, built once per session (again on a new day, for a run across
    midnight, since the story's dates count from the day it is loaded). The e-mails the story
    wrote (about a hundred) are marked sent, so that a test waiting for the one mail it caused
    does not wait behind them."""
    built: dict[date, sa.Engine] = {}

    def today() -> sa.Engine:
        day = utcnow().date()
        if day not in built:
            engine = copy_engine(
                template_engine, tmp_path_factory.mktemp("demo"), f"demo_{day:%Y%m%d}"
            )
            with Database(engine).session() as session:
                assert not demo.already_loaded(session)
                demo.load(session)
                assert demo.already_loaded(session)
                session.execute(
                    sa.update(OutboxMessage)
                    .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
                    .values(status=OutboxStatus.SENT, sent_at=utcnow(), transport="demo")
                )
                session.commit()
            engine.dispose()
            built[day] = engine
        return built[day]

    yield today
    for engine in built.values():
        drop_engine(engine)


@pytest.fixture
def live_server(
    live_engine: sa.Engine, live_settings: Settings, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """The app on a real port with its mail dispatcher running, on the committed database:
    empty, or for a test that uses ``demo_data`` a fresh copy of the demo.

    Tests may change ``live_settings`` (e.g. add OpenID Connect providers) by overriding it.
    """
    from app.main import create_app

    if "demo_data" in request.fixturenames:
        copy_into(live_engine, request.getfixturevalue("demo_template")())
    else:
        reset_database(live_engine)
    db = Database(live_engine)
    app = create_app(live_settings, db)
    port = int(live_settings.base_url.rsplit(":", 1)[1])
    with serve(app, port):
        yield LiveServer(url=live_settings.base_url, app=app, db=db, settings=live_settings)


@pytest.fixture
def loaded_demo() -> None:
    """The test's ``db`` (and so its ``session`` and ``client``) is the demo as loaded today
    (``demo_template``, loaded once per session), in a transaction rolled back after the test."""


@pytest.fixture
def demo_data(live_server: LiveServer) -> LiveServer:
    """The demo's workspaces, accounts, people and story, committed to the live database (the
    live server starts on a copy of ``demo_template``)."""
    return live_server


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its cheapest parameters, for tests about sign-in rules rather than the hash's
    cost (``test_passwords`` checks the real parameters). Stored hashes carry their own
    parameters, so hashes made either way verify."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("jointplan-timing-equaliser"))


@pytest.fixture(autouse=True)
def _clock_back() -> Iterator[None]:
    """A test that moves the app's clock (``app.kit.clock``) never moves the next test's."""
    yield
    clock.reset()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collected suite (15,000 items, the modules and what they built) is moved out of the
    collector's view, and the young generation is collected every 50,000 allocations instead of
    700: the tests make many short-lived objects and few cycles, and the full collections that
    scanned everything again cost about 7 % of the run (measured on 740 tests, -n 0)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
