"""Answering from the home's "Waiting for you" (issue 12, point 1): each kind answered in place,
with htmx (the panel comes back, the item gone, the counts down, a toast) and without (a 303
home with a flash); the same audit event as the page's own route; the same 403/404 as that
route; a stale version refused with the person's text kept; two answers at once to one
suggestion: one wins."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models import (
    AuditEvent,
    Initiative,
    InitiativeStatus,
    Plan,
    Priority,
    PriorityStatus,
    ProfileSection,
    Role,
    Stakeholder,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.profile import service as profile
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import CheckedStakeholder
from app.waiting import repository as waiting_repo
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, race
from tests.test_periods import build_story, roll_over
from tests.test_waiting import (
    Planted,
    _fixed_clock,
    _sponsor_on_accounts,
    kinds,
    plan_of,
    plant,
    queries_of_home,
)
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
__all__ = ["_fixed_clock"]  # the clock of tests/test_waiting.py, fixed for these tests too


def base(world: World) -> str:
    return f"/accounts/{world.account.id}"


def total(text: str) -> int:
    found = re.search(r'class="badge waiting-total" data-count="(\d+)"', text)
    return int(found.group(1)) if found else 0


def last_event_id(session: Session) -> int:
    session.expire_all()
    return max((e.id or 0 for e in session.exec(select(AuditEvent)).all()), default=0)


def verbs_since(session: Session, after: int) -> list[str]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent.verb).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id))
        ).all()
    )


def post(client: TestClient, url: str, data: dict[str, Any], *, htmx: bool) -> Any:  # the response
    return client.post(url, data=data | {"csrf_token": CSRF}, headers=HTMX if htmx else None)


def another_suggestion(session: Session, world: World, title: str) -> Priority:
    made = priorities.suggest(
        session,
        actor=world.members["lead"],
        plan=plan_of(session, world.account),
        values=PriorityValues(title=title),
    )
    session.commit()
    return made


def sent_person(session: Session, world: World, name: str = "Ingrid Berg") -> Stakeholder:
    """A person on the relationship map, sent to the client for their check."""
    assert world.account.id is not None
    person = stakeholders.add(
        session,
        actor=world.members["lead"],
        account_id=world.account.id,
        checked=CheckedStakeholder(name=name, title="Head of Fleet"),
    )
    stakeholders.send(
        session, actor=world.members["lead"], account_id=world.account.id, people=[person]
    )
    session.commit()
    session.refresh(person)
    return person


@pytest.fixture
def planted(client: TestClient, session: Session, world: World) -> Planted:
    found = plant(session, world, world.account)
    sign_in(client, session, world.members["sponsor"])
    return found


# --- Each kind, with htmx and without --------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_suggestion_is_accepted_from_the_home_as_from_the_plan(
    client: TestClient, session: Session, world: World, planted: Planted, htmx: bool
) -> None:
    before_total = total(client.get("/").text)
    twin = another_suggestion(session, world, "Suggested: twin answered on the plan")
    # The plan's own route first: the audit event the home's answer must match.
    mark = last_event_id(session)
    on_plan = post(
        client, f"{base(world)}/suggestions/{twin.id}/accept", {"version": "1"}, htmx=False
    )
    assert on_plan.status_code == 303
    from_plan = verbs_since(session, mark)
    mark = last_event_id(session)
    url = f"{base(world)}/waiting/suggestions/{planted.suggestion}/accept"
    response = post(client, url, {"version": "1"}, htmx=htmx)
    assert verbs_since(session, mark) == from_plan == ["priority.suggestion_accepted"]
    assert session.get(Priority, planted.suggestion).status == PriorityStatus.ACTIVE  # type: ignore[union-attr]
    if htmx:
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section class="panel waiting" id="waiting"')
        assert "Accepted “Suggested: faster depots” as priority" in response.text
        assert 'hx-swap-oob="beforeend"' in response.text  # the toast
        page = response.text
    else:
        assert response.status_code == 303
        assert response.headers["location"] == "/#waiting"
        page = client.get("/").text
        assert "Accepted “Suggested: faster depots” as priority" in page  # the flash
    assert "suggestions" not in kinds(page)
    assert total(page) == before_total - 1


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_suggestion_is_declined_with_a_reason_and_a_missing_one_is_asked_for(
    client: TestClient, session: Session, world: World, planted: Planted, htmx: bool
) -> None:
    url = f"{base(world)}/waiting/suggestions/{planted.suggestion}/reject"
    mark = last_event_id(session)
    missing = post(client, url, {"version": "1", "reason": "  "}, htmx=htmx)
    assert missing.status_code == 422
    assert 'aria-invalid="true"' in missing.text
    assert f'id="waiting-reason-suggestion-{planted.suggestion}"' in missing.text
    assert verbs_since(session, mark) == []
    done = post(client, url, {"version": "1", "reason": "We run our own depots"}, htmx=htmx)
    assert done.status_code == (200 if htmx else 303)
    assert verbs_since(session, mark) == ["priority.suggestion_rejected"]
    suggestion = session.get(Priority, planted.suggestion)
    assert suggestion is not None
    assert suggestion.status == PriorityStatus.REJECTED
    assert "suggestions" not in kinds(client.get("/").text)


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_a_proposal_is_answered_from_the_home(
    client: TestClient, session: Session, world: World, planted: Planted, decision: str
) -> None:
    url = f"{base(world)}/waiting/initiatives/{planted.proposal}/answer"
    mark = last_event_id(session)
    reason = "Not this year" if decision == "decline" else ""
    response = post(
        client, url, {"version": "2", "decision": decision, "reason": reason}, htmx=True
    )
    assert response.status_code == 200, response.text[:500]
    status = InitiativeStatus.ACCEPTED if decision == "accept" else InitiativeStatus.DECLINED
    assert verbs_since(session, mark) == [f"initiative.{status.value}"]
    assert session.get(Initiative, planted.proposal).status == status  # type: ignore[union-attr]
    assert "proposals" not in kinds(response.text)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_profile_section_is_confirmed_or_corrected_from_the_home(
    client: TestClient, session: Session, world: World, planted: Planted, htmx: bool
) -> None:
    section = session.get(ProfileSection, planted.section)
    assert section is not None
    version = profile.answer_version(section)
    url = f"{base(world)}/waiting/validation/profile/{planted.section}"
    empty = post(client, url, {"version": version, "decision": "correct"}, htmx=htmx)
    assert empty.status_code == 422
    mark = last_event_id(session)
    typed = "Nordic and Baltic road freight."
    response = post(
        client, url, {"version": version, "decision": "correct", "correction": typed}, htmx=htmx
    )
    assert response.status_code == (200 if htmx else 303)
    assert verbs_since(session, mark) == ["profile.corrected"]
    session.expire_all()
    section = session.get(ProfileSection, planted.section)
    assert section is not None
    assert section.client_correction == typed
    assert "check" not in kinds(client.get("/").text)


def test_a_person_on_the_map_is_confirmed_from_the_home(
    client: TestClient, session: Session, world: World, planted: Planted
) -> None:
    person = sent_person(session, world)
    page = client.get("/").text
    assert kinds(page)["check"] == 2
    version = stakeholders.shared_version(person)
    assert f'value="{version}"' in page  # the version the validation page's form carries
    mark = last_event_id(session)
    url = f"{base(world)}/waiting/validation/stakeholders/{person.id}"
    response = post(client, url, {"version": version, "decision": "confirm"}, htmx=True)
    assert response.status_code == 200, response.text[:500]
    assert verbs_since(session, mark) == ["stakeholder.confirmed"]
    assert "Thank you: you confirmed Ingrid Berg." in response.text
    assert kinds(response.text)["check"] == 1


def test_the_plan_is_approved_from_the_home_after_being_asked(
    client: TestClient, session: Session, world: World, planted: Planted
) -> None:
    url = f"{base(world)}/waiting/plan/approve"
    page = client.get("/").text
    assert f'action="{url}"' in page
    assert "data-confirm=" in page
    mark = last_event_id(session)
    asked = post(client, url, {}, htmx=False)  # without JavaScript: the confirmation page
    assert asked.status_code == 200
    assert verbs_since(session, mark) == []
    done = post(client, url, dict(CONFIRMATION), htmx=True)
    assert done.status_code == 200
    assert verbs_since(session, mark) == ["plan.approved"]
    assert "approval" not in kinds(done.text)
    assert "Approved as client sponsor" in done.text or "Approved as" in done.text


@pytest.mark.parametrize("status", ["done", "in_progress"])
def test_an_action_is_started_or_marked_done_from_the_home(
    client: TestClient, session: Session, world: World, planted: Planted, status: str
) -> None:
    url = f"{base(world)}/waiting/actions/{planted.action}/status"
    page = client.get("/").text
    assert 'aria-label="Start: Send the depot hours"' in page
    assert 'aria-label="Mark done: Send the depot hours"' in page
    mark = last_event_id(session)
    response = post(client, url, {"version": "1", "status": status}, htmx=True)
    assert response.status_code == 200
    assert verbs_since(session, mark) == ["action.status_changed"]
    assert kinds(response.text)["actions"] == (1 if status == "done" else 2)
    refused = post(client, url, {"version": "2", "status": "cancelled"}, htmx=True)
    assert refused.status_code == 422  # from the home only start or done


def test_every_control_is_named_after_its_item(
    client: TestClient, session: Session, world: World, planted: Planted
) -> None:
    page = client.get("/").text
    labels = re.findall(r'aria-label="([^"]+)"', page)
    answers = [label for label in labels if ":" in label and label != "Dismiss"]
    assert len(answers) == len(set(answers)), answers
    for label in (
        "Accept: Suggested: faster depots",
        "Accept: Proposed: tracking page",
        "Confirm: Markets and positioning",
    ):
        assert f'aria-label="{label}"' in page, label
    for shown in (
        "Reject…",
        "Decline…",
        "Correct…",
    ):  # the rest of the name is there for screen readers
        assert f'{shown}<span class="visually-hidden"> “' in page


# --- Who may: exactly as the page's own route -------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "team", "lead"])
def test_who_may_not_answer_gets_what_the_page_route_gives(
    client: TestClient, session: Session, world: World, planted: Planted, who: str
) -> None:
    section = session.get(ProfileSection, planted.section)
    assert section is not None
    version = profile.answer_version(section)
    pairs = [
        (f"suggestions/{planted.suggestion}/accept", {"version": "1"}),
        (
            f"suggestions/{planted.suggestion}/reject",
            {"version": "1", "reason": "No"},
        ),
        (
            f"initiatives/{planted.proposal}/answer",
            {"version": "2", "decision": "accept"},
        ),
        (
            f"validation/profile/{planted.section}",
            {"version": version, "decision": "confirm"},
        ),
    ]
    sign_in(client, session, world.members[who])
    mark = last_event_id(session)
    for tail, data in pairs:
        page_route = post(client, f"{base(world)}/{tail}", data, htmx=False)
        home_route = post(client, f"{base(world)}/waiting/{tail}", data, htmx=False)
        assert page_route.status_code in (403, 404), (tail, page_route.status_code)
        assert home_route.status_code == page_route.status_code, tail
    assert verbs_since(session, mark) == []


def test_another_accounts_item_is_not_found(
    client: TestClient, session: Session, world: World, planted: Planted
) -> None:
    other = f"/accounts/{world.other_account.id}/waiting/suggestions/{planted.suggestion}/accept"
    assert post(client, other, {"version": "1"}, htmx=True).status_code == 404


# --- Stale answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_stale_answer_is_refused_with_the_text_kept(
    client: TestClient, session: Session, world: World, planted: Planted, htmx: bool
) -> None:
    # The vendor rewords the suggestion after the sponsor loaded the home (version 1).
    suggestion = session.get(Priority, planted.suggestion)
    assert suggestion is not None
    suggestion.version += 1
    session.add(suggestion)
    session.commit()
    mark = last_event_id(session)
    url = f"{base(world)}/waiting/suggestions/{planted.suggestion}/reject"
    typed = "We already measure depot times ourselves"
    response = post(client, url, {"version": "1", "reason": typed}, htmx=htmx)
    assert response.status_code == 409
    assert "meanwhile, so your answer was not saved" in response.text
    assert typed in response.text
    assert verbs_since(session, mark) == []


def test_a_stale_correction_keeps_the_typed_text(
    client: TestClient, session: Session, world: World, planted: Planted
) -> None:
    url = f"{base(world)}/waiting/validation/profile/{planted.section}"
    typed = "Only Nordic road freight, no rail."
    response = post(
        client, url, {"version": "19990101", "decision": "correct", "correction": typed}, htmx=True
    )
    assert response.status_code == 409
    assert typed in response.text


# --- The versions the panel carries are the pages' -------------------------------------------


def test_the_panel_carries_the_versions_the_validation_page_checks(
    session: Session, world: World, planted: Planted
) -> None:
    person = sent_person(session, world, "Ola Nordmann")
    session.expire_all()
    assert world.account.id is not None
    rows = {r.link: r for r in waiting_repo.to_check(session, account_ids=[world.account.id])}
    section = session.get(ProfileSection, planted.section)
    stored = session.get(Stakeholder, person.id)
    assert section is not None
    assert stored is not None
    assert rows["section"].version == profile.answer_version(section)
    assert rows["person"].version == stakeholders.shared_version(stored)


# --- Queries ----------------------------------------------------------------------------------


def test_the_home_with_its_answers_runs_the_same_queries_for_one_account_or_five(
    client: TestClient,
    session: Session,
    world: World,
    planted: Planted,
    count_queries: QueryCounter,
) -> None:
    one = queries_of_home(client, count_queries)
    _sponsor_on_accounts(session, world, 4)
    five = queries_of_home(client, count_queries)
    page = client.get("/").text
    assert page.count('aria-label="Accept: Suggested: faster depots"') == 5
    assert five == one, count_queries.statements


# --- Two answers at once ----------------------------------------------------------------------


def test_two_answers_at_once_to_one_suggestion_one_wins(live_server: LiveServer) -> None:
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        lead = factories.make_user(session, name="Lead", password=None, workspace=workspace)
        factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=admin)
        clients_side = []
        for i, role in enumerate((Role.SPONSOR, Role.MEMBER)):
            person = factories.make_user(session, name=f"Client {i}", password=None)
            factories.add_member(session, account=account, user=person, role=role, by=admin)
            clients_side.append(person)
        plan = plans_repo.current(session, account_id=account.id or 0)
        assert isinstance(plan, Plan)
        suggestion = priorities.suggest(
            session, actor=lead, plan=plan, values=PriorityValues(title="Raced suggestion")
        )
        session.commit()
        account_id, suggestion_id = account.id, suggestion.id
    clients = [_client(live_server, person) for person in clients_side]
    path = f"/accounts/{account_id}/waiting/suggestions/{suggestion_id}"
    typed = "Typed by the one who declines"
    try:
        responses = race(
            [
                partial(
                    clients[0].post,
                    f"{path}/accept",
                    data={"version": "1", "csrf_token": CSRF},
                ),
                partial(
                    clients[1].post,
                    f"{path}/reject",
                    data={"version": "1", "reason": typed, "csrf_token": CSRF},
                ),
            ]
        )
    finally:
        for c in clients:
            c.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303, 409], codes
    loser = next(i for i, r in enumerate(responses) if r.status_code == 409)
    assert "meanwhile" in responses[loser].text
    if loser == 1:
        assert typed in responses[loser].text
    with Session(live_server.db.engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id)
            .where(AuditEvent.item_id == str(suggestion_id))
            .where(col(AuditEvent.verb).startswith("priority.suggestion_"))
        ).all()
        verbs = [e.verb for e in events]
        assert len(verbs) == 1, verbs
        stored = session.get(Priority, suggestion_id)
        assert stored is not None
        won = PriorityStatus.ACTIVE if loser == 1 else PriorityStatus.REJECTED
        assert stored.status == won


# --- A closed period ---------------------------------------------------------------------------


def test_an_answer_to_an_item_of_a_closed_period_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    story = build_story(session, world)
    roll_over(client, session, world, story)
    sign_in(client, session, world.members["sponsor"])
    mark = last_event_id(session)
    url = f"{base(world)}/waiting/suggestions/{story.suggestion.id}/reject"
    response = post(client, url, {"version": "1", "reason": "Too late"}, htmx=True)
    assert response.status_code == 409
    assert "This period of the plan is closed" in response.text  # a toast, for htmx
    plain = post(client, url, {"version": "1", "reason": "Too late"}, htmx=False)
    assert plain.status_code == 409
    assert "This period is closed" in plain.text
    assert verbs_since(session, mark) == []
