"""A change commits before its answer is rendered (``app.db.commit_before_answer``): the locks
that serialise writers (SQLite's write lock, PostgreSQL's row locks on the plan, the item and the
audit chain's head) are held while the change is made, not while the section that shows it is
drawn, and the answer reads in a transaction of its own that writes nothing.

Served on a real port, on a database whose transactions really commit: the statements the
server sends for one change are recorded in order."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.models import Action, Role
from app.plans import repository as plans_repo
from tests import factories
from tests.conftest import BACKEND, CSRF
from tests.live import LiveServer
from tests.test_api import bearer, token_of
from tests.test_concurrent_edits import _client

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
TOKEN_LOOKUP = "SELECT api_token.id, api_token.user_id"


@pytest.fixture
def statements(live_server: LiveServer) -> Iterator[list[str]]:
    """Every statement the server sends from now on, in order (the server's threads only)."""
    sent: list[str] = []
    here = threading.get_ident()

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if threading.get_ident() != here:
            sent.append(" ".join(statement.split()))

    def begin(conn: sa.Connection) -> None:
        if threading.get_ident() != here:
            sent.append("BEGIN")

    def commit(_conn: sa.Connection) -> None:
        if threading.get_ident() != here:
            sent.append("COMMIT")

    engine = live_server.db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    sa.event.listen(engine, "begin", begin)
    sa.event.listen(engine, "commit", commit)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", record)
    sa.event.remove(engine, "begin", begin)
    sa.event.remove(engine, "commit", commit)


def _scene(server: LiveServer) -> tuple[int, int, int, object]:
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        lead = factories.make_user(session, name="Lead", password=None, workspace=workspace)
        factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=admin)
        plan = plans_repo.current(session, account_id=account.id)  # type: ignore[arg-type]
        assert plan is not None
        action = actions.create(
            session,
            actor=lead,
            plan=plan,
            checked=CheckedAction("Workshop", "", None, None, "not_started", Link()),
        )
        session.commit()
        assert account.id is not None
        assert action.id is not None
        return account.id, action.id, action.version, lead


def _block(server: LiveServer, statements: list[str]) -> tuple[httpx.Response, int]:
    """The lead sets the scene's action to "blocked", with that request's statements alone
    recorded; the answer and the action's id."""
    account, action, version, lead = _scene(server)
    with _client(server, lead) as client:  # type: ignore[arg-type]
        statements.clear()
        answer = client.post(
            f"/accounts/{account}/actions/{action}/status",
            data={"status": "blocked", "version": str(version)},
            headers=HTMX,
        )
    return answer, action


def test_a_change_commits_before_the_section_that_shows_it_is_read(
    live_server: LiveServer, statements: list[str]
) -> None:
    answer, action = _block(live_server, statements)
    assert answer.status_code == 200
    assert "“Workshop” is now blocked." in answer.text
    update = next(i for i, s in enumerate(statements) if s.startswith("UPDATE action"))
    commit = statements.index("COMMIT", update)
    # The answer's own queries (the action's row, its comments' count and files) come after
    # the commit, in a transaction of their own that takes no write lock and locks no row; the
    # action stays open, so none of the page's loaders runs (its initiatives, for one).
    after = statements[commit + 1 :]
    assert any(s.startswith("SELECT action.id, action.title") for s in after), "\n".join(statements)
    assert any("FROM comment_tally" in s for s in after), statements  # counts and files
    assert not any(s.startswith("SELECT initiative.id") for s in statements), statements
    assert not any("FOR UPDATE" in s or s.startswith(("INSERT", "UPDATE", "DELETE")) for s in after)
    if BACKEND == "sqlite":
        assert "BEGIN DEFERRED" in after, statements
        assert "BEGIN IMMEDIATE" not in after, statements
    with live_server.db.session(writes=False) as session:
        assert session.exec(select(Action.status).where(Action.id == action)).one() == "blocked"


def test_a_refused_change_lets_go_of_its_locks_before_its_answer_too(
    live_server: LiveServer, statements: list[str]
) -> None:
    account, action, version, lead = _scene(live_server)
    with _client(live_server, lead) as client:  # type: ignore[arg-type]
        statements.clear()
        stale = client.post(
            f"/accounts/{account}/actions/{action}/status",
            data={"status": "blocked", "version": str(version - 1)},
            headers=HTMX,
        )
    assert stale.status_code == 409
    locked = next(i for i, s in enumerate(statements) if "FOR UPDATE" in s or "IMMEDIATE" in s)
    commit = statements.index("COMMIT", locked)
    assert any(s.startswith("SELECT action.id, action.title") for s in statements[commit:])


def test_a_change_reads_its_session_and_access_before_it_takes_the_write_lock(
    live_server: LiveServer, statements: list[str]
) -> None:
    """On SQLite the session's lookup and the reading of the person's membership of the
    account in the address share one transaction of their own, over before the write lock is
    taken (``app.auth.deps.read_with_access``, ``app.db.read_before_writing``): the lock is
    held from the change's first query (the plan's locked read), not also across the lookup,
    the guard and the ways between the worker threads. On PostgreSQL, which locks rows and
    not the database, the lookup is the change's transaction's first statement."""
    answer, _action = _block(live_server, statements)
    assert answer.status_code == 200
    lookup = next(i for i, s in enumerate(statements) if "FROM user_session" in s)
    access = next(i for i, s in enumerate(statements) if s.startswith("SELECT account.id"))
    update = next(i for i, s in enumerate(statements) if s.startswith("UPDATE action"))
    assert lookup < access, statements
    if BACKEND == "sqlite":
        locked = statements.index("BEGIN IMMEDIATE")
        assert statements[:lookup].count("BEGIN DEFERRED") == 1, statements
        assert not any(s.startswith(("BEGIN", "COMMIT")) for s in statements[lookup:access])
        assert access < statements.index("COMMIT", access) < locked < update, statements
        # Under the lock: the plan and the action, read and locked, then the change.
        first = next(s for s in statements[locked:] if s.startswith("SELECT"))
        assert first.startswith('SELECT "plan".id'), statements
        assert "COMMIT" not in statements[locked:update], statements
    else:
        assert "COMMIT" not in statements[lookup:update], statements


def test_an_api_change_looks_its_token_up_before_it_takes_the_write_lock(
    live_server: LiveServer, statements: list[str]
) -> None:
    """The same for a change through the API: its bearer token and the person's access are
    read outside SQLite's write lock, which the change's own first query takes."""
    account, action, version, lead = _scene(live_server)
    with live_server.db.session() as session:
        secret = token_of(session, lead)  # type: ignore[arg-type]
    statements.clear()
    answer = httpx.patch(
        f"{live_server.url}/api/v1/accounts/{account}/actions/{action}",
        json={"status": "blocked"},
        headers=bearer(secret) | {"If-Match": f'"v{version}"'},
    )
    assert answer.status_code == 200, answer.text
    # (The rate limit's count, in a short transaction of its own, comes first.)
    lookup = next(i for i, s in enumerate(statements) if s.startswith(TOKEN_LOOKUP))
    update = next(i for i, s in enumerate(statements) if s.startswith("UPDATE action"))
    if BACKEND == "sqlite":
        locked = statements.index("BEGIN IMMEDIATE", lookup)
        assert statements[lookup - 2] == "BEGIN DEFERRED", statements
        assert lookup < statements.index("COMMIT", lookup) < locked < update, statements
        access = next(i for i, s in enumerate(statements) if s.startswith("SELECT account.id"))
        assert not any(s.startswith(("BEGIN", "COMMIT")) for s in statements[lookup:access])
        assert access < statements.index("COMMIT", access) < locked, statements
    else:
        assert "COMMIT" not in statements[lookup:update], statements
