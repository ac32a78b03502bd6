"""`jointplan backup` copies the database while the app writes, `jointplan restore` brings it back
into an empty database (and refuses a non-empty one unless forced); both verify every audit
chain. Runs on the configured backend: SQLite's backup API, or pg_dump / pg_restore."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app import cli, migrations
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.config import Settings
from app.db import Database, create_db_engine
from app.main import create_app
from app.models import Account, Action, AuditChainHead, AuditEvent, User
from app.plans import repository as plans_repo
from tests import factories
from tests.conftest import BACKEND, POSTGRES_URL, WHOLE_SCHEMA, drop_engine, fresh_engine
from tests.testclient import TestClient

pytestmark = WHOLE_SCHEMA


@dataclass
class Scene:
    db: Database
    admin_id: int
    account_id: int
    account_name: str


def _scene(engine: sa.Engine, name: str) -> Scene:
    db = Database(engine)
    with db.session() as session:
        workspace = factories.make_workspace(session)
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin, name=name)
        _add_action(session, admin, account.id, f"{name}: first action")
        session.commit()
        assert admin.id is not None
        assert account.id is not None
        return Scene(db, admin.id, account.id, name)


def _add_action(session: Session, actor: User, account_id: int | None, title: str) -> None:
    assert account_id is not None
    plan = plans_repo.current(session, account_id=account_id)
    assert plan is not None
    actions.create(
        session,
        actor=actor,
        plan=plan,
        checked=CheckedAction(title, "", None, None, "not_started", Link()),
    )


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    """A committed database with an account, and the CLI pointed at it."""
    engine = fresh_engine(tmp_path, name="backup_source")
    monkeypatch.setenv("JP_ENVIRONMENT", "test")
    monkeypatch.setenv("JP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    try:
        yield _scene(engine, "Backed up account")
    finally:
        drop_engine(engine)


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database that does not hold anything yet: a new PostgreSQL database, or no file."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"jp_restored_{os.getpid()}"
    admin = create_db_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _titles(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        # Ids are random: creation order is the time, the id only breaks ties.
        statement = select(Action.title).order_by(col(Action.created_at), col(Action.id))
        return list(session.exec(statement))


def test_a_backup_taken_while_the_app_writes_restores_and_serves(
    source: Scene,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    written = threading.Condition()
    count = 0
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        nonlocal count
        try:
            while not stop.is_set():
                with source.db.session() as session:
                    admin = session.get(User, source.admin_id)
                    assert admin is not None
                    _add_action(session, admin, source.account_id, f"Written meanwhile {count}")
                    session.commit()
                with written:
                    count += 1
                    written.notify_all()
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)
            with written:
                written.notify_all()

    def wait_for(n: int) -> int:
        with written:
            assert written.wait_for(lambda: count >= n or errors, timeout=60)
            return count

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        before = wait_for(3)
        file = tmp_path / "jointplan.backup"
        assert cli.main(["backup", str(file)]) == 0
        out = capsys.readouterr().out
        assert "while the app kept running" in out
        assert "Every audit chain verifies." in out
        with written:
            after = count
        wait_for(after + 1)  # the app goes on writing, after the copy's moment too
    finally:
        stop.set()
        writer.join()
    assert errors == []

    monkeypatch.setenv("JP_DATABASE_URL", empty_url)
    assert cli.main(["restore", str(file)]) == 0
    out = capsys.readouterr().out
    assert f"ok      account:{source.account_id}" in out
    assert "Every audit chain verifies." in out
    assert "migrate" not in out, "the backup is at the current schema"
    assert cli.main(["audit", "verify"]) == 0
    capsys.readouterr()

    engine = create_db_engine(empty_url)
    try:
        restored = _titles(engine)
        # One moment of the database: every action of the copy has its audit event, no more.
        with Session(engine) as session:
            created = session.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.verb == "action.created")
            ).one()
        assert created == len(restored) >= before + 1
        assert restored[0] == "Backed up account: first action"
        assert len(restored) < len(_titles(source.db.engine)), "later writes are not in the copy"

        settings = Settings(environment="test", secret_key="s" * 64, base_url="http://testserver")
        db = Database(engine)
        with TestClient(create_app(settings, db, run_mailer=False)) as client:
            with db.session() as session:
                admin = session.get(User, source.admin_id)
                assert admin is not None
                factories.sign_in(client, session, admin)
            page = client.get(f"/accounts/{source.account_id}/plan")
        assert page.status_code == 200
        assert source.account_name in page.text
        assert "Backed up account: first action" in page.text
    finally:
        engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    source: Scene,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "jointplan.backup"
    assert cli.main(["backup", str(file)]) == 0
    target_engine = fresh_engine(tmp_path, name="restore_target")
    try:
        target = _scene(target_engine, "Account already there")
        before = _titles(target_engine)
        monkeypatch.setenv("JP_DATABASE_URL", target_engine.url.render_as_string(False))
        capsys.readouterr()

        assert cli.main(["restore", str(file)]) == 2
        err = capsys.readouterr().err
        assert "is not empty" in err
        assert "Nothing was changed" in err
        assert "--force" in err
        assert _titles(target_engine) == before

        target_engine.dispose()  # the app is stopped for a restore
        assert cli.main(["restore", "--force", str(file)]) == 0
        assert "Every audit chain verifies." in capsys.readouterr().out
        assert _titles(target_engine) == ["Backed up account: first action"]
        with Session(target_engine) as session:
            names = session.exec(select(Account.name)).all()
        assert target.account_name not in names
        assert source.account_name in names
        assert cli.main(["audit", "verify"]) == 0
    finally:
        drop_engine(target_engine)


def test_an_empty_database_with_only_a_schema_counts_as_not_empty(
    source: Scene,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "jointplan.backup"
    assert cli.main(["backup", str(file)]) == 0
    engine = fresh_engine(tmp_path, name="restore_schema_only")
    try:
        with engine.begin() as conn:  # not one row left, only the schema and its version
            conn.execute(sa.delete(AuditChainHead))
        monkeypatch.setenv("JP_DATABASE_URL", engine.url.render_as_string(False))
        capsys.readouterr()
        assert cli.main(["restore", str(file)]) == 2
        assert "is not empty" in capsys.readouterr().err
    finally:
        drop_engine(engine)


def test_backup_and_restore_refuse_what_they_cannot_use(
    source: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "existing.backup"
    existing.write_text("something worth keeping")
    assert cli.main(["backup", str(existing)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text() == "something worth keeping"

    assert cli.main(["restore", "--force", str(existing)]) == 2
    assert "is not a" in capsys.readouterr().err
    assert cli.main(["restore", str(tmp_path / "missing.backup")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_restored_backup_of_an_older_schema_says_to_migrate(
    tmp_path: Path,
    empty_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = fresh_engine(tmp_path, name="backup_old")
    try:
        migrations.downgrade(engine, "-1")
        monkeypatch.setenv("JP_DATABASE_URL", engine.url.render_as_string(False))
        file = tmp_path / "old.backup"
        assert cli.main(["backup", str(file)]) == 0
        assert "run `jointplan migrate`" in capsys.readouterr().out
    finally:
        drop_engine(engine)
    monkeypatch.setenv("JP_DATABASE_URL", empty_url)
    assert cli.main(["restore", str(file)]) == 0
    out = capsys.readouterr().out
    assert "The database schema is behind" in out
    assert "run `jointplan migrate` before starting the app" in out
