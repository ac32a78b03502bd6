"""The client's ranked priorities: only client people write them; every change is audited;
a stale edit is refused with who changed it, keeping what the person typed."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from app.models import AuditEvent, Priority
from app.plans import repository as plans_repo
from app.priorities import service
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def add(session: Session, world: World, title: str) -> Priority:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    priority = service.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=PriorityValues(title=title),
    )
    session.commit()
    return priority


def titles_in_order(session: Session, world: World) -> list[str]:
    session.expire_all()  # the requests changed rows through their own sessions
    rows = session.exec(
        select(Priority)
        .where(Priority.account_id == world.account.id)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank))
    ).all()
    assert [p.rank for p in rows] == list(range(1, len(rows) + 1)), "ranks stay 1..n"
    return [p.title for p in rows]


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


@pytest.mark.parametrize("role", ["sponsor", "member"])
def test_client_people_add_priorities_at_the_bottom_of_the_ranking(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    add(session, world, "First")
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, "/priorities"),
        data={
            "title": "Second",
            "importance": "critical",
            "horizon": "now",
            "owner_id": str(world.members["sponsor"].id),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Added “Second” as priority 2." in response.text
    assert titles_in_order(session, world) == ["First", "Second"]
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.verb == "priority.created")
        .order_by(col(AuditEvent.id).desc())
    ).first()
    assert event is not None
    assert event.visibility == "shared"
    assert event.changes["title"] == [None, "Second"]


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "viewer"])
def test_nobody_else_writes_the_clients_priorities(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    priority = add(session, world, "The client's own words")
    sign_in(client, session, world.members[role])
    data = {
        "title": "Rewritten by someone else",
        "importance": "low",
        "horizon": "later",
        "version": "1",
        "direction": "down",
    }
    for path in (
        "/priorities",
        f"/priorities/{priority.id}",
        f"/priorities/{priority.id}/move",
        f"/priorities/{priority.id}/remove",
    ):
        assert client.post(url(world, path), data=data, headers=HTMX).status_code == 403, path
    assert titles_in_order(session, world) == ["The client's own words"]


def test_moving_up_and_down_reranks_and_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "A")
    add(session, world, "B")
    c = add(session, world, "C")
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, f"/priorities/{c.id}/move"), data={"direction": "up"}, headers=HTMX
    )
    assert response.status_code == 200
    assert f'data-focus="move-up-{c.id}"' in response.text
    assert titles_in_order(session, world) == ["A", "C", "B"]
    client.post(url(world, f"/priorities/{c.id}/move"), data={"direction": "up"}, headers=HTMX)
    client.post(url(world, f"/priorities/{c.id}/move"), data={"direction": "up"}, headers=HTMX)
    assert titles_in_order(session, world) == ["C", "A", "B"]  # already first: nothing moves
    reranked = session.exec(
        select(AuditEvent)
        .where(AuditEvent.verb == "priority.reranked")
        .order_by(col(AuditEvent.seq))
    ).all()
    assert [e.changes["rank"] for e in reranked] == [[3, 2], [2, 1]]


def test_removing_closes_the_gap_in_the_ranking(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "A")
    b = add(session, world, "B")
    add(session, world, "C")
    sign_in(client, session, world.members["sponsor"])
    assert (
        client.post(
            url(world, f"/priorities/{b.id}/remove"), data=CONFIRMATION, headers=HTMX
        ).status_code
        == 200
    )
    assert titles_in_order(session, world) == ["A", "C"]
    assert client.get(url(world, f"/priorities/{b.id}/edit")).status_code == 404


def test_a_stale_edit_is_refused_naming_who_changed_it_and_keeps_the_typed_text(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add(session, world, "Original")
    sign_in(client, session, world.members["sponsor"])
    first = client.post(
        url(world, f"/priorities/{priority.id}"),
        data={
            "title": "Sponsor's wording",
            "importance": "high",
            "horizon": "now",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert first.status_code == 303
    sign_in(client, session, world.members["member"])
    stale = client.post(
        url(world, f"/priorities/{priority.id}"),
        data={
            "title": "Member's wording",
            "importance": "low",
            "horizon": "later",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert stale.status_code == 409
    assert f"{world.members['sponsor'].email} changed this priority meanwhile" in stale.text
    assert 'value="Member&#39;s wording"' in stale.text  # what they typed is still in the form
    assert "Sponsor&#39;s wording" in stale.text  # next to what is saved now
    assert 'name="version" value="2"' in stale.text
    assert titles_in_order(session, world) == ["Sponsor's wording"]


def test_bad_input_is_answered_on_the_form_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/priorities"),
        data={
            "title": "",
            "description": "Why this matters to us",
            "importance": "urgent",
            "horizon": "now",
            "owner_id": str(world.members["lead"].id),
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter a title." in response.text
    assert "Choose how important this is." in response.text
    assert "Choose an owner from your organisation" in response.text  # a vendor person
    assert "Why this matters to us" in response.text
    assert titles_in_order(session, world) == []


def test_everyone_in_the_account_reads_the_plan_but_only_writers_see_the_controls(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "Visible to all")
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan"))
    assert page.status_code == 200
    assert "Visible to all" in page.text
    assert "Add a priority" not in page.text
    assert "Move up" not in page.text
    sign_in(client, session, world.members["sponsor"])
    assert "Add a priority" in client.get(url(world, "/plan")).text


def test_the_plan_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    add(session, world, "Only one")
    sign_in(client, session, world.members["sponsor"])
    client.get(url(world, "/plan"))  # warm up (session touch, caches)
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    for i in range(30):
        add(session, world, f"Priority {i}")
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    assert len(re.findall(r'class="priority"', page.text)) == 31
    assert count_queries.count == few
    assert few <= 10


def test_moving_a_priority_does_not_refuse_an_open_edit_of_its_wording(
    client: TestClient, session: Session, world: World
) -> None:
    """Ranks are not on the edit form: a move by someone else is not a conflicting edit."""
    first, second = add(session, world, "First"), add(session, world, "Second")
    sign_in(client, session, world.members["member"])
    moved = client.post(
        url(world, f"/priorities/{second.id}/move"), data={"direction": "up", "csrf_token": CSRF}
    )
    assert moved.status_code == 303
    saved = client.post(
        url(world, f"/priorities/{first.id}"),
        data={
            "title": "First, reworded",
            "importance": "high",
            "horizon": "next",
            "version": str(first.version),
            "csrf_token": CSRF,
        },
    )
    assert saved.status_code == 303
    assert titles_in_order(session, world) == ["Second", "First, reworded"]
