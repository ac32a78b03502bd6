"""The transaction rules of app/db.py."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app import db as app_db
from app.db import (
    Database,
    ReadOnlySessionError,
    WriterTurn,
    create_db_engine,
    database_unreachable,
)
from app.models import Workspace
from tests.conftest import BACKEND, drop_engine, rows_changed
from tests.conftest import fresh_engine as migrated_engine


def test_a_read_only_session_refuses_to_write(db: Database) -> None:
    with db.session(writes=False) as session:
        session.add(Workspace(name="sneaky"))
        with pytest.raises(ReadOnlySessionError):
            session.flush()


def test_a_read_only_session_refuses_an_audit_event(db: Database) -> None:
    """The audit append writes with plain SQL, which passes no flush check: it asks first."""
    from app.audit import service as audit

    with db.session(writes=False) as session:
        before = rows_changed(session)  # SQLite counts since the (pooled) connection opened
        with pytest.raises(ReadOnlySessionError):
            audit.record(session, actor=None, verb="sneaky.read", item_type="workspace")
        assert rows_changed(session) == before


def _queue_behind(turn: WriterTurn, holder: dict[str, bool], n: int) -> list[int]:
    """``n`` threads ask for the turn one after the other while ``holder`` has it; returns the
    order in which they got it once the holder gives it back."""
    served: list[int] = []

    def writer(i: int) -> None:
        info: dict[str, bool] = {}
        turn.take(info)
        served.append(i)
        turn.give_back(info)

    threads = []
    for i in range(n):
        threads.append(threading.Thread(target=writer, args=(i,)))
        threads[-1].start()
        while len(turn._waiting) < i + 1:  # queued before the next one asks
            time.sleep(0.001)
    turn.give_back(holder)
    for t in threads:
        t.join()
    return served


def test_writers_of_one_process_take_their_turn_in_the_order_they_came() -> None:
    turn = WriterTurn(timeout_seconds=10)
    holder: dict[str, bool] = {}
    turn.take(holder)
    assert _queue_behind(turn, holder, 6) == [0, 1, 2, 3, 4, 5]
    turn.take(holder)  # free again: taken at once
    turn.give_back(holder)


def test_a_writer_that_waits_past_the_timeout_is_refused_as_unavailable() -> None:
    turn = WriterTurn(timeout_seconds=0.05)
    holder: dict[str, bool] = {}
    turn.take(holder)
    with pytest.raises(sa.exc.OperationalError) as refused:
        turn.take({})
    assert database_unreachable(refused.value)
    assert "database is locked" in str(refused.value)
    turn.give_back({})  # not the holder: nothing happens
    assert turn._held
    turn.give_back(holder)  # the refused writer left the queue: the turn is free
    other: dict[str, bool] = {}
    turn.take(other)
    assert other


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's locking")
class TestSqlite:
    def test_wal_mode_and_busy_timeout(self, tmp_path: Path) -> None:
        engine = create_db_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        engine.dispose()

    def test_writers_wait_for_each_other_instead_of_failing(self, tmp_path: Path) -> None:
        """A reader holding a snapshot and many concurrent writers: nobody sees 'locked'."""
        engine = migrated_engine(tmp_path, name="locks")
        db = Database(engine)
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                for i in range(25):
                    with db.session() as session:
                        # Read first, then write: the pattern that fails under BEGIN DEFERRED.
                        session.exec(select(sa.func.count()).select_from(Workspace)).one()
                        session.add(Workspace(name=f"w{n}-{i}"))
                        session.commit()
            except BaseException as exc:
                errors.append(exc)

        with db.session(writes=False) as reader:
            before = reader.exec(select(sa.func.count()).select_from(Workspace)).one()
            threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            # The reader's snapshot is unaffected while the writers commit around it.
            assert reader.exec(select(sa.func.count()).select_from(Workspace)).one() == before
        assert errors == []
        with db.session(writes=False) as session:
            assert (
                session.exec(select(sa.func.count()).select_from(Workspace)).one() == before + 200
            )
        engine.dispose()


def test_rows_changed_counts_every_change_even_one_rolled_back(session: Session) -> None:
    """The counter the "changes nothing" tests rely on (tests/conftest.py)."""
    before = rows_changed(session)
    session.exec(select(sa.func.count()).select_from(Workspace)).one()
    assert rows_changed(session) == before  # reading changes nothing
    session.add(Workspace(name="Counted"))
    session.flush()
    assert rows_changed(session) == before + 1
    with session.begin_nested() as undone:
        session.add(Workspace(name="Undone"))
        session.flush()
        undone.rollback()
    assert rows_changed(session) == before + 2


def _write_for_a_while(
    dbs: list[Database], *, writers: int, hold: float
) -> tuple[list[BaseException], list[str]]:
    """``writers`` threads writing for 3 s, writer n through ``dbs[n % len(dbs)]``, each write
    holding its transaction ``hold`` seconds: what was refused, and the names written."""
    errors: list[BaseException] = []
    deadline = time.monotonic() + 3

    def writer(n: int) -> None:
        i = 0
        while time.monotonic() < deadline:
            i += 1
            try:
                with dbs[n % len(dbs)].session() as session:
                    session.add(Workspace(name=f"w{n}-{i}"))
                    session.flush()
                    time.sleep(hold)  # a write that takes a while
                    session.commit()
            except sa.exc.OperationalError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with dbs[0].session(writes=False) as session:
        return errors, list(session.exec(select(Workspace.name)).all())


def test_an_early_writer_is_not_starved_by_later_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers that keep the write lock busy, none refused. On SQLite its busy handler alone
    lets a writer that has waited a while (polling every 100 ms) lose to fresh ones past its
    timeout (1 s here); PostgreSQL's writers of different rows do not wait for each other."""
    monkeypatch.setattr(app_db, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    engine = migrated_engine(tmp_path, name="turns")
    db = Database(engine)
    errors, names = _write_for_a_while([db], writers=8, hold=0.03)
    drop_engine(engine)  # on PostgreSQL a database of its own, left behind before
    assert errors == []
    assert {name.split("-")[0] for name in names} == {f"w{n}" for n in range(8)}  # all wrote


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's writers of several processes")
def test_a_process_waits_for_another_processs_writer_and_times_out_as_sqlite_would(
    tmp_path: Path,
) -> None:
    """Two turns on one lock file are two processes (each its own open file)."""
    path = str(tmp_path / "db.sqlite3-writer.lock")
    first, second = app_db.ProcessTurn(path, 5), app_db.ProcessTurn(path, 0.05)
    held: dict[str, bool] = {}
    first.take(held)
    with pytest.raises(sa.exc.OperationalError, match="locked"):
        second.take({})
    first.give_back(held)
    first.give_back(held)  # given back once only: a second call changes nothing
    mine: dict[str, bool] = {}
    second.take(mine)
    assert mine
    second.give_back(mine)


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's writers of several processes")
def test_writers_of_several_processes_on_one_file_all_get_their_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each engine is what one process has (its own writer turn and lock file); with SQLite's
    busy handler alone a waiter that slept past the others' commits would time out (1 s)."""
    monkeypatch.setattr(app_db, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    engine = migrated_engine(tmp_path, name="processes")
    url = engine.url.render_as_string(hide_password=False)
    processes = [Database(create_db_engine(url)) for _ in range(3)]
    errors, names = _write_for_a_while(processes, writers=9, hold=0.02)
    for db in processes:
        db.dispose()
    drop_engine(engine)
    assert errors == []
    assert {name.split("-")[0] for name in names} == {f"w{n}" for n in range(9)}


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's writers")
def test_a_writer_passes_its_turn_on_only_once_its_commit_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next writer must find SQLite's lock free: with no busy timeout at all, a writer
    handed the turn while the last one's COMMIT is still running is refused at once
    ("database is locked") where it would otherwise sleep in SQLite's busy handler. Writers
    of one process (threads of one engine) and of two (two engines on one file)."""
    engine = migrated_engine(tmp_path, name="handover")
    url = engine.url.render_as_string(hide_password=False)
    processes = [Database(create_db_engine(url)) for _ in range(2)]  # turns wait up to 30 s
    monkeypatch.setattr(app_db, "SQLITE_BUSY_TIMEOUT_MS", 0)  # ... SQLite's lock not at all
    errors, names = _write_for_a_while(processes, writers=6, hold=0)
    for db in processes:
        db.dispose()
    drop_engine(engine)
    assert errors == []
    assert len(names) > 100
