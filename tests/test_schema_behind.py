"""A database whose schema is not at the migrations' head (issue 9, point 11): empty, at an older
revision, or gone behind under the running app. The server starts and says so in one line, every
page answers 503 saying to run ``jointplan migrate``, ``/readyz`` reports it, and it serves again
once migrated, without a restart; every command that needs the schema prints one line and exits
non-zero instead of a traceback. Once the schema was seen at head, requests do not check it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from app import cli, migrations
from app.auth import sessions
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.web.templating import ROOT
from tests import factories
from tests.conftest import CSRF, WHOLE_SCHEMA, QueryCounter, drop_engine, fresh_engine
from tests.testclient import TestClient

pytestmark = WHOLE_SCHEMA

BEHIND = "The database schema is behind: run `jointplan migrate`."


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    (head,) = script.get_heads()
    down = script.get_revision(head).down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture(params=["empty", "older"])
def behind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A database never migrated, or migrated to the revision before head."""
    revision = None if request.param == "empty" else _previous_revision()
    engine = fresh_engine(tmp_path, name=f"behind_{request.param}", revision=revision)
    try:
        yield engine
    finally:
        drop_engine(engine)


def _app(engine: sa.Engine) -> TestClient:
    settings = Settings(
        environment="test",
        base_url="http://testserver",
        secret_key="b" * 64,
        database_url="sqlite://",
        smtp_host="",
    )
    client = TestClient(
        create_app(settings, Database(engine), run_mailer=False), follow_redirects=False
    )
    client.cookies.set("jp_csrf", CSRF)
    return client


def _says_to_migrate(response: object) -> None:
    assert getattr(response, "status_code", None) == 503
    assert BEHIND in getattr(response, "text", "")
    assert int(getattr(response, "headers", {})["retry-after"]) > 0


def test_the_server_starts_says_why_and_serves_once_migrated(
    behind: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with _app(behind) as client:
        said = [r for r in caplog.records if "jointplan migrate" in r.getMessage()]
        assert len(said) == 1
        assert said[0].levelno == logging.ERROR
        assert said[0].getMessage().startswith("The database schema is behind")
        assert "\n" not in said[0].getMessage()

        _says_to_migrate(client.get("/login"))
        _says_to_migrate(client.get("/password/forgot"))
        _says_to_migrate(client.post("/login", data={"email": "a@example.com", "password": "x"}))
        client.cookies.set(sessions.SESSION_COOKIE, "a-session-from-before")
        _says_to_migrate(client.get("/"))
        _says_to_migrate(client.get("/accounts/1"))
        toast = client.post(
            "/accounts/1/strategy",
            data={"kind": "driver", "text": "kept"},
            headers={"HX-Request": "true", "X-CSRF-Token": CSRF},
        )
        _says_to_migrate(toast)
        assert toast.headers["hx-reswap"] == "none"
        assert '<div id="toasts" hx-swap-oob="beforeend">' in toast.text
        assert client.get("/no/such/page").status_code == 404

        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.text == "database schema behind: run `jointplan migrate`\n"
        # Said once at start-up, not once per request.
        assert len([r for r in caplog.records if "jointplan migrate" in r.getMessage()]) == 1

        migrations.upgrade(behind)

        client.cookies.delete(sessions.SESSION_COOKIE)
        assert client.get("/login").status_code == 200
        assert client.get("/readyz").text == "ready\n"


def test_a_schema_that_goes_behind_under_the_running_app_is_noticed(tmp_path: Path) -> None:
    """A database restored from an old backup, or downgraded, while the app runs: the failing
    query makes the app look at the schema again."""
    engine = fresh_engine(tmp_path, name="goes_behind")
    try:
        with _app(engine) as client:
            with Database(engine).session() as session:
                factories.sign_in(client, session, factories.make_user(session, password=None))
            assert client.get("/").status_code == 200

            # The old backup's restore: every table of the current schema is gone. (A downgrade
            # cannot stand in for it on PostgreSQL: random ids do not fit the old INTEGER ids.)
            tables = sa.MetaData()
            tables.reflect(engine)
            tables.drop_all(engine)

            _says_to_migrate(client.get("/"))  # the session lookup found no table
            assert client.get("/readyz").status_code == 503
    finally:
        drop_engine(engine)


def test_a_schema_newer_than_the_code_is_not_called_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = fresh_engine(tmp_path, name="newer")
    monkeypatch.setenv("JP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'fffffffffff0'")
        with _app(engine) as client:
            page = client.get("/login")
            assert page.status_code == 503
            assert "newer than this version of Jointplan" in page.text
            assert "jointplan migrate" not in page.text
        assert cli.main(["demo"]) == cli.EXIT_DATABASE
        assert "is newer than this version of Jointplan" in capsys.readouterr().err
    finally:
        drop_engine(engine)


@pytest.mark.parametrize(
    "argv",
    [
        ["demo"],
        ["create-admin", "--email", "a@example.com", "--name", "A", "--workspace", "W"],
        ["audit", "verify"],
        ["audit", "verify", "--account", "1"],
    ],
    ids=["demo", "create-admin", "audit-verify", "audit-verify-account"],
)
def test_commands_that_need_the_schema_say_to_migrate(
    behind: sa.Engine,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JP_DATABASE_URL", behind.url.render_as_string(hide_password=False))
    assert cli.main(argv) == cli.EXIT_DATABASE
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("The database schema is behind (")
    assert err.rstrip().endswith(": run `jointplan migrate`")

    assert cli.main(["migrate"]) == 0
    assert cli.main(["audit", "verify"]) == 0


def test_the_command_line_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    database = tmp_path / "never-migrated.sqlite3"
    env = os.environ | {"JP_DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == cli.EXIT_DATABASE
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "The database schema is behind (at an empty database; "
        f"needs {', '.join(sorted(migrations.head_revisions()))}): run `jointplan migrate`"
    ]


def test_a_current_schema_costs_requests_nothing(
    client: TestClient, world: factories.World, session: object, count_queries: QueryCounter
) -> None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    factories.sign_in(client, session, world.members["lead"])
    count_queries.statements.clear()
    assert client.get(f"/accounts/{world.account.id}").status_code == 200
    assert count_queries.count > 0
    assert not [q for q in count_queries.statements if "alembic_version" in q]
