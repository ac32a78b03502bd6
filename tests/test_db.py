"""The transaction rules of app/db.py."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from app.db import Database, ReadOnlySessionError, create_db_engine
from app.models import Workspace
from tests.conftest import BACKEND
from tests.conftest import fresh_engine as migrated_engine


def test_a_read_only_session_refuses_to_write(db: Database) -> None:
    with db.session(writes=False) as session:
        session.add(Workspace(name="sneaky"))
        with pytest.raises(ReadOnlySessionError):
            session.flush()


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
