"""Test fixtures.

The suite runs on SQLite by default and on PostgreSQL with ``JP_TEST_DATABASE=postgresql``
(``JP_TEST_POSTGRES_URL``, default the local ``test`` database). The schema is built once per
run by the Alembic migrations; each test runs inside a transaction that is rolled back, and the
app's own commits become savepoints inside it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import event
from sqlmodel import Session
from starlette.testclient import TestClient

from app import migrations
from app.auth import passwords
from app.config import Settings
from app.db import Database, create_db_engine
from tests import factories
from tests.live import LiveServer, Mailbox, free_port, reset_database, serve, smtp_server

BACKEND = os.environ.get("JP_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("JP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CSRF = "t" * 43


def pytest_report_header(config: pytest.Config) -> str:
    return f"jointplan database backend: {BACKEND}"


MATRIX_CELL = "tests/test_authorization_matrix.py::test_cell["


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Show the size of the authorization matrix (DESIGN.md §8) in every run that ran it."""
    ran: set[str] = set()
    passed: set[str] = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if not nodeid.startswith(MATRIX_CELL) or getattr(report, "when", "") != "call":
                continue
            ran.add(nodeid)
            if report.passed:
                passed.add(nodeid)
    if ran:
        terminalreporter.write_sep(
            "-", f"authorization matrix: {len(ran)} rows, {len(passed)} passed"
        )


def fresh_engine(
    tmp_dir: Path, name: str = "jointplan", revision: str | None = "head"
) -> sa.Engine:
    """An empty database of the configured backend, migrated to ``revision`` (None: not at all)."""
    if BACKEND == "postgresql":
        admin = create_db_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        database = f"jp_{name}_{os.getpid()}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        admin.dispose()
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"
    else:
        url = f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    engine = create_db_engine(url)
    if revision is not None:
        migrations.upgrade(engine, revision)
    return engine


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


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    engine = fresh_engine(tmp_path_factory.mktemp("db"))
    yield engine
    drop_engine(engine)


class RollbackDatabase(Database):
    """Every session shares one connection inside an outer transaction; commits are savepoints."""

    def __init__(self, engine: sa.Engine, connection: sa.Connection) -> None:
        super().__init__(engine)
        self.connection = connection

    def session(self, *, writes: bool = True) -> Session:
        session = Session(
            bind=self.connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        session.info["writes"] = writes
        session.info["db"] = self
        return session


@pytest.fixture
def db(engine: sa.Engine) -> Iterator[RollbackDatabase]:
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield RollbackDatabase(engine, connection)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(db: RollbackDatabase) -> Iterator[Session]:
    """A session for arranging data and checking results (commits become savepoints)."""
    with db.session() as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test",
        base_url="http://testserver",
        secret_key="s" * 64,
        database_url="sqlite://",
        smtp_host="",
    )


@pytest.fixture
def app(settings: Settings, db: RollbackDatabase) -> FastAPI:
    from app.main import create_app

    return create_app(settings, db, run_mailer=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        c.cookies.set("jp_csrf", CSRF)
        yield c


@pytest.fixture
def world(session: Session) -> factories.World:
    """Two workspaces, an account with one member per role, another account, outsiders."""
    w = factories.build_world(session)
    session.commit()
    return w


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE)", statement, re.IGNORECASE):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(engine: sa.Engine) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture(scope="session")
def live_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A second database whose changes really commit, for tests across processes and threads."""
    engine = fresh_engine(tmp_path_factory.mktemp("live"), name="live")
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


@pytest.fixture
def live_server(live_engine: sa.Engine, live_settings: Settings) -> Iterator[LiveServer]:
    """The app on a real port with its mail dispatcher running, on the committed database.

    Tests may change ``live_settings`` (e.g. add OpenID Connect providers) by overriding it.
    """
    from app.main import create_app

    reset_database(live_engine)
    db = Database(live_engine)
    app = create_app(live_settings, db)
    port = int(live_settings.base_url.rsplit(":", 1)[1])
    with serve(app, port):
        yield LiveServer(url=live_settings.base_url, app=app, db=db, settings=live_settings)


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its cheapest parameters, for tests about sign-in rules rather than the hash's
    cost (``test_passwords`` checks the real parameters). Stored hashes carry their own
    parameters, so hashes made either way verify."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("jointplan-timing-equaliser"))
