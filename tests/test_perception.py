"""The perception gap: the vendor records, internally, what it believes the client's
priorities and rating are; the page shows where that differs from what the client stated.
Nothing of it ever reaches the client side."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from app.models import AuditEvent, Notification, PerceivedPriority, PerceivedRating, ValueRating
from app.perception import service
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.test_priorities import add, url
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
MARKER = "HYPOTHESIS-MARKER-7f3a"


def believe(
    session: Session, world: World, title: str, *, linked: int | None = None, why: str = ""
) -> PerceivedPriority:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    belief = service.add_belief(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=BeliefValues(title=title, hypothesis=why, priority_id=linked),
    )
    session.commit()
    return belief


def beliefs_in_order(session: Session, world: World) -> list[str]:
    session.expire_all()
    rows = session.exec(
        select(PerceivedPriority)
        .where(PerceivedPriority.account_id == world.account.id)
        .where(col(PerceivedPriority.removed_at).is_(None))
        .order_by(col(PerceivedPriority.rank))
    ).all()
    assert [b.rank for b in rows] == list(range(1, len(rows) + 1)), "ranks stay 1..n"
    return [b.title for b in rows]


def internal_events(session: Session) -> list[AuditEvent]:
    """The perception events, in the order they were appended to the account's chain (a query
    without an order is in no order on PostgreSQL)."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.verb).startswith("perception."))
            .order_by(col(AuditEvent.chain), col(AuditEvent.seq))
        ).all()
    )


@pytest.mark.parametrize("role", ["lead", "team", "mentor"])
def test_the_vendor_side_reads_the_page(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    believe(session, world, "Cost cutting", why=MARKER)
    sign_in(client, session, world.members[role])
    page = client.get(url(world, "/perception"))
    assert page.status_code == 200
    assert MARKER in page.text
    assert ("Add a belief" in page.text) is (role != "mentor")
    assert "/perception" in client.get(url(world, "/plan")).text  # the link in the plan header


def test_the_workspace_admin_reads_and_writes_it(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    assert client.get(url(world, "/perception")).status_code == 200
    response = client.post(url(world, "/perception/beliefs"), data={"title": "X"}, headers=HTMX)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_the_client_side_gets_no_perception_content_anywhere(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    belief = believe(session, world, "Cost cutting", why=MARKER)
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    service.record_rating(
        session, actor=world.members["team"], plan=plan, overall=7, scores={}, note=MARKER
    )
    session.commit()
    sign_in(client, session, world.members[role])
    page = client.get(url(world, "/perception"))
    assert page.status_code == 403
    assert MARKER not in page.text
    plan_page = client.get(url(world, "/plan"))
    assert plan_page.status_code == 200
    assert MARKER not in plan_page.text
    assert "/perception" not in plan_page.text
    audit_page = client.get(url(world, "/audit"))
    assert audit_page.status_code == 200
    assert MARKER not in audit_page.text
    assert "perception." not in audit_page.text
    for path in (
        f"/perception/beliefs/{belief.id}/edit",
        f"/perception/beliefs/{belief.id}",
        f"/perception/beliefs/{belief.id}/move",
        f"/perception/beliefs/{belief.id}/remove",
        "/perception/beliefs",
        "/perception/rating",
    ):
        method = client.get if path.endswith("/edit") else client.post
        kwargs = {} if path.endswith("/edit") else {"headers": HTMX, "data": {"title": "x"}}
        response = method(url(world, path), **kwargs)  # type: ignore[operator]
        assert response.status_code == 403, path
        assert MARKER not in response.text
    assert session.exec(select(Notification)).all() == []
    assert all(e.visibility == "internal" for e in internal_events(session))


def test_adding_a_belief_is_audited_internally(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add(session, world, "Grow in Asia")
    sign_in(client, session, world.members["team"])
    response = client.post(
        url(world, "/perception/beliefs"),
        data={"title": "Expansion east", "hypothesis": MARKER, "priority_id": str(priority.id)},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Added “Expansion east” as belief 1." in response.text
    assert beliefs_in_order(session, world) == ["Expansion east"]
    (event,) = internal_events(session)
    assert event.verb == "perception.belief_added"
    assert event.visibility == "internal"
    assert event.changes["hypothesis"] == [None, MARKER]


def test_bad_input_keeps_the_text(client: TestClient, session: Session, world: World) -> None:
    other = add(session, world, "Linked already")
    believe(session, world, "First belief", linked=other.id)
    sign_in(client, session, world.members["lead"])
    for data, message in (
        ({"title": "", "hypothesis": "Careful reasoning"}, "Enter the priority you believe in."),
        (
            {"title": "T", "hypothesis": "Careful reasoning", "priority_id": "999999"},
            "Choose one of the client&#39;s current priorities, or none.",
        ),
        (
            {"title": "T", "hypothesis": "Careful reasoning", "priority_id": str(other.id)},
            "Your belief “First belief” already matches this priority",
        ),
    ):
        response = client.post(url(world, "/perception/beliefs"), data=data, headers=HTMX)
        assert response.status_code == 422
        assert message in response.text
        assert "Careful reasoning" in response.text
    assert beliefs_in_order(session, world) == ["First belief"]


def test_editing_a_belief_refuses_a_stale_version_naming_who_and_keeps_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    belief = believe(session, world, "Original")
    sign_in(client, session, world.members["lead"])
    form = client.get(url(world, f"/perception/beliefs/{belief.id}/edit"))
    assert form.status_code == 200
    assert 'value="Original"' in form.text
    first = client.post(
        url(world, f"/perception/beliefs/{belief.id}"),
        data={"title": "Lead's view", "version": "1", "csrf_token": CSRF},
    )
    assert first.status_code == 303
    sign_in(client, session, world.members["team"])
    stale = client.post(
        url(world, f"/perception/beliefs/{belief.id}"),
        data={"title": "Team's view", "hypothesis": "Because", "version": "1", "csrf_token": CSRF},
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed this belief meanwhile" in stale.text
    assert 'value="Team&#39;s view"' in stale.text
    assert "Lead&#39;s view" in stale.text
    assert 'name="version" value="2"' in stale.text
    assert beliefs_in_order(session, world) == ["Lead's view"]
    bad = client.post(
        url(world, f"/perception/beliefs/{belief.id}"),
        data={"title": "", "hypothesis": "Kept", "version": "2", "csrf_token": CSRF},
    )
    assert bad.status_code == 422
    assert "Kept" in bad.text
    (updated,) = [e for e in internal_events(session) if e.verb == "perception.belief_updated"]
    assert updated.visibility == "internal"


def test_moving_and_removing_beliefs(client: TestClient, session: Session, world: World) -> None:
    believe(session, world, "A")
    b = believe(session, world, "B")
    c = believe(session, world, "C")
    sign_in(client, session, world.members["team"])
    moved = client.post(
        url(world, f"/perception/beliefs/{c.id}/move"),
        data={**CONFIRMATION, "direction": "up"},
        headers=HTMX,
    )
    assert moved.status_code == 200
    assert f'data-focus="belief-up-{c.id}"' in moved.text
    assert beliefs_in_order(session, world) == ["A", "C", "B"]
    removed = client.post(
        url(world, f"/perception/beliefs/{b.id}/remove"), data=CONFIRMATION, headers=HTMX
    )
    assert removed.status_code == 200
    assert beliefs_in_order(session, world) == ["A", "C"]
    assert client.get(url(world, f"/perception/beliefs/{b.id}/edit")).status_code == 404
    verbs = [e.verb for e in internal_events(session)]
    assert verbs[-2:] == ["perception.belief_moved", "perception.belief_removed"]
    assert all(e.visibility == "internal" for e in internal_events(session))


def test_the_mentor_reads_but_does_not_write(
    client: TestClient, session: Session, world: World
) -> None:
    belief = believe(session, world, "A")
    sign_in(client, session, world.members["mentor"])
    assert client.post(url(world, "/perception/beliefs"), data={"title": "x"}).status_code == 403
    assert (
        client.post(url(world, f"/perception/beliefs/{belief.id}/remove"), headers=HTMX).status_code
        == 403
    )
    assert client.post(url(world, "/perception/rating"), data={"overall": "5"}).status_code == 403


def test_recording_a_believed_rating(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    dims = list(world.workspace.value_dimensions)
    bad = client.post(
        url(world, "/perception/rating"),
        data={
            "overall": "11",
            "dimension": dims[:2],
            "score": ["4", "zz"],
            "note": "Typed note",
        },
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "Choose a score from 0 to 10." in bad.text
    assert "Typed note" in bad.text
    assert session.exec(select(PerceivedRating)).all() == []
    response = client.post(
        url(world, "/perception/rating"),
        data={"overall": "6", "dimension": dims[:2], "score": ["4", ""], "note": "Gut feel"},
        headers=HTMX,
    )
    assert response.status_code == 200
    session.expire_all()
    (rating,) = session.exec(select(PerceivedRating)).all()
    assert rating.overall == 6
    assert rating.scores == {dims[0]: 4}
    (event,) = internal_events(session)
    assert event.verb == "perception.rating_recorded"
    assert event.visibility == "internal"


def test_the_gap_shows_missed_unmatched_rank_rejected_and_rating_differences(
    client: TestClient, session: Session, world: World
) -> None:
    first = add(session, world, "Client first")
    second = add(session, world, "Client second")
    add(session, world, "Nobody saw this coming")
    believe(session, world, "Our guess at their second", linked=second.id)
    believe(session, world, "Pet theory")
    believe(session, world, "Our guess at their first", linked=first.id)
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    suggestion = priorities.suggest(
        session, actor=world.members["lead"], plan=plan, values=PriorityValues(title="Assumed")
    )
    priorities.reject(
        session,
        actor=world.members["sponsor"],
        suggestion=suggestion,
        reason="We never said that.",
        expected_version=1,
    )
    dims = list(world.workspace.value_dimensions)
    service.record_rating(
        session, actor=world.members["lead"], plan=plan, overall=8, scores={dims[0]: 9}, note=""
    )
    session.add(
        ValueRating(
            account_id=plan.account_id,
            plan_id=plan.id,  # type: ignore[arg-type]
            overall=5,
            scores={dims[0]: 6, dims[1]: 7},
            rated_by_id=world.members["sponsor"].id,
        )
    )
    session.commit()
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, "/perception")).text
    missed = page.split('class="list gap-missed"')[1].split("</ul>")[0]
    assert "Nobody saw this coming" in missed
    assert "Client first" not in missed
    unmatched = page.split('class="list gap-unmatched"')[1].split("</ul>")[0]
    assert "Pet theory" in unmatched
    assert "Our guess" not in unmatched
    ranks = page.split('class="table gap-ranks"')[1].split("</table>")[0]
    assert "You rank it 2 lower" in ranks  # their first is our third
    assert "You rank it 1 higher" in ranks  # their second is our first
    rejected = page.split('class="list gap-rejected"')[1].split("</ul>")[0]
    assert "Assumed" in rejected
    assert "We never said that." in rejected
    scores = page.split('class="table gap-scores"')[1].split("</table>")[0]
    assert "You believe 3 higher" in scores  # overall 8 vs 5, and dimension 9 vs 6
    assert "You believe 3 higher" in scores.split(dims[0])[1]
    assert "Not comparable" in scores.split(dims[1])[1]  # no belief on that one


def test_a_belief_linked_to_a_removed_priority_becomes_unmatched(
    client: TestClient, session: Session, world: World
) -> None:
    gone = add(session, world, "Dropped by the client")
    believe(session, world, "We still think so", linked=gone.id)
    sign_in(client, session, world.members["sponsor"])
    client.post(url(world, f"/priorities/{gone.id}/remove"), data=CONFIRMATION, headers=HTMX)
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/perception")).text
    assert "We still think so" in page.split('class="list gap-unmatched"')[1].split("</ul>")[0]
    assert "no longer one of the client" in page


def test_the_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    p = add(session, world, "Stated")
    believe(session, world, "Believed", linked=p.id)
    sign_in(client, session, world.members["lead"])
    client.get(url(world, "/perception"))
    count_queries.statements.clear()
    assert client.get(url(world, "/perception")).status_code == 200
    few = count_queries.count
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    for i in range(20):
        stated = add(session, world, f"Stated {i}")
        believe(session, world, f"Believed {i}", linked=stated.id if i % 2 else None)
        service.record_rating(
            session, actor=world.members["lead"], plan=plan, overall=i % 11, scores={}, note=""
        )
    session.commit()
    count_queries.statements.clear()
    page = client.get(url(world, "/perception"))
    assert page.text.count('class="priority belief"') == 21
    assert count_queries.count == few
    assert few <= 10
