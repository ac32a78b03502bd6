"""Vendor suggestions of priorities: the vendor suggests, only a client contributor's answer
(accept, reword, reject with a reason) moves one anywhere; and re-ranking by the complete new
order (drag and drop), refused when the list changed meanwhile."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from app.models import AuditEvent, Notification, Priority, PriorityStatus
from app.plans import repository as plans_repo
from app.priorities import service
from app.priorities.schemas import PriorityValues
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.test_priorities import add, url
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def suggest(session: Session, world: World, title: str, *, by: str = "lead") -> Priority:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    suggestion = service.suggest(
        session,
        actor=world.members[by],
        plan=plan,
        values=PriorityValues(title=title, description="What we heard in the QBR"),
    )
    session.commit()
    return suggestion


def titles_in_order(session: Session, world: World) -> list[str]:
    """The client's ranking (suggestions are not in it), checking ranks stay 1..n."""
    session.expire_all()  # the requests changed rows through their own sessions
    rows = session.exec(
        select(Priority)
        .where(Priority.account_id == world.account.id)
        .where(Priority.status == PriorityStatus.ACTIVE)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank))
    ).all()
    assert [p.rank for p in rows] == list(range(1, len(rows) + 1)), "ranks stay 1..n"
    return [p.title for p in rows]


def fresh(session: Session, priority: Priority) -> Priority:
    session.expire_all()
    found = session.get(Priority, priority.id)
    assert found is not None
    return found


def events(session: Session, verb: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.id))
        ).all()
    )


def inbox(session: Session, user_id: int | None) -> list[str]:
    return list(
        session.exec(select(Notification.message).where(Notification.user_id == user_id)).all()
    )


# --- Suggesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "team"])
def test_vendor_contributors_suggest_and_the_client_contributors_are_told(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    add(session, world, "The client's own")
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, "/suggestions"),
        data={"title": "Faster onboarding", "importance": "high", "horizon": "now"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Suggested “Faster onboarding”" in response.text
    assert titles_in_order(session, world) == ["The client's own"]  # not in the ranking
    suggestion = session.exec(select(Priority).where(Priority.title == "Faster onboarding")).one()
    assert suggestion.status == PriorityStatus.SUGGESTED
    assert suggestion.rank is None
    assert suggestion.suggested_by_id == world.members[role].id
    (event,) = events(session, "priority.suggested")
    assert event.visibility == "shared"
    assert event.changes["title"] == [None, "Faster onboarding"]
    for told in ("sponsor", "member"):
        assert any("Faster onboarding" in m for m in inbox(session, world.members[told].id))
    for not_told in ("viewer", "mentor", "lead" if role == "team" else "team"):
        assert inbox(session, world.members[not_told].id) == []


def test_a_suggestion_with_bad_input_is_answered_on_the_form_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, "/suggestions"),
        data={"title": " ", "description": "Typed with care", "importance": "x", "horizon": "now"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter a title." in response.text
    assert "Choose how important this is." in response.text
    assert "Typed with care" in response.text
    assert session.exec(select(Priority)).all() == []


@pytest.mark.parametrize("role", ["mentor", "sponsor", "member", "viewer"])
def test_nobody_else_suggests(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, "/suggestions"), data={"title": "Sneaky", "importance": "high"}, headers=HTMX
    )
    assert response.status_code == 403
    assert session.exec(select(Priority)).all() == []


def test_the_plan_shows_suggestions_apart_with_controls_only_for_client_contributors(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "Ranked one")
    suggestion = suggest(session, world, "Lower churn")
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert "Lower churn" in page
    assert f"suggested by {world.members['lead'].display_name}" in page
    assert f"/suggestions/{suggestion.id}/accept" in page
    assert f"/suggestions/{suggestion.id}/reword" in page
    assert len(re.findall(r'class="priority"', page)) == 1  # the suggestion is not ranked
    for role in ("lead", "viewer"):
        sign_in(client, session, world.members[role])
        page = client.get(url(world, "/plan")).text
        assert "Lower churn" in page
        assert f"/suggestions/{suggestion.id}/accept" not in page
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert "The client decides" in page
    assert "Suggest a priority you believe the client has" in page


# --- Answering ----------------------------------------------------------------------------------


def test_accepting_as_worded_puts_it_at_the_bottom_and_tells_the_suggester(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "First")
    suggestion = suggest(session, world, "Lower churn", by="team")
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, f"/suggestions/{suggestion.id}/accept"), data={"version": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Accepted “Lower churn” as priority 2." in response.text
    assert titles_in_order(session, world) == ["First", "Lower churn"]
    accepted = fresh(session, suggestion)
    assert accepted.status == PriorityStatus.ACTIVE
    assert accepted.answered_by_id == world.members["member"].id
    (event,) = events(session, "priority.suggestion_accepted")
    assert event.visibility == "shared"
    assert event.changes == {"status": ["suggested", "active"], "rank": [None, 2]}
    assert any(
        "accepted your suggested priority" in m for m in inbox(session, world.members["team"].id)
    )


def test_rewording_then_accepting_records_the_client_wording(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world, "Lower churn")
    sign_in(client, session, world.members["sponsor"])
    form = client.get(url(world, f"/suggestions/{suggestion.id}/reword"))
    assert form.status_code == 200
    assert 'value="Lower churn"' in form.text  # prefilled with the suggestion
    assert 'name="version" value="1"' in form.text
    response = client.post(
        url(world, f"/suggestions/{suggestion.id}/reword"),
        data={
            "title": "Keep our best customers",
            "description": "What we heard in the QBR",
            "importance": "critical",
            "horizon": "now",
            "owner_id": str(world.members["sponsor"].id),
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/plan#priorities")
    assert titles_in_order(session, world) == ["Keep our best customers"]
    assert fresh(session, suggestion).owner_id == world.members["sponsor"].id
    (event,) = events(session, "priority.suggestion_accepted")
    assert event.changes["title"] == ["Lower churn", "Keep our best customers"]
    assert event.changes["importance"] == ["high", "critical"]
    assert "description" not in event.changes  # unchanged


def test_rewording_with_bad_input_keeps_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world, "Lower churn")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, f"/suggestions/{suggestion.id}/reword"),
        data={
            "title": "",
            "description": "Our own careful words",
            "importance": "high",
            "horizon": "soon",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 422
    assert "Enter a title." in response.text
    assert "Choose a time horizon." in response.text
    assert "Our own careful words" in response.text
    assert fresh(session, suggestion).status == PriorityStatus.SUGGESTED


def test_an_answer_after_someone_elses_is_refused_naming_them_and_keeps_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world, "Lower churn")
    sign_in(client, session, world.members["sponsor"])
    assert (
        client.post(
            url(world, f"/suggestions/{suggestion.id}/accept"), data={"version": "1"}, headers=HTMX
        ).status_code
        == 200
    )
    sign_in(client, session, world.members["member"])
    late = client.post(
        url(world, f"/suggestions/{suggestion.id}/reword"),
        data={
            "title": "Member's wording",
            "importance": "low",
            "horizon": "later",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert late.status_code == 409
    assert f"{world.members['sponsor'].email} already accepted this suggestion" in late.text
    assert 'value="Member&#39;s wording"' in late.text
    rejected_late = client.post(
        url(world, f"/suggestions/{suggestion.id}/reject"),
        data={"reason": "Not ours", "version": "1"},
        headers=HTMX,
    )
    assert rejected_late.status_code == 409
    assert "already accepted this suggestion" in rejected_late.text
    assert titles_in_order(session, world) == ["Lower churn"]
    assert len(events(session, "priority.suggestion_accepted")) == 1
    assert events(session, "priority.suggestion_rejected") == []
    # The reword page of an answered suggestion is gone.
    assert client.get(url(world, f"/suggestions/{suggestion.id}/reword")).status_code == 404


def test_rejecting_needs_a_reason_and_keeps_it_visible_to_both_sides(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world, "Lower churn")
    sign_in(client, session, world.members["sponsor"])
    empty = client.post(
        url(world, f"/suggestions/{suggestion.id}/reject"),
        data={"reason": "   ", "version": "1"},
        headers=HTMX,
    )
    assert empty.status_code == 422
    assert "Enter why this is not one of your priorities." in empty.text
    assert fresh(session, suggestion).status == PriorityStatus.SUGGESTED
    response = client.post(
        url(world, f"/suggestions/{suggestion.id}/reject"),
        data={"reason": "Churn is fine; margin is our problem.", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    rejected = fresh(session, suggestion)
    assert rejected.status == PriorityStatus.REJECTED
    assert rejected.rank is None
    assert rejected.answer_reason == "Churn is fine; margin is our problem."
    (event,) = events(session, "priority.suggestion_rejected")
    assert event.visibility == "shared"
    assert event.changes["reason"] == [None, "Churn is fine; margin is our problem."]
    assert any("margin is our problem" in m for m in inbox(session, world.members["lead"].id))
    assert titles_in_order(session, world) == []
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert "Rejected suggestions (1)" in page
    assert "Churn is fine; margin is our problem." in page


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "viewer"])
def test_only_client_contributors_answer(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    suggestion = suggest(session, world, "Lower churn")
    sign_in(client, session, world.members[role])
    data = {"version": "1", "reason": "No", "title": "Applied silently", "importance": "high"}
    for tail in ("accept", "reword", "reject"):
        path = url(world, f"/suggestions/{suggestion.id}/{tail}")
        assert client.post(path, data=data, headers=HTMX).status_code == 403, tail
    assert client.get(url(world, f"/suggestions/{suggestion.id}/reword")).status_code == 403
    assert fresh(session, suggestion).status == PriorityStatus.SUGGESTED


def test_a_priority_is_not_a_suggestion(client: TestClient, session: Session, world: World) -> None:
    priority = add(session, world, "The client's own")
    sign_in(client, session, world.members["sponsor"])
    for tail in ("accept", "reject"):
        path = url(world, f"/suggestions/{priority.id}/{tail}")
        response = client.post(path, data={"version": "1", "reason": "x"}, headers=HTMX)
        assert response.status_code == 404, tail
    assert client.get(url(world, f"/suggestions/{priority.id}/reword")).status_code == 404


def test_the_plan_page_with_many_suggestions_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    add(session, world, "Only one")
    suggest(session, world, "First suggestion")
    sign_in(client, session, world.members["sponsor"])
    client.get(url(world, "/plan"))
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    for i in range(15):
        suggest(session, world, f"Suggestion {i}", by="team")
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    for s in session.exec(select(Priority).where(Priority.title.startswith("Suggestion 1"))).all():  # type: ignore[attr-defined]
        service.reject(
            session, actor=world.members["member"], suggestion=s, reason="No", expected_version=1
        )
    session.commit()
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    assert len(re.findall(r'class="suggestion"', page.text)) > 5
    assert "Rejected suggestions (6)" in page.text
    assert count_queries.count == few
    assert few <= 10


# --- Re-ranking by drag and drop ----------------------------------------------------------------


def ids_of(session: Session, world: World) -> list[int]:
    session.expire_all()
    return [
        p.id  # type: ignore[misc]
        for p in session.exec(
            select(Priority)
            .where(Priority.account_id == world.account.id)
            .where(Priority.status == PriorityStatus.ACTIVE)
            .where(col(Priority.removed_at).is_(None))
            .order_by(col(Priority.rank))
        ).all()
    ]


def test_the_complete_new_order_is_saved_and_audited(
    client: TestClient, session: Session, world: World
) -> None:
    a, b, c = (add(session, world, t) for t in "ABC")
    suggest(session, world, "Pending suggestion")
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert f'data-reorder-url="/accounts/{world.account.id}/priorities/order"' in page
    assert 'class="drag-handle"' in page
    response = client.post(
        url(world, "/priorities/order"),
        data={"ids": [str(c.id), str(a.id), str(b.id)]},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Saved the new order." in response.text
    assert 'id="priorities"' in response.text
    assert titles_in_order(session, world) == ["C", "A", "B"]
    (event,) = events(session, "priority.reordered")
    assert event.visibility == "shared"
    assert event.changes == {"order": [["A", "B", "C"], ["C", "A", "B"]]}
    # The same order again changes nothing and records nothing.
    again = client.post(
        url(world, "/priorities/order"),
        data={"ids": [str(c.id), str(a.id), str(b.id)]},
        headers=HTMX,
    )
    assert again.status_code == 200
    assert len(events(session, "priority.reordered")) == 1


def test_an_order_made_before_someone_added_or_removed_a_priority_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = add(session, world, "A"), add(session, world, "B")
    add(session, world, "Added meanwhile")
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, "/priorities/order"), data={"ids": [str(b.id), str(a.id)]}, headers=HTMX
    )
    assert response.status_code == 409
    assert "The list changed while you were re-ranking" in response.text
    assert "Added meanwhile" in response.text  # the current list comes back
    assert titles_in_order(session, world) == ["A", "B", "Added meanwhile"]
    assert events(session, "priority.reordered") == []


@pytest.mark.parametrize(
    "ids", [[], ["abc"], ["{a}", "{a}"], ["{a}", "{b}", "999999999999999999999"]]
)
def test_a_malformed_order_is_refused(
    client: TestClient, session: Session, world: World, ids: list[str]
) -> None:
    a, b = add(session, world, "A"), add(session, world, "B")
    sign_in(client, session, world.members["sponsor"])
    sent = [i.format(a=a.id, b=b.id) for i in ids]
    response = client.post(url(world, "/priorities/order"), data={"ids": sent}, headers=HTMX)
    assert response.status_code == 422
    assert titles_in_order(session, world) == ["A", "B"]


def test_a_suggestion_id_in_the_order_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    a = add(session, world, "A")
    s = suggest(session, world, "Not ranked")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/priorities/order"), data={"ids": [str(s.id), str(a.id)]}, headers=HTMX
    )
    assert response.status_code == 409
    assert fresh(session, s).rank is None


def test_reordering_without_javascript_goes_back_to_the_plan(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = add(session, world, "A"), add(session, world, "B")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/priorities/order"),
        data={"ids": [str(b.id), str(a.id)], "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert titles_in_order(session, world) == ["B", "A"]


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "viewer"])
def test_only_client_writers_reorder(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    a, b = add(session, world, "A"), add(session, world, "B")
    sign_in(client, session, world.members[role])
    assert "data-reorder-url" not in client.get(url(world, "/plan")).text
    response = client.post(
        url(world, "/priorities/order"), data={"ids": [str(b.id), str(a.id)]}, headers=HTMX
    )
    assert response.status_code == 403
    assert titles_in_order(session, world) == ["A", "B"]
