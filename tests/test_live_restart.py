"""PostgreSQL restarted under live streams: the instance's listening connection reconnects by
itself and replays from the event table, so an open stream gets every event committed meanwhile
exactly once, and a stream reconnecting with ``Last-Event-ID`` gets what it missed once.

Runs against a disposable PostgreSQL cluster this test starts itself (initdb/pg_ctl as the
``postgres`` user, on a free port); the shared server is never touched. PostgreSQL run only."""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from app import migrations
from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.main import create_app
from app.models import User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests import factories
from tests.conftest import BACKEND
from tests.live import free_port, serve
from tests.livestreams import StreamReader

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's LISTEN/NOTIFY")


class Cluster:
    """A PostgreSQL cluster of this test's own."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("no PostgreSQL server binaries")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="jp-live-pg-"))
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._as_postgres(f"{self.bin}/initdb -D {self.dir}/data -A trust -U postgres")

    def _as_postgres(self, command: str, *, check: bool = True) -> None:
        """``command`` as the ``postgres`` user (the server refuses to run as root)."""
        su = shutil.which("su") or "/bin/su"
        subprocess.run([su, "postgres", "-c", command], check=check, capture_output=True)  # noqa: S603 (fixed commands of this test)

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            f"{self.bin}/pg_ctl -D {self.dir}/data -o '{options}' -l {self.dir}/log -w -m fast "
            f"{action}"
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        self._as_postgres(f"{self.bin}/pg_ctl -D {self.dir}/data -m immediate stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    cluster.pg_ctl("start")
    try:
        yield cluster
    finally:
        cluster.remove()


def _add_priority(db: Database, account: int, title: str) -> None:
    with db.session() as session:
        sponsor = session.exec(select(User).where(User.email == "sponsor@client.example")).one()
        plan = plans_repo.current(session, account_id=account)
        assert plan is not None
        priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title=title))
        session.commit()


def _ids(reader: StreamReader, count: int) -> list[str]:
    return [str(reader.next(timeout=20).id) for _ in range(count)]


def _followed(
    reader: StreamReader, url: str, cookies: dict[str, str], count: int, last: str
) -> tuple[list[str], StreamReader]:
    """The ids of the next ``count`` events, connecting again from the last one received when
    the stream ended, as the page does: its check at a heartbeat fails closed while the
    database is away (and a connect is answered 503 until it is back)."""
    ids: list[str] = []
    deadline = time.monotonic() + 40
    while len(ids) < count and time.monotonic() < deadline:
        try:
            ids.append(str(reader.next(timeout=0.5).id))
        except AssertionError:
            if reader.ended.is_set():
                reader = StreamReader(url, cookies, last_event_id=ids[-1] if ids else last)
                reader.start()
    return ids, reader


def test_streams_get_every_event_once_across_a_database_restart(cluster: Cluster) -> None:
    engine = create_db_engine(cluster.url)
    migrations.upgrade(engine, "head")
    db = Database(engine)
    port = free_port()
    settings = Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="r" * 64,
        database_url=cluster.url,
        live_heartbeat_seconds=0.3,
    )
    with db.session() as session:
        world = factories.build_world(session)
        token = sessions.start(
            session, user=world.members["lead"], ip="127.0.0.1", user_agent="t", settings=settings
        )
        session.commit()
    account = world.account.id
    assert account is not None
    app = create_app(settings, db, run_mailer=False)
    url = f"{settings.base_url}/accounts/{account}/events"
    cookies = {sessions.SESSION_COOKIE: token}
    with serve(app, port):
        following = StreamReader(url, cookies).start()
        _add_priority(db, account, "Before")
        before = following.next().id
        assert before is not None
        number = int(before[1:])

        cluster.pg_ctl("restart")
        for title in ("After one", "After two"):
            _add_priority(db, account, title)
        # The open stream (or, if it ended, the page connecting again): each, once (heard, or
        # replayed when the listener came back).
        ids, following = _followed(following, url, cookies, 2, before)
        assert ids == [f"v{number + 1}", f"v{number + 2}"]
        assert [m for m in following.drain(1.0) if m.event == "section"] == []
        following.close()

        # A stream reconnecting with Last-Event-ID after a restart: what it missed, once.
        cluster.pg_ctl("restart")
        _add_priority(db, account, "While away")
        again = StreamReader(url, cookies, last_event_id=before).start()
        assert _ids(again, 3) == [f"v{number + i}" for i in (1, 2, 3)]
        _add_priority(db, account, "Live")
        assert json.loads(again.next().data)["event"] == f"v{number + 4}"
        assert [m for m in again.drain(1.0) if m.event == "section"] == []
        again.close()
    engine.dispose()
