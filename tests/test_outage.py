"""Database outages (issue 9, point 10): while the database cannot be reached every request gets
a 503 with ``Retry-After`` and a page (for htmx, a toast) saying nothing was saved, the log gets
one line per failure and no traceback, the browser's keep-alive connection stays open, and the
app serves again as soon as the database is back, with no acknowledged write lost.

What "unreachable" means per database: PostgreSQL stopped or the network to it cut (here a TCP
relay the test cuts and restores: the real server is never stopped); for SQLite, the database
file cannot be opened (its directory is missing: a volume not mounted) or stays locked past the
busy timeout. The outage under concurrent requests on a real port runs in the run of its
database: the PostgreSQL run (``JP_TEST_DATABASE=postgresql``) cuts the relay, the SQLite run
holds the file's write lock (an SQLite file needs no server, so that one runs in the PostgreSQL run
too); the relay tests are skipped in the SQLite run, which has no network to cut.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from app import db as app_db
from app import migrations
from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.main import create_app
from app.models import Role, StrategyEntry
from tests import factories
from tests.conftest import (
    BACKEND,
    CSRF,
    drop_engine,
    fresh_engine,
    send_session_csrf,
    unreachable_url,
)
from tests.live import LiveServer, Mailbox, TcpProxy, free_port, serve
from tests.testclient import TestClient

NOT_SAVED = "Nothing you sent was saved"
MAYBE_SAVED = "cannot tell whether your change was saved"
CLIENTS = 4


class Records(logging.Handler):
    """Every log record, from the app's loggers and the server's (which do not propagate)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock2:
            self.records.append(record)

    def problems(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno >= logging.WARNING]


@contextmanager
def recorded_logs() -> Iterator[Records]:
    handler = Records()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def assert_one_line_each(records: list[logging.LogRecord]) -> None:
    for record in records:
        assert record.exc_info is None, f"a traceback was logged: {record.getMessage()}"
        assert "\n" not in record.getMessage(), record.getMessage()


def _settings(database_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "base_url": "http://testserver",
        "secret_key": "o" * 64,
        "database_url": database_url,
        "smtp_host": "",
    }
    return Settings(**(values | extra))  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Any database: one that cannot be reached at all
# --------------------------------------------------------------------------------------------


def test_an_unreachable_database_answers_503_pages_and_toasts_and_logs_one_line(
    tmp_path: Path,
) -> None:
    url = unreachable_url(tmp_path)
    app = create_app(_settings(url), Database(create_db_engine(url)), run_mailer=False)
    with recorded_logs() as logs, TestClient(app, follow_redirects=False) as client:
        client.cookies.set("jp_csrf", CSRF)
        started = len(logs.records)  # the start-up said so, in one line
        assert any("not answering at start-up" in r.getMessage() for r in logs.records)

        page = client.get("/login")
        assert page.status_code == 503
        assert NOT_SAVED in page.text
        assert "try again" in page.text
        assert int(page.headers["retry-after"]) > 0
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["content-security-policy"]  # still gets the security headers

        form = client.post(
            "/login",
            data={"email": "someone@example.com", "password": "x" * 12, "csrf_token": CSRF},
        )
        assert form.status_code == 503
        assert NOT_SAVED in form.text

        toast = client.post(
            "/login",
            data={"email": "someone@example.com", "password": "x" * 12},
            headers={"HX-Request": "true", "X-CSRF-Token": CSRF},
        )
        assert toast.status_code == 503
        assert toast.headers["hx-reswap"] == "none"
        assert '<div id="toasts" hx-swap-oob="beforeend">' in toast.text
        assert 'class="toast toast-error"' in toast.text
        assert NOT_SAVED in toast.text
        assert int(toast.headers["retry-after"]) > 0

        # A signed-in person's cookie: the session lookup fails the same way.
        client.cookies.set(sessions.SESSION_COOKIE, "not-checkable-now")
        assert client.get("/").status_code == 503
        # An unknown address is still a 404 (its page looks for the person, and cannot).
        assert client.get("/no/such/page").status_code == 404

        failures = logs.records[started:]
        per_request = [r for r in failures if "answered 503" in r.getMessage()]
        assert len(per_request) == 4  # one line for each of the four requests above
        assert_one_line_each(logs.records)


# --------------------------------------------------------------------------------------------
# Under load, on a real port: the outage starts and ends while people keep working
# --------------------------------------------------------------------------------------------


@dataclass
class Answer:
    client: int
    method: str
    phase: str  # when the request was sent: before, cutting, during, restoring or after
    answered_in: str  # and when its answer came
    status: int
    retry_after: str | None
    local_address: object  # the client's end of the TCP connection the answer came on
    closes: bool
    text: str  # the strategy entry a POST added
    page: str


@dataclass
class Outage:
    """People working in the account while the database goes away and comes back."""

    server: LiveServer
    account_id: int
    tokens: list[str]
    phase: str = "before"
    answers: list[Answer] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _stop: bool = False

    def count(self, client: int, phase: str, *, status: int | None = None) -> int:
        return sum(
            1
            for a in self.answers
            if a.client == client and a.phase == phase and (status is None or a.status == status)
        )

    def work(self, i: int) -> None:
        with httpx.Client(base_url=self.server.url, follow_redirects=False, timeout=60) as http:
            http.cookies.set(sessions.SESSION_COOKIE, self.tokens[i])
            http.cookies.set("jp_csrf", CSRF)
            send_session_csrf(http, self.server.settings)
            n = 0
            while not self._stop:
                n += 1
                text = f"Driver {i}-{n}"
                for method in ("POST", "GET"):
                    phase = self.phase
                    if method == "POST":
                        response = http.post(
                            f"/accounts/{self.account_id}/strategy",
                            data={"kind": "driver", "text": text, "csrf_token": CSRF},
                        )
                    else:
                        response = http.get(f"/accounts/{self.account_id}")
                    stream = response.extensions.get("network_stream")
                    try:
                        local = stream.get_extra_info("client_addr") if stream else None
                    except OSError:  # the server closed the connection after answering
                        local = None
                    answer = Answer(
                        client=i,
                        method=method,
                        phase=phase,
                        answered_in=self.phase,
                        status=response.status_code,
                        retry_after=response.headers.get("retry-after"),
                        local_address=local,
                        closes=response.headers.get("connection", "").lower() == "close",
                        text=text if method == "POST" else "",
                        page=response.text,
                    )
                    with self._changed:
                        self.answers.append(answer)
                        self._changed.notify_all()

    def wait_until(self, done: Callable[[], bool], what: str) -> None:
        with self._changed:
            assert self._changed.wait_for(done, timeout=90), f"timed out waiting for {what}"

    def run(self, cut: Callable[[], None], restore: Callable[[], None]) -> None:
        workers = [threading.Thread(target=self.work, args=(i,)) for i in range(CLIENTS)]
        for worker in workers:
            worker.start()
        try:
            every = range(CLIENTS)
            self.wait_until(
                lambda: all(self.count(i, "before", status=303) >= 2 for i in every), "work"
            )
            self._switch("cutting")
            cut()
            self._switch("during")
            self.wait_until(
                lambda: all(self.count(i, "during", status=503) >= 2 for i in every), "503s"
            )
            self._switch("restoring")
            restore()
            self._switch("after")
            self.wait_until(lambda: all(self.count(i, "after") >= 4 for i in every), "recovery")
        finally:
            self._stop = True
            for worker in workers:
                worker.join(timeout=90)

    def _switch(self, phase: str) -> None:
        with self._changed:
            self.phase = phase

    def check(self, logs: Records, engine: sa.Engine) -> None:
        """``engine``: the database itself (not through the app's relay)."""
        answers = self.answers
        # Never a server error but the 503, and every 503 says when to come back.
        assert {a.status for a in answers} <= {200, 303, 503}, {a.status for a in answers}
        unavailable = [a for a in answers if a.status == 503]
        assert all(a.retry_after and int(a.retry_after) > 0 for a in unavailable)
        assert all(NOT_SAVED in a.page or MAYBE_SAVED in a.page for a in unavailable)
        # Every write sent and answered while the database was away was refused.
        away = [a for a in answers if a.phase == a.answered_in == "during"]
        assert all(a.status == 503 for a in away if a.method == "POST")
        # Back at once: every request sent after the database returned was served.
        after = [a for a in answers if a.phase == "after"]
        assert all(a.status in (200, 303) for a in after), [(a.method, a.status) for a in after]
        # Each person's browser kept its one connection across the outage.
        for i in range(CLIENTS):
            mine = [a for a in answers if a.client == i]
            assert not any(a.closes for a in mine)
            assert len({a.local_address for a in mine}) == 1, {a.local_address for a in mine}
            assert mine[0].local_address is not None
        # One log line per failed request, no traceback anywhere.
        lines = [r for r in logs.records if "answered 503" in r.getMessage()]
        assert len(lines) == len(unavailable)
        assert_one_line_each(logs.records)
        assert not [r for r in logs.records if r.name.startswith("uvicorn")]
        # No acknowledged write lost; and "nothing was saved" was true.
        with engine.connect() as conn:
            stored = set(conn.scalars(select(StrategyEntry.text)))  # type: ignore[call-overload]
        acknowledged = {a.text for a in answers if a.method == "POST" and a.status == 303}
        assert acknowledged
        assert acknowledged <= stored, acknowledged - stored
        refused = {a.text for a in unavailable if a.method == "POST" and NOT_SAVED in a.page}
        assert not refused & stored, refused & stored


def _people(db: Database, settings: Settings) -> tuple[int, list[str]]:
    with db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        tokens = []
        for i in range(CLIENTS):
            person = factories.make_user(session, name=f"Client {i}", password=None)
            factories.add_member(session, account=account, user=person, role=Role.MEMBER, by=admin)
            tokens.append(
                sessions.start(
                    session, user=person, ip="127.0.0.1", user_agent="pytest", settings=settings
                )
            )
        session.commit()
        assert account.id is not None
        return account.id, tokens


@contextmanager
def live_app(url: str, mailbox: Mailbox) -> Iterator[LiveServer]:
    """The app with its mail dispatcher on a real port, on the database at ``url``."""
    port = free_port()
    settings = _settings(
        url,
        base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
    )
    db = Database(create_db_engine(url))
    app = create_app(settings, db)
    try:
        with serve(app, port):
            yield LiveServer(url=settings.base_url, app=app, db=db, settings=settings)
    finally:
        db.dispose()


@pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="a network outage needs PostgreSQL: it runs in the PostgreSQL run "
    "(JP_TEST_DATABASE=postgresql); this run covers SQLite's own outages",
)
def test_postgresql_cut_under_load(tmp_path: Path, mailbox: Mailbox) -> None:
    engine = fresh_engine(tmp_path, name="outage")
    proxy = TcpProxy(target_port=engine.url.port or 5432, target_host=engine.url.host or "")
    proxy.start()
    url = engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    try:
        with recorded_logs() as logs, live_app(url, mailbox) as server:
            account_id, tokens = _people(server.db, server.settings)
            outage = Outage(server, account_id, tokens)
            outage.run(cut=proxy.cut, restore=proxy.restore)
        outage.check(logs, engine)
        assert proxy.accepted > 1  # the app reconnected through the restored relay
    finally:
        proxy.cut()
        drop_engine(engine)


def test_sqlite_locked_past_the_busy_timeout_under_load(
    tmp_path: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock longer than the busy timeout (shortened here from
    30 s): writes cannot be served, and are refused with the 503 until the lock is released.
    (An SQLite file needs no server, so this runs in the PostgreSQL run too.)"""
    monkeypatch.setattr(app_db, "SQLITE_BUSY_TIMEOUT_MS", 2000)
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    engine = create_db_engine(url)
    migrations.upgrade(engine, "head")
    locker = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    held: list[sa.Connection] = []

    def cut() -> None:
        conn = locker.connect()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        held.append(conn)

    def restore() -> None:
        held.pop().exec_driver_sql("ROLLBACK")

    try:
        with recorded_logs() as logs, live_app(url, mailbox) as server:
            account_id, tokens = _people(server.db, server.settings)
            outage = Outage(server, account_id, tokens)
            outage.run(cut=cut, restore=restore)
        outage.check(logs, engine)
    finally:
        for conn in held:
            conn.close()
        locker.dispose()
        engine.dispose()


def test_a_database_that_never_answers_gives_503_after_the_connect_timeout(
    tmp_path: Path,
) -> None:
    """A PostgreSQL host that takes the connection and then says nothing (frozen, or packets
    dropped): libpq would wait forever; the connect timeout turns it into the 503. (It needs no
    PostgreSQL server, so it runs in every run.)"""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts
        url = f"postgresql://jointplan@127.0.0.1:{silent.getsockname()[1]}/jointplan"
        app = create_app(_settings(url), Database(create_db_engine(url)), run_mailer=False)
        answers: list[httpx.Response] = []

        def ask() -> None:
            client = TestClient(app, follow_redirects=False)  # no lifespan: one connect only
            answers.append(client.get("/login"))

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        asking.join(timeout=120)  # a guard against hanging the run, not a measurement
        assert not asking.is_alive(), "the request waited on the silent database"
    assert answers[0].status_code == 503
    assert NOT_SAVED in answers[0].text


def test_a_side_effect_after_commit_that_finds_the_database_gone_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The request's change has committed: recording the session's activity afterwards must not
    turn it into an error page that says nothing was saved."""

    def touch() -> None:
        raise sa.exc.OperationalError("UPDATE user_session", {}, OSError("connection refused"))

    def bug() -> None:
        raise ValueError("a bug")

    session = Database(create_db_engine("sqlite://")).session()
    app_db.after_commit(session, touch)
    app_db.run_after_commit(session)
    (line,) = [r for r in caplog.records if "after commit" in r.getMessage()]
    assert line.getMessage().endswith("OSError: connection refused")
    assert line.exc_info is None

    app_db.after_commit(session, bug)
    with pytest.raises(ValueError, match="a bug"):
        app_db.run_after_commit(session)


@pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="cuts the network to PostgreSQL: runs in the PostgreSQL run (JP_TEST_DATABASE=postgresql)",
)
def test_a_connection_lost_during_commit_says_the_change_may_have_been_saved(
    tmp_path: Path,
) -> None:
    """The connection breaks as the change is being committed (the relay is cut when the
    transaction commits): the database may or may not have committed, so the page must not say
    that nothing was saved. The next request, once the database is back, is served."""
    engine = fresh_engine(tmp_path, name="commit_cut")
    proxy = TcpProxy(target_port=engine.url.port or 5432, target_host=engine.url.host or "")
    proxy.start()
    url = engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    db = Database(create_db_engine(url))
    armed: list[bool] = []

    def cut_at_commit(_conn: sa.Connection) -> None:
        if armed:
            armed.clear()
            proxy.cut()

    sa.event.listen(db.engine, "commit", cut_at_commit)
    try:
        app = create_app(_settings(url), db, run_mailer=False)
        with TestClient(app, follow_redirects=False) as client:
            account_id, tokens = _people(db, app.state.settings)
            client.cookies.set(sessions.SESSION_COOKIE, tokens[0])
            client.cookies.set("jp_csrf", CSRF)
            send_session_csrf(client, app.state.settings)
            armed.append(True)
            response = client.post(
                f"/accounts/{account_id}/strategy",
                data={"kind": "driver", "text": "Sent as the line went down", "csrf_token": CSRF},
            )
            assert response.status_code == 503
            assert MAYBE_SAVED in response.text
            assert NOT_SAVED not in response.text
            proxy.restore()
            assert client.get(f"/accounts/{account_id}").status_code == 200
    finally:
        proxy.cut()
        db.dispose()
        drop_engine(engine)
