"""Two (or more) people saving the same item at the same moment: exactly one wins, every other
one gets the conflict message, and nothing is overwritten silently (DESIGN.md §8).

The requests go to the app served on a real port, on a database whose transactions really
commit, released together by a barrier so that they overlap inside the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import Session, select

from app.auth import sessions
from app.models import AuditEvent, Role, User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityForm
from tests import factories
from tests.conftest import CSRF
from tests.live import LiveServer

WRITERS = 6


@dataclass
class Scene:
    account_id: int
    people: list[User]


def _scene(server: LiveServer) -> Scene:
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        people = []
        for i in range(WRITERS):
            person = factories.make_user(session, name=f"Writer {i}", password=None)
            factories.add_member(session, account=account, user=person, role=Role.MEMBER, by=admin)
            people.append(person)
        session.commit()
        assert account.id is not None
        return Scene(account.id, people)


def _client(server: LiveServer, person: User) -> httpx.Client:
    with server.db.session() as session:
        token = factories.sign_in(_CookieJar(), session, person)
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    client.cookies.set(sessions.SESSION_COOKIE, token)
    client.cookies.set("jp_csrf", CSRF)
    return client


class _CookieJar:
    """Stands in for a TestClient in ``factories.sign_in``: only its cookie jar is used."""

    def __init__(self) -> None:
        self.cookies = httpx.Cookies()


def race(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send the requests at once (a barrier releases every thread together)."""
    barrier = threading.Barrier(len(requests))
    results: list[httpx.Response | None] = [None] * len(requests)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_concurrent_edits_of_one_priority_one_wins(live_server: LiveServer) -> None:
    scene = _scene(live_server)
    with live_server.db.session() as session:
        plan = plans_repo.current(session, account_id=scene.account_id)
        assert plan is not None
        priority = priorities.create(
            session,
            actor=scene.people[0],
            plan=plan,
            form=PriorityForm(title="Original"),
            owner_id=None,
        )
        session.commit()
        priority_id, version = priority.id, priority.version
    path = f"/accounts/{scene.account_id}/priorities/{priority_id}"
    clients = [_client(live_server, person) for person in scene.people]
    try:
        responses = race(
            [
                lambda c=c, i=i: c.post(
                    path,
                    data={
                        "title": f"Version of writer {i}",
                        "importance": "high",
                        "horizon": "next",
                        "version": str(version),
                        "csrf_token": CSRF,
                    },
                )
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            c.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
    for i, response in enumerate(responses):
        if response.status_code == 409:
            assert "changed this priority meanwhile" in response.text
            assert f"Version of writer {i}" in response.text  # their text is kept
    with Session(live_server.db.engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.item_type == "priority")
            .where(AuditEvent.item_id == str(priority_id))
            .where(AuditEvent.verb == "priority.updated")
        ).all()
        assert len(events) == 1
        assert events[0].changes["title"] == ["Original", f"Version of writer {winner}"]


pytestmark = pytest.mark.usefixtures("fast_hashing")
