"""Initiatives: the vendor drafts (internal), proposes (shared) and revises them; the client
accepts, declines or parks them with a reason. A draft never reaches the client side: not its
title, not its id, not its count, not an audit row."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from app.initiatives import repository, service
from app.initiatives.schemas import InitiativeValues
from app.kit.window import PAGE
from app.models import (
    AuditEvent,
    Initiative,
    InitiativeStatus,
    Notification,
    Plan,
    Priority,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def plan_of(session: Session, world: World) -> Plan:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def priority(session: Session, world: World, title: str) -> Priority:
    made = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=plan_of(session, world),
        values=PriorityValues(title=title),
    )
    session.commit()
    return made


def draft(
    session: Session, world: World, title: str = "Draft idea", links: list[int] | None = None
) -> Initiative:
    made = service.create(
        session,
        actor=world.members["lead"],
        plan=plan_of(session, world),
        values=InitiativeValues(
            title=title,
            value_for_client="Faster",
            value_for_vendor="Revenue",
            owner_id=world.members["team"].id,
            priority_ids=links or [],
        ),
    )
    session.commit()
    return made


def proposed(
    session: Session, world: World, title: str = "Proposal", links: list[int] | None = None
) -> Initiative:
    made = draft(session, world, title, links)
    service.propose(
        session, actor=world.members["lead"], initiative=made, expected_version=made.version
    )
    session.commit()
    return made


def reload(session: Session, initiative: Initiative) -> Initiative:
    session.expire_all()  # the requests changed rows through their own sessions
    found = session.get(Initiative, initiative.id)
    assert found is not None
    return found


def events(session: Session, verb: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.id))
        ).all()
    )


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def links_of(session: Session, world: World, initiative: Initiative) -> list[int]:
    assert initiative.id is not None
    return repository.linked_priority_ids(
        session,
        account_id=world.account.id,  # type: ignore[arg-type]
        initiative_id=initiative.id,
    )


@pytest.mark.parametrize("role", ["lead", "team"])
def test_vendor_contributors_draft_an_internal_initiative_linked_to_priorities(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    first = priority(session, world, "Cut lead times")
    second = priority(session, world, "Enter Spain")
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, "/initiatives"),
        data={
            "title": "Regional warehouse pilot",
            "description": "Two sites, one quarter",
            "value_for_client": "Lead times halved",
            "value_for_vendor": "A reference case",
            "owner_id": str(world.members["team"].id),
            "priority_ids": [str(second.id), str(first.id)],
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Saved the draft “Regional warehouse pilot”" in response.text
    assert "Internal drafts — not visible to the client" in response.text
    assert re.search(r'id="focus"[^>]*hx-swap-oob="true"', response.text)  # figures follow
    made = session.exec(select(Initiative)).one()
    assert made.status == InitiativeStatus.DRAFT
    assert made.visibility == "internal"
    assert links_of(session, world, made) == sorted([first.id, second.id])  # type: ignore[type-var]
    (event,) = events(session, "initiative.created")
    assert event.visibility == "internal"
    assert event.changes["title"] == [None, "Regional warehouse pilot"]
    assert event.changes["priority_ids"] == [None, sorted([first.id, second.id])]  # type: ignore[type-var]


def test_without_js_a_draft_is_saved_and_the_browser_goes_back_to_the_plan(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, "/initiatives"),
        data={"title": "Plain form", "owner_id": str(world.members["lead"].id), "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(url(world, "/plan#initiative-"))
    page = client.get(url(world, "/plan"))
    assert "Saved the draft “Plain form”" in page.text
    assert "Us-focused: answers no client priority" in page.text


def test_bad_input_is_answered_at_the_fields_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    ours = priority(session, world, "Ours")
    other_plan = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    assert other_plan is not None
    theirs = priorities.create(
        session,
        actor=world.admin,
        plan=other_plan,
        values=PriorityValues(title="Theirs"),
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, "/initiatives"),
        data={
            "title": " ",
            "description": "Typed with care",
            "value_for_client": "x" * 2001,
            "owner_id": str(world.members["sponsor"].id),  # a client person
            "priority_ids": [str(ours.id), str(theirs.id)],  # one of another account
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter a title." in response.text
    assert "Keep the value for the client under 2000 characters." in response.text
    assert "Choose an owner from your team in this account." in response.text
    assert "Choose priorities from the client&#39;s current list." in response.text
    assert "Typed with care" in response.text
    assert f'value="{ours.id}" checked' in response.text  # the ticks are kept too
    assert session.exec(select(Initiative)).all() == []
    # Without JS: the whole page, same answer.
    page = client.post(
        url(world, "/initiatives"),
        data={"title": "", "description": "Again", "csrf_token": CSRF},
    )
    assert page.status_code == 422
    assert "Enter a title." in page.text
    assert "Again" in page.text
    assert "<html" in page.text


def test_editing_changes_content_and_links_and_is_audited_with_the_items_visibility(
    client: TestClient, session: Session, world: World
) -> None:
    a = priority(session, world, "A")
    b = priority(session, world, "B")
    item = draft(session, world, "Draft", [a.id])  # type: ignore[list-item]
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, f"/initiatives/{item.id}/edit"))
    assert page.status_code == 200
    assert f'value="{a.id}" checked' in page.text
    response = client.post(
        url(world, f"/initiatives/{item.id}"),
        data={
            "title": "Draft, sharper",
            "owner_id": str(world.members["lead"].id),
            "priority_ids": [str(b.id)],
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 303
    item = reload(session, item)
    assert item.title == "Draft, sharper"
    assert item.version == 2
    assert links_of(session, world, item) == [b.id]
    (event,) = events(session, "initiative.updated")
    assert event.visibility == "internal"
    assert event.changes["priority_ids"] == [[a.id], [b.id]]
    assert event.changes["value_for_client"] == ["Faster", ""]


def test_a_stale_edit_is_refused_naming_who_changed_it_and_keeps_the_typed_text(
    client: TestClient, session: Session, world: World
) -> None:
    a = priority(session, world, "A")
    item = draft(session, world, "Original")
    sign_in(client, session, world.members["lead"])
    first = client.post(
        url(world, f"/initiatives/{item.id}"),
        data={
            "title": "Lead's wording",
            "owner_id": str(world.members["lead"].id),
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert first.status_code == 303
    sign_in(client, session, world.members["team"])
    stale = client.post(
        url(world, f"/initiatives/{item.id}"),
        data={
            "title": "Team's wording",
            "owner_id": str(world.members["team"].id),
            "priority_ids": [str(a.id)],
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed this initiative meanwhile" in stale.text
    assert 'value="Team&#39;s wording"' in stale.text
    assert f'value="{a.id}" checked' in stale.text  # the typed links are kept
    assert "Lead&#39;s wording" in stale.text  # next to what is saved now
    assert 'name="version" value="2"' in stale.text
    item = reload(session, item)
    assert item.title == "Lead's wording"
    assert links_of(session, world, item) == []


def test_proposing_shares_it_with_its_content_and_tells_the_client_contributors(
    client: TestClient, session: Session, world: World
) -> None:
    a = priority(session, world, "A")
    item = draft(session, world, "Pilot", [a.id])  # type: ignore[list-item]
    sign_in(client, session, world.members["team"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/propose"),
        data={**CONFIRMATION, "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Proposed “Pilot” to the client." in response.text
    item = reload(session, item)
    assert (item.status, item.visibility) == ("proposed", "shared")
    assert item.proposed_at is not None
    (event,) = events(session, "initiative.proposed")
    assert event.visibility == "shared"
    assert event.changes["status"] == ["draft", "proposed"]
    assert event.changes["title"] == [None, "Pilot"]
    assert event.changes["priority_ids"] == [None, [a.id]]
    notified = {n.user_id for n in session.exec(select(Notification)).all()}
    assert notified == {world.members["sponsor"].id, world.members["member"].id}
    # Seen by the client now, with its answer buttons.
    sign_in(client, session, world.members["member"])
    page = client.get(url(world, "/plan"))
    assert "Pilot" in page.text
    assert f"/initiatives/{item.id}/answer" in page.text
    # Already proposed: it is not proposed twice, and nothing goes back to draft.
    sign_in(client, session, world.members["lead"])
    again = client.post(
        url(world, f"/initiatives/{item.id}/propose"),
        data={**CONFIRMATION, "version": "2"},
        headers=HTMX,
    )
    assert again.status_code == 409
    assert "already waiting for the client" in again.text


def test_proposing_an_outdated_draft_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    item = draft(session, world)
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/propose"),
        data={**CONFIRMATION, "version": "0"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert reload(session, item).status == "draft"


@pytest.mark.parametrize(
    ("decision", "status"), [("accept", "accepted"), ("decline", "declined"), ("park", "parked")]
)
def test_the_client_answers_with_a_reason_and_the_owner_and_lead_are_told(
    client: TestClient, session: Session, world: World, decision: str, status: str
) -> None:
    item = proposed(session, world)
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={"decision": decision, "reason": "Budget is set in May", "version": "2"},
        headers=HTMX,
    )
    assert response.status_code == 200
    item = reload(session, item)
    assert item.status == status
    assert item.answer_reason == "Budget is set in May"
    assert item.answered_by_id == world.members["sponsor"].id
    assert "Budget is set in May" in response.text
    (event,) = events(session, f"initiative.{status}")
    assert event.visibility == "shared"
    assert event.changes == {
        "status": ["proposed", status],
        "answer_reason": ["", "Budget is set in May"],
    }
    told = session.exec(
        select(Notification).where(Notification.kind == "initiative.answered")
    ).all()
    assert {n.user_id for n in told} == {world.members["team"].id, world.members["lead"].id}


@pytest.mark.parametrize("decision", ["decline", "park"])
def test_declining_or_parking_needs_a_reason(
    client: TestClient, session: Session, world: World, decision: str
) -> None:
    item = proposed(session, world)
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={"decision": decision, "reason": "  ", "version": "2"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Say why you are" in response.text
    assert reload(session, item).status == "proposed"
    nonsense = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={"decision": "maybe", "reason": "Kept text", "version": "2"},
        headers=HTMX,
    )
    assert nonsense.status_code == 422
    assert "Choose to accept, decline or park" in nonsense.text
    assert "Kept text" in nonsense.text


def test_accepting_needs_no_reason_and_then_it_can_no_longer_be_changed(
    client: TestClient, session: Session, world: World
) -> None:
    item = proposed(session, world)
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={**CONFIRMATION, "decision": "accept", "version": "2", "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert reload(session, item).status == "accepted"
    twice = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={**CONFIRMATION, "decision": "decline", "reason": "Changed my mind", "version": "3"},
        headers=HTMX,
    )
    assert twice.status_code == 409
    assert "already answered" in twice.text
    sign_in(client, session, world.members["lead"])
    assert client.get(url(world, f"/initiatives/{item.id}/edit")).status_code == 409
    assert (
        client.post(
            url(world, f"/initiatives/{item.id}/propose"),
            data={**CONFIRMATION, "version": "3"},
            headers=HTMX,
        ).status_code
        == 409
    )
    assert reload(session, item).status == "accepted"


def test_an_answer_to_a_version_the_vendor_changed_meanwhile_is_refused_keeping_the_reason(
    client: TestClient, session: Session, world: World
) -> None:
    item = proposed(session, world)
    service.update(
        session,
        actor=world.members["lead"],
        initiative=item,
        values=InitiativeValues(
            title="Proposal, bigger scope",
            value_for_client="Faster",
            owner_id=world.members["team"].id,
        ),
        expected_version=2,
    )
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={"decision": "park", "reason": "Not this quarter", "version": "2"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert f"{world.members['lead'].email} changed this initiative meanwhile" in response.text
    assert "Not this quarter" in response.text
    assert reload(session, item).status == "proposed"


def test_a_declined_initiative_is_revised_and_proposed_again_keeping_the_history(
    client: TestClient, session: Session, world: World
) -> None:
    a = priority(session, world, "A")
    item = proposed(session, world)
    service.answer(
        session,
        actor=world.members["sponsor"],
        initiative=item,
        status=InitiativeStatus.DECLINED,
        reason="Does not answer our priorities",
        expected_version=2,
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    edited = client.post(
        url(world, f"/initiatives/{item.id}"),
        data={
            **CONFIRMATION,
            "title": "Proposal, now for A",
            "owner_id": str(world.members["team"].id),
            "priority_ids": [str(a.id)],
            "version": "3",
            "csrf_token": CSRF,
        },
    )
    assert edited.status_code == 303
    (update,) = events(session, "initiative.updated")
    assert update.visibility == "shared"  # the client saw the declined version
    response = client.post(
        url(world, f"/initiatives/{item.id}/propose"),
        data={**CONFIRMATION, "version": "4"},
        headers=HTMX,
    )
    assert response.status_code == 200
    item = reload(session, item)
    assert (item.status, item.visibility, item.answer_reason) == ("proposed", "shared", "")
    assert item.answered_by_id is None
    first, second = events(session, "initiative.proposed")
    assert second.changes["status"] == ["declined", "proposed"]
    assert second.changes["answer_reason"] == ["Does not answer our priorities", ""]
    assert second.changes["title"] == [None, "Proposal, now for A"]
    assert first.changes["title"] == [None, "Proposal"]


def test_only_drafts_are_removed(client: TestClient, session: Session, world: World) -> None:
    item = draft(session, world, "Half-baked")
    shared = proposed(session, world, "Shared one")
    sign_in(client, session, world.members["team"])
    response = client.post(
        url(world, f"/initiatives/{item.id}/remove"), data=CONFIRMATION, headers=HTMX
    )
    assert response.status_code == 200
    assert "Removed the draft “Half-baked”." in response.text
    assert reload(session, item).removed_at is not None
    (event,) = events(session, "initiative.removed")
    assert event.visibility == "internal"
    assert client.get(url(world, f"/initiatives/{item.id}/edit")).status_code == 404
    refused = client.post(
        url(world, f"/initiatives/{shared.id}/remove"), data=CONFIRMATION, headers=HTMX
    )
    assert refused.status_code == 409
    assert reload(session, shared).removed_at is None


@pytest.mark.parametrize("role", ["mentor", "sponsor", "member", "viewer"])
def test_only_vendor_contributors_write_initiatives(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    item = proposed(session, world, "Theirs to write")
    sign_in(client, session, world.members[role])
    data = {"title": "Hijacked", "owner_id": str(world.members["lead"].id), "version": "2"}
    for path in (
        "/initiatives",
        f"/initiatives/{item.id}",
        f"/initiatives/{item.id}/propose",
        f"/initiatives/{item.id}/remove",
    ):
        assert client.post(url(world, path), data=data, headers=HTMX).status_code == 403, path
    assert client.get(url(world, f"/initiatives/{item.id}/edit")).status_code == 403
    assert reload(session, item).title == "Theirs to write"


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "viewer"])
def test_only_client_contributors_answer(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    item = proposed(session, world)
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, f"/initiatives/{item.id}/answer"),
        data={"decision": "accept", "version": "2"},
        headers=HTMX,
    )
    assert response.status_code == 403
    assert reload(session, item).status == "proposed"


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_the_client_side_never_learns_of_a_draft(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    a = priority(session, world, "A")
    secret = draft(session, world, "Upsell the premium tier", [a.id])  # type: ignore[list-item]
    shared = proposed(session, world, "Shared proposal")
    sign_in(client, session, world.members[role])
    page = client.get(url(world, "/plan"))
    assert page.status_code == 200
    assert "Shared proposal" in page.text
    assert "Upsell the premium tier" not in page.text
    assert f"initiative-{secret.id}" not in page.text
    assert f"/initiatives/{secret.id}/" not in page.text
    assert "Internal drafts" not in page.text
    assert not re.search(rf"#\s*{secret.id}\b", page.text)
    assert not re.search(rf"#\s*{shared.id}\b", page.text)  # no numbers that show gaps
    audit = client.get(url(world, "/audit"))
    assert "Upsell the premium tier" not in audit.text
    missing = client.post(
        url(world, "/initiatives/999999/answer"), data={"decision": "accept"}, headers=HTMX
    )
    answer = client.post(
        url(world, f"/initiatives/{secret.id}/answer"), data={"decision": "accept"}, headers=HTMX
    )
    assert answer.status_code == (404 if role != "viewer" else 403)
    assert unmasked(answer.text) == unmasked(missing.text)
    assert reload(session, secret).status == "draft"


def test_every_event_about_a_draft_is_internal(
    client: TestClient, session: Session, world: World
) -> None:
    item = draft(session, world, "Quiet")
    sign_in(client, session, world.members["lead"])
    client.post(
        url(world, f"/initiatives/{item.id}"),
        data={
            **CONFIRMATION,
            "title": "Quieter",
            "owner_id": str(world.members["lead"].id),
            "version": "1",
        },
        headers=HTMX,
    )
    client.post(url(world, f"/initiatives/{item.id}/remove"), data=CONFIRMATION, headers=HTMX)
    session.expire_all()
    about = session.exec(
        select(AuditEvent)
        .where(AuditEvent.item_type == "initiative")
        .where(AuditEvent.item_id == str(item.id))
        .order_by(col(AuditEvent.seq))
    ).all()
    assert [e.verb for e in about] == [
        "initiative.created",
        "initiative.updated",
        "initiative.removed",
    ]
    assert {e.visibility for e in about} == {"internal"}


def test_the_section_groups_by_status_and_flags_us_focused_initiatives(
    client: TestClient, session: Session, world: World
) -> None:
    a = priority(session, world, "Cut lead times")
    proposed(session, world, "Answers A", [a.id])  # type: ignore[list-item]
    proposed(session, world, "Serves us")
    draft(session, world, "In the works")
    sign_in(client, session, world.members["lead"])
    text = client.get(url(world, "/plan")).text
    section = text[text.index('id="initiatives"') :]
    assert section.index("Proposed — waiting") < section.index("Internal drafts — not visible")
    assert section.count("Us-focused: answers no client priority") == 2  # "Serves us", the draft
    assert "Cut lead times" in section
    assert "Propose to the client" in section
    assert "Remove" in section
    assert "Value for the client" in section
    assert "Faster" in section
    assert world.members["team"].display_name in section  # the owner


def test_the_plan_page_reads_every_priority_an_initiative_answers(
    client: TestClient, session: Session, world: World
) -> None:
    """One row an initiative, its links joined in it: none is lost, and the page lists them
    in the client's order."""
    ranked = [priority(session, world, f"Goal {i}") for i in range(3)]
    two = proposed(session, world, "Answers two", [ranked[2].id, ranked[0].id])  # type: ignore[list-item]
    proposed(session, world, "Answers none")
    plan = plan_of(session, world)
    views = repository.for_plan(
        session,
        account_id=world.account.id,  # type: ignore[arg-type]
        plan_id=plan.id,  # type: ignore[arg-type]
        visibilities=["shared", "internal"],
    )
    assert {view.initiative.title: sorted(view.priority_ids) for view in views} == {
        "Answers two": sorted([ranked[0].id, ranked[2].id]),  # type: ignore[type-var]
        "Answers none": [],
    }
    sign_in(client, session, world.members["lead"])
    text = client.get(url(world, "/plan")).text
    item = text[text.index(f'id="initiative-{two.id}"') :]
    item = item[: item.index("</ul>")]
    assert item.index("Goal 0") < item.index("Goal 2")
    assert "Goal 1" not in item


def test_the_plan_page_loads_initiatives_in_one_query_whatever_their_number(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    ranked = [priority(session, world, f"P{i}") for i in range(3)]
    ids = [p.id for p in ranked]
    proposed(session, world, "One", ids[:2])  # type: ignore[arg-type]
    sign_in(client, session, world.members["lead"])
    client.get(url(world, "/plan"))  # warm up
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    loader = [s for s in count_queries.statements if "FROM initiative" in s]
    assert len(loader) == 1
    for i in range(20):
        draft(session, world, f"Draft {i}", ids)  # type: ignore[arg-type]
        proposed(session, world, f"Shared {i}", ids[i % 3 :])  # type: ignore[arg-type]
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    # 21 proposed: a page of them, the rest on demand (app/kit/window.py); the 20 drafts
    assert len(re.findall(r'class="initiative"', page.text)) == 2 * PAGE
    assert count_queries.count == few
    assert few <= 10
    count_queries.statements.clear()
    page = client.get(url(world, "/plan?initiatives_proposed=all"))
    assert len(re.findall(r'class="initiative"', page.text)) == 41
    assert count_queries.count == few


def test_each_initiative_is_given_its_active_priorities_in_the_clients_order() -> None:
    """The plan page links initiatives to priorities once, in Python (``link_priorities``):
    in the order the client ranked them, leaving out a priority that is not in the ranked list
    (removed, or a suggestion)."""
    from app.initiatives.sections import link_priorities
    from app.models import Initiative, Priority

    first, second, third = (
        Priority(id=i, title=f"P{i}", rank=r) for i, r in ((30, 1), (10, 2), (20, 3))
    )
    ranked = [first, second, third]
    answers_three = repository.InitiativeView(Initiative(id=1, title="A"), [10, 20, 30])
    answers_gone = repository.InitiativeView(Initiative(id=2, title="B"), [10, 99])
    answers_none = repository.InitiativeView(Initiative(id=3, title="C"), [])
    link_priorities([answers_three, answers_gone, answers_none], ranked)
    assert answers_three.linked == [first, second, third]
    assert answers_gone.linked == [second]
    assert answers_none.linked == []
