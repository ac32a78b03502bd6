"""The benchmark's databases: a fresh SQLite file or PostgreSQL database (``jp_bench_*``) per
plan size, each migrated, with the demo loaded and the standard large plan added to Harbor
Logistics' plan (30 priorities, 60 initiatives, 300 actions, 2,000 comments, times the size's
factor), and signed-in sessions for the demo's lead and sponsor.

The migrations and the demo run once per backend (the base); each size is a copy of it (a file
copy, or ``CREATE DATABASE ... TEMPLATE``), then filled with plain inserts by the same
``fill_plan`` the query-budget test uses (tests/test_plan_scale.py), so "the standard large plan"
is one thing. ``--quick`` (``demo=False``) builds the test suite's small world instead of the
demo, on an already migrated template when one is given, so the smoke run takes seconds.
"""

from __future__ import annotations

import os
import shutil
import types
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from app import migrations
from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.models import Account, Action, Priority, User
from app.plans import repository as plans_repo
from app.web.security import session_csrf_token
from tests import factories
from tests.test_plan_scale import fill_plan

SECRET_KEY = "bench-" + "k" * 58
LARGE = {"priorities": 30, "initiatives": 60, "actions": 300, "comments": 2000}
DEMO_LEAD, DEMO_SPONSOR, DEMO_ACCOUNT = (
    "lead@brightwell.example",
    "sponsor@harbor.example",
    "Harbor Logistics",
)


@dataclass
class Person:
    role: str  # "lead" or "sponsor"
    token: str
    csrf: str

    @property
    def vendor(self) -> bool:
        return self.role == "lead"


@dataclass
class Built:
    """One database, filled: where it is and what the load generators need."""

    backend: str  # "sqlite" or "postgresql"
    url: str
    factor: int
    account_id: int
    people: list[Person] = field(default_factory=list)
    priorities: list[int] = field(default_factory=list)
    actions: dict[int, int] = field(default_factory=dict)  # id -> version
    statuses: dict[int, str] = field(default_factory=dict)  # id -> status

    def person(self, role: str) -> Person:
        return next(p for p in self.people if p.role == role)


def settings() -> Settings:
    return Settings(environment="test", secret_key=SECRET_KEY)


class Backend:
    """Makes and drops the benchmark's databases of one kind."""

    def __init__(self, kind: str, *, workdir: Path, admin_url: str = "") -> None:
        self.kind, self.workdir, self.admin_url = kind, workdir, admin_url
        self.made: list[str] = []

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        return sa.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        engine = create_db_engine(self.admin_url).execution_options(isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(sql))
        finally:
            engine.dispose()

    def create(self, name: str, *, template: str = "", from_file: str = "") -> str:
        """A new empty (or copied) database; its URL."""
        if self.kind == "sqlite":
            path = self.workdir / f"{name}.db"
            source = Path(from_file) if from_file else self.workdir / f"{template}.db"
            if template or from_file:
                shutil.copyfile(source, path)
            self.made.append(str(path))
            return self.url(name)
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{copy}')
        self.made.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        for name in reversed(self.made):
            if self.kind == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(name + suffix).unlink(missing_ok=True)
            else:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


def build_base(backend: Backend, name: str, *, demo: bool, template_file: str = "") -> str:
    """Migrated, with the demo (or the test world) loaded; its URL."""
    url = backend.create(name, from_file=template_file)
    engine = create_db_engine(url)
    try:
        if not template_file:
            migrations.upgrade(engine, "head")
        db = Database(engine)
        with db.session() as session:
            if demo:
                from app import demo as demo_story

                demo_story.load(session)
            else:
                factories.build_world(session)
            session.commit()
    finally:
        engine.dispose()
    return url


def _cast(session: Session, *, demo: bool) -> tuple[Account, User, User]:
    def user(email: str) -> User:
        return session.exec(select(User).where(User.email == email)).one()

    if demo:
        account = session.exec(select(Account).where(Account.name == DEMO_ACCOUNT)).one()
        return account, user(DEMO_LEAD), user(DEMO_SPONSOR)
    account = session.exec(select(Account).where(Account.name == "Own account")).one()
    return account, user("lead@vendor.example"), user("sponsor@client.example")


def fill(
    backend: Backend,
    name: str,
    base: str,
    *,
    factor: int,
    demo: bool,
    scale: float = 1.0,
    sessions_each: int = 25,
) -> Built:
    """A copy of ``base`` with the large plan times ``factor`` (times ``scale`` for --quick)."""
    url = backend.create(name, template=base)
    engine = create_db_engine(url)
    try:
        db = Database(engine)
        with db.session() as session:
            account, lead, sponsor = _cast(session, demo=demo)
            world = types.SimpleNamespace(
                account=account, members={"lead": lead, "sponsor": sponsor}
            )
            counts = {k: max(1, int(v * factor * scale)) for k, v in LARGE.items()}
            fill_plan(session, world, **counts)  # type: ignore[arg-type]
            assert account.id is not None
            built = Built(backend.kind, url, factor, account.id)
            _sign_in(session, built, lead, sponsor, sessions_each)
            _items(session, built)
            session.commit()
    finally:
        engine.dispose()
    return built


def _sign_in(session: Session, built: Built, lead: User, sponsor: User, each: int) -> None:
    """``each`` live sessions of the lead and of the sponsor, alternating (lead first)."""
    for _ in range(each):
        for role, user in (("lead", lead), ("sponsor", sponsor)):
            token = sessions.start(
                session, user=user, ip="127.0.0.1", user_agent="bench", settings=settings()
            )
            built.people.append(Person(role, token, session_csrf_token(SECRET_KEY, token)))


def _items(session: Session, built: Built) -> None:
    plan = plans_repo.current(session, account_id=built.account_id)
    assert plan is not None
    built.priorities = list(
        session.exec(select(Priority.id).where(Priority.plan_id == plan.id)).all()  # type: ignore[arg-type]
    )
    rows = session.exec(
        select(Action.id, Action.version, Action.status).where(Action.plan_id == plan.id)
    ).all()
    built.actions = {int(i): int(v) for i, v, _ in rows if i is not None}
    built.statuses = {int(i): str(s) for i, _, s in rows if i is not None}


def action_version(url: str, action_id: int) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text("SELECT version FROM action WHERE id = :id"), {"id": action_id}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def server_env(url: str, port: int) -> dict[str, str]:
    """A benchmarked server's environment. It runs as production does (templates read once, not
    checked on disk at each render as in development), under the name "test": production would
    also ask for the mail settings that nothing here sends with."""
    return {
        **os.environ,
        "PYTHONPATH": os.getcwd(),
        "JP_DATABASE_URL": url,
        "JP_SECRET_KEY": SECRET_KEY,
        "JP_BASE_URL": f"http://127.0.0.1:{port}",
        "JP_ENVIRONMENT": "test",
    }
