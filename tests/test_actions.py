"""Joint actions: contributors of both sides write them, any member owns them; the SMART check
flags what is missing, overdue actions stand out, owners are told, and "my actions" lists a
person's open actions across the accounts they are still on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.actions import repository, sections, service, smart, view
from app.actions.schemas import ActionForm, CheckedAction, Link
from app.kit.clock import DEFAULT_ZONE, local_today, zone_named
from app.kit.window import PAGE
from app.models import (
    Account,
    Action,
    ActionStatus,
    AuditEvent,
    Initiative,
    InitiativeStatus,
    Notification,
    OutboxMessage,
    Priority,
    Role,
    User,
    Visibility,
)
from app.permissions.policy import Actor
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from app.web.forms import FormErrors
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, add_member, attach, sign_in
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
TODAY = local_today(zone_named(DEFAULT_ZONE))  # the world's workspaces are in UTC


def url(world: World, tail: str = "", account: Account | None = None) -> str:
    return f"/accounts/{(account or world.account).id}{tail}"


def set_status(
    client: TestClient, world: World, action_id: int | None, status: str, version: int | str
) -> httpx.Response:
    """The status form of the action ``action_id`` posted as htmx posts it."""
    return client.post(
        url(world, f"/actions/{action_id}/status"),
        data={"status": status, "version": str(version)},
        headers=HTMX,
    )


def add(
    session: Session,
    world: World,
    title: str,
    *,
    owner: User | None = None,
    due: date | None = None,
    status: ActionStatus = ActionStatus.NOT_STARTED,
    outcome: str = "",
    link: Link | None = None,
    account: Account | None = None,
    by: User | None = None,
) -> Action:
    account = account or world.account
    plan = plans_repo.current(session, account_id=account.id)  # type: ignore[arg-type]
    assert plan is not None
    action = service.create(
        session,
        actor=by or world.admin,
        plan=plan,
        checked=CheckedAction(
            title, outcome, owner.id if owner else None, due, status.value, link or Link()
        ),
    )
    session.commit()
    return action


def add_priority(session: Session, world: World, title: str, account: Account | None = None) -> int:
    account = account or world.account
    plan = plans_repo.current(session, account_id=account.id)  # type: ignore[arg-type]
    assert plan is not None
    priority = priorities.create(
        session, actor=world.admin, plan=plan, values=PriorityValues(title=title)
    )
    session.commit()
    assert priority.id is not None
    return priority.id


def add_initiative(session: Session, world: World, title: str, *, draft: bool) -> int:
    """Initiatives are another package's; a row is all these tests need."""
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    assert plan.id is not None
    initiative = Initiative(
        account_id=plan.account_id,
        plan_id=plan.id,
        title=title,
        status=InitiativeStatus.DRAFT if draft else InitiativeStatus.PROPOSED,
        visibility=Visibility.INTERNAL if draft else Visibility.SHARED,
    )
    session.add(initiative)
    session.commit()
    assert initiative.id is not None
    return initiative.id


def live_actions(session: Session, world: World) -> list[Action]:
    session.expire_all()  # the requests changed rows through their own sessions
    return list(
        session.exec(
            select(Action)
            .where(Action.account_id == world.account.id)
            .where(col(Action.removed_at).is_(None))
            .order_by(col(Action.created_at), col(Action.id))
        ).all()
    )


def last_event(session: Session, verb: str) -> AuditEvent:
    event = session.exec(
        select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.id).desc())
    ).first()
    assert event is not None, verb
    return event


def notes_for(session: Session, user: User) -> list[Notification]:
    session.expire_all()
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user.id)
            .where(Notification.kind == "action.assigned")
        ).all()
    )


def mails_to(session: Session, user: User) -> list[OutboxMessage]:
    return list(
        session.exec(select(OutboxMessage).where(OutboxMessage.to_address == user.email)).all()
    )


# --- the SMART check and the overdue rule (pure functions) ------------------------------------


@dataclass
class Parts:
    outcome: str = "Lead time under 5 days, from the monthly report"
    owner_id: int | None = 7
    due_on: date | None = date(2027, 3, 31)
    status: str = ActionStatus.IN_PROGRESS.value


def test_a_complete_action_has_no_gaps() -> None:
    assert smart.gaps(Parts()) == []


def test_the_smart_check_names_each_missing_part_in_order() -> None:
    assert smart.gaps(Parts(outcome="  ")) == [smart.Gap.OUTCOME]
    assert smart.gaps(Parts(owner_id=None)) == [smart.Gap.OWNER]
    assert smart.gaps(Parts(due_on=None)) == [smart.Gap.DUE_DATE]
    assert smart.gaps(Parts(outcome="", owner_id=None, due_on=None)) == [
        smart.Gap.OUTCOME,
        smart.Gap.OWNER,
        smart.Gap.DUE_DATE,
    ]
    assert smart.Gap.OWNER.label == "Needs an owner"


def test_an_owner_who_left_the_account_counts_as_no_owner() -> None:
    assert smart.gaps(Parts(), owner_active=False) == [smart.Gap.OWNER]


@pytest.mark.parametrize("status", [ActionStatus.DONE, ActionStatus.CANCELLED])
def test_closed_actions_are_neither_flagged_nor_overdue(status: ActionStatus) -> None:
    closed = Parts(outcome="", owner_id=None, due_on=date(2020, 1, 1), status=status.value)
    assert smart.gaps(closed) == []
    assert smart.overdue_days(closed, today=date(2027, 1, 1)) == 0
    assert smart.due_label(closed, today=date(2027, 1, 1)) == ""


def test_overdue_counts_days_past_the_due_date_of_open_actions() -> None:
    due = Parts(due_on=date(2027, 3, 31), status=ActionStatus.BLOCKED.value)
    assert smart.overdue_days(due, today=date(2027, 3, 31)) == 0
    assert smart.overdue_days(due, today=date(2027, 4, 3)) == 3
    assert smart.due_label(due, today=date(2027, 4, 1)) == "Overdue by 1 day"
    assert smart.due_label(due, today=date(2027, 4, 3)) == "Overdue by 3 days"
    assert smart.due_label(due, today=date(2027, 3, 31)) == "Due today"
    assert smart.due_label(due, today=date(2027, 3, 30)) == "Due tomorrow"
    assert smart.due_label(due, today=date(2027, 3, 21)) == "Due in 10 days"
    assert smart.overdue_days(Parts(due_on=None), today=date(2027, 4, 3)) == 0


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"due_on": "31/03/2027"}, "due_on"),
        ({"due_on": "2027-02-30"}, "due_on"),
        ({"due_on": "0202-01-01"}, "due_on"),
        ({"due_on": "2027-W13-3"}, "due_on"),
        ({"status": "finished"}, "status"),
        ({"link": "priority:abc"}, "link"),
        ({"link": "comment:3"}, "link"),
        ({"owner_id": "99999999999999999999"}, "owner_id"),
    ],
)
def test_the_form_check_refuses_bad_values(typed: dict[str, str], field: str) -> None:
    form = ActionForm(**({"title": "Workshop"} | typed))
    checked = form.check({1, 2})
    assert isinstance(checked, FormErrors)
    assert field in checked


def test_the_form_check_returns_the_values() -> None:
    form = ActionForm(
        title=" Workshop ", owner_id="2", due_on="2027-03-31", status="blocked", link="priority:5"
    )
    checked = form.check({1, 2})
    assert checked == CheckedAction(
        "Workshop", "", 2, date(2027, 3, 31), "blocked", Link(priority_id=5)
    )


# --- adding -----------------------------------------------------------------------------------


def test_a_vendor_person_adds_an_action_owned_by_a_client_member_who_is_told(
    client: TestClient, session: Session, world: World
) -> None:
    priority_id = add_priority(session, world, "Cut delivery lead times")
    sign_in(client, session, world.members["team"])
    owner = world.members["member"]
    response = client.post(
        url(world, "/actions"),
        data={
            "title": "Map the European delivery process",
            "outcome": "Lead time under 5 days, read from the monthly report",
            "owner_id": str(owner.id),
            "due_on": (TODAY + timedelta(days=30)).isoformat(),
            "status": "in_progress",
            "link": f"priority:{priority_id}",
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.text
    assert "Added the action “Map the European delivery process”." in response.text
    assert "<html" not in response.text  # the section alone
    assert "Priority: Cut delivery lead times" in response.text
    assert 'Client member <span class="muted">(Client ' in response.text  # name and side
    [action] = live_actions(session, world)
    assert action.owner_id == owner.id
    assert action.priority_id == priority_id
    assert action.status == "in_progress"
    event = last_event(session, "action.created")
    assert event.visibility == "shared"
    assert event.changes["title"] == [None, "Map the European delivery process"]
    assert event.changes["owner_id"] == [None, owner.id]
    [note] = notes_for(session, owner)
    assert note.account_id == world.account.id
    assert "Team member made you the owner" in note.message
    assert note.link == f"/accounts/{world.account.id}/plan#action-{action.id}"
    [mail] = mails_to(session, owner)
    assert "Map the European delivery process" in mail.subject
    assert f"http://testserver/accounts/{world.account.id}/plan#action-" in mail.body_text


def test_a_client_member_adds_an_action_owned_by_a_vendor_person(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["member"])
    lead = world.members["lead"]
    response = client.post(
        url(world, "/actions"),
        data={"title": "Send the delivery data", "owner_id": str(lead.id), "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(url(world, "/plan#action-"))
    [action] = live_actions(session, world)
    assert action.owner_id == lead.id
    assert action.created_by_id == world.members["member"].id
    assert len(notes_for(session, lead)) == 1
    assert len(mails_to(session, lead)) == 1


def test_taking_an_action_oneself_notifies_nobody(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    sign_in(client, session, sponsor)
    client.post(
        url(world, "/actions"),
        data={"title": "Brief our board", "owner_id": str(sponsor.id)},
        headers=HTMX,
    )
    assert [a.owner_id for a in live_actions(session, world)] == [sponsor.id]
    assert notes_for(session, sponsor) == []
    assert mails_to(session, sponsor) == []


def test_a_past_due_date_is_allowed_and_flagged(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, "/actions"),
        data={"title": "Late already", "due_on": (TODAY - timedelta(days=3)).isoformat()},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Its due date has passed, so it shows as overdue." in response.text
    assert "Overdue by 3 days" in response.text
    assert 'class="action overdue"' in response.text


def test_bad_input_is_answered_on_the_form_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/actions"),
        data={
            "title": "",
            "outcome": "Our board signs off the budget",
            "owner_id": str(world.outsider.id),  # type: ignore[union-attr]
            "due_on": "next Friday",
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter what will be done." in response.text
    assert "Choose an owner from the people on this account." in response.text
    assert "Enter the due date as a date" in response.text
    assert "Our board signs off the budget" in response.text
    assert 'value="next Friday"' in response.text
    assert 'aria-invalid="true" aria-describedby="new-action-title-error"' in response.text
    assert live_actions(session, world) == []


def test_a_removed_member_cannot_be_made_owner(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, "/actions"),
        data={"title": "For someone gone", "owner_id": str(world.removed.id)},  # type: ignore[union-attr]
        headers=HTMX,
    )
    assert response.status_code == 422
    assert live_actions(session, world) == []


def test_a_new_action_without_a_status_is_not_started_but_an_empty_status_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    sent = {"title": "Status left out", "csrf_token": CSRF}
    assert client.post(url(world, "/actions"), data=sent).status_code == 303
    (action,) = live_actions(session, world)
    assert action.status == ActionStatus.NOT_STARTED
    empty = {"title": "Status emptied", "status": "", "csrf_token": CSRF}
    response = client.post(url(world, "/actions"), data=empty)
    assert response.status_code == 422
    assert "Choose a status." in response.text
    assert len(live_actions(session, world)) == 1


def test_the_full_page_answers_bad_input_without_javascript(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    response = client.post(url(world, "/actions"), data={"title": "", "csrf_token": CSRF})
    assert response.status_code == 422
    assert "<html" in response.text
    assert "Enter what will be done." in response.text


def test_a_draft_initiative_or_another_accounts_priority_cannot_be_linked(
    client: TestClient, session: Session, world: World
) -> None:
    draft = add_initiative(session, world, "Secret pricing idea", draft=True)
    foreign = add_priority(session, world, "Not yours", account=world.other_account)
    sign_in(client, session, world.members["lead"])
    for link in (f"initiative:{draft}", f"priority:{foreign}", "priority:999999"):
        response = client.post(
            url(world, "/actions"), data={"title": "Linked", "link": link}, headers=HTMX
        )
        assert response.status_code == 422, link
        assert "Choose a priority or a shared initiative of this plan" in response.text
        assert "Secret pricing idea" not in response.text
    assert live_actions(session, world) == []
    shared = add_initiative(session, world, "Joint pilot", draft=False)
    response = client.post(
        url(world, "/actions"),
        data={"title": "Linked", "link": f"initiative:{shared}"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert [a.initiative_id for a in live_actions(session, world)] == [shared]


def test_the_service_refuses_a_draft_initiative_itself(session: Session, world: World) -> None:
    draft = add_initiative(session, world, "Draft", draft=True)
    with pytest.raises(service.LinkNotAllowed):
        add(session, world, "Sneaky", link=Link(initiative_id=draft))
    with pytest.raises(service.LinkNotAllowed):
        add(session, world, "Both", link=Link(priority_id=1, initiative_id=1))


@pytest.mark.parametrize("role", ["mentor", "viewer"])
def test_mentors_and_viewers_do_not_write_actions(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    action = add(session, world, "Ours")
    sign_in(client, session, world.members[role])
    data = {"title": "Changed", "status": "done", "version": "1"}
    for path in (
        "/actions",
        f"/actions/{action.id}",
        f"/actions/{action.id}/status",
        f"/actions/{action.id}/remove",
    ):
        assert client.post(url(world, path), data=data, headers=HTMX).status_code == 403, path
    assert client.get(url(world, f"/actions/{action.id}/edit")).status_code == 403
    page = client.get(url(world, "/plan")).text
    assert "Ours" in page
    assert "Add an action" not in page
    assert f"/actions/{action.id}/edit" not in page
    assert [a.title for a in live_actions(session, world)] == ["Ours"]


# --- editing ----------------------------------------------------------------------------------


def test_editing_saves_audits_and_tells_a_new_owner(
    client: TestClient, session: Session, world: World
) -> None:
    action = add(session, world, "Original", owner=world.members["team"])
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, f"/actions/{action.id}/edit"))
    assert page.status_code == 200
    assert 'value="Original"' in page.text
    new_owner = world.members["member"]
    response = client.post(
        url(world, f"/actions/{action.id}"),
        data={
            "title": "Reworded",
            "outcome": "Signed budget",
            "owner_id": str(new_owner.id),
            "due_on": "2027-06-30",
            "status": "blocked",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 303
    [saved] = live_actions(session, world)
    assert (saved.title, saved.status, saved.due_on, saved.version) == (
        "Reworded",
        "blocked",
        date(2027, 6, 30),
        2,
    )
    event = last_event(session, "action.updated")
    assert event.visibility == "shared"
    assert event.changes["owner_id"] == [world.members["team"].id, new_owner.id]
    assert event.changes["due_on"] == [None, "2027-06-30"]
    assert len(notes_for(session, new_owner)) == 1
    # An edit that keeps the owner tells nobody again.
    client.post(
        url(world, f"/actions/{action.id}"),
        data={
            "title": "Reworded again",
            "owner_id": str(new_owner.id),
            "status": "blocked",
            "version": "2",
            "csrf_token": CSRF,
        },
    )
    assert len(notes_for(session, new_owner)) == 1
    assert live_actions(session, world)[0].title == "Reworded again"


def test_a_stale_edit_is_refused_naming_who_changed_it_and_keeps_the_typed_text(
    client: TestClient, session: Session, world: World
) -> None:
    action = add(session, world, "Original")
    sign_in(client, session, world.members["lead"])
    first = client.post(
        url(world, f"/actions/{action.id}"),
        data={"title": "Lead's wording", "status": "in_progress", "version": "1"},
        headers={"X-CSRF-Token": CSRF},
    )
    assert first.status_code == 303
    sign_in(client, session, world.members["member"])
    stale = client.post(
        url(world, f"/actions/{action.id}"),
        data={"title": "Member's wording", "status": "done", "version": "1", "csrf_token": CSRF},
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed this action meanwhile" in stale.text
    assert 'value="Member&#39;s wording"' in stale.text
    assert "Lead&#39;s wording" in stale.text
    assert 'name="version" value="2"' in stale.text
    [saved] = live_actions(session, world)
    assert (saved.title, saved.status) == ("Lead's wording", "in_progress")


def test_an_edit_with_bad_input_keeps_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    action = add(session, world, "Original")
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, f"/actions/{action.id}"),
        data={
            "title": "New words",
            "due_on": "2027-02-30",
            "status": "done",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 422
    assert 'value="New words"' in response.text
    assert 'value="2027-02-30"' in response.text
    assert live_actions(session, world)[0].title == "Original"


# --- status, removal --------------------------------------------------------------------------


def test_the_quick_status_change_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    action = add(session, world, "Workshop")
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, f"/actions/{action.id}/status"),
        data={"status": "done", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "“Workshop” is now done." in response.text
    assert f'data-focus="action-status-{action.id}"' in response.text
    assert "Done and cancelled (1)" in response.text
    assert live_actions(session, world)[0].status == "done"
    event = last_event(session, "action.status_changed")
    assert event.changes == {"status": ["not_started", "done"]}
    assert event.visibility == "shared"


def test_a_change_renders_the_closed_actions_only_when_it_closed_one(
    client: TestClient, session: Session, world: World
) -> None:
    """The done and cancelled actions are rendered in a change's answer (their list open at
    the action) only when the change closed that action; any other change leaves them to be
    fetched when their list opens, as the page does (issue 13)."""
    add(session, world, "Finished long ago", status=ActionStatus.DONE)
    workshop = add(session, world, "Workshop")
    sign_in(client, session, world.members["member"])
    added = client.post(url(world, "/actions"), data={"title": "Other"}, headers=HTMX).text
    assert ACTION_TITLES.findall(added) == ["Workshop", "Other"]
    assert '<details class="actions-closed" id="actions-closed">' in added
    assert "Show the 1 done and cancelled action<" in added
    closed = set_status(client, world, workshop.id, "done", "1").text
    # The latest changed first: the one just closed leads its list.
    assert ACTION_TITLES.findall(closed) == ["Other", "Workshop", "Finished long ago"]
    assert '<details class="actions-closed" id="actions-closed" open>' in closed
    assert f'id="action-status-{workshop.id}"' in closed
    assert f'data-focus="action-status-{workshop.id}"' in closed


def test_a_status_change_that_leaves_an_action_open_answers_with_its_row_alone(
    client: TestClient, session: Session, world: World
) -> None:
    """An open action whose status changes to another open one keeps its place, and the counts
    above the list stay: htmx swaps its row alone, not the section, which would render every row
    down to it. The row, the notice and the keyboard's way back to the row's status come out of
    band (the answer's own swap is none); the plan's summary, which an action staying open
    does not change, does not come."""
    for i in range(PAGE + 5):
        add(session, world, f"Earlier {i}", due=TODAY + timedelta(days=1))
    late = add(session, world, "Workshop", due=TODAY + timedelta(days=60))
    add(session, world, "Finished long ago", status=ActionStatus.DONE)
    sign_in(client, session, world.members["member"])
    answer = set_status(client, world, late.id, "blocked", "1")
    assert answer.status_code == 200
    assert answer.headers["HX-Reswap"] == "none"
    assert "HX-Retarget" not in answer.headers
    text = answer.text
    assert f'<li class="action" id="action-{late.id}" hx-swap-oob="true">' in text
    assert ACTION_TITLES.findall(text) == ["Workshop"]
    assert '<option value="blocked" selected>' in text
    assert '<input type="hidden" name="version" value="2">' in text
    assert 'id="actions"' not in text
    assert "actions-closed" not in text
    assert '<div id="actions-notice" hx-swap-oob="true">' in text
    assert "“Workshop” is now blocked." in text
    assert f'data-focus="action-status-{late.id}"' in text
    # Nothing the summary shows changes when an action stays open: it is not sent.
    assert 'id="summary"' not in text
    # Closing it, or any answer to a form without htmx, is the section or the page as before.
    closing = set_status(client, world, late.id, "done", "2")
    assert "HX-Reswap" not in closing.headers
    assert '<section class="panel foldable" id="actions"' in closing.text
    plain = client.post(
        url(world, f"/actions/{late.id}/status"),
        data={"status": "in_progress", "version": "3"},
        headers={"X-CSRF-Token": CSRF},
    )
    assert plain.status_code == 303
    assert "HX-Reswap" not in plain.headers


# An action's row in an answer: the csrf token is masked afresh in each form, and the row
# answered out of band says so.
ROW = re.compile(r'<li class="action[^"]*" id="action-(\d+)"[^>]*>.*?\n</li>', re.S)


def rows_of(html: str) -> dict[int, str]:
    plain = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)
    plain = plain.replace(' hx-swap-oob="true"', "")
    return {int(m.group(1)): m.group(0) for m in ROW.finditer(plain)}


def test_the_row_answer_draws_the_row_the_section_draws(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    """The answer to a change between open statuses reads the action on its own
    (``sections.load_row``), not the whole page: its row is, byte for byte, the one the
    section draws, whatever the row shows (an owner of either side or one who left, a priority
    or one removed since, an initiative, a due date passed, the comments' count, the files),
    to either side; and it reads in the same few statements however large the plan."""
    lead, sponsor, member = (world.members[r] for r in ("lead", "sponsor", "member"))
    kept = add_priority(session, world, "Grow in the north")
    dropped = add_priority(session, world, "Dropped later")
    pilot = add_initiative(session, world, "Pilot", draft=False)
    gone = add_initiative(session, world, "Removed later", draft=False)
    shown = [
        add(
            session,
            world,
            "For the client",
            owner=sponsor,
            outcome="Signed",
            link=Link(kept),
            due=TODAY - timedelta(days=3),
        ),
        add(session, world, "For the vendor", owner=lead, link=Link(initiative_id=pilot)),
        add(session, world, "Of someone who left", owner=member, link=Link(dropped)),
        add(session, world, "Of nobody yet"),
        add(session, world, "Of someone never on it", owner=world.outsider, link=Link(None, gone)),
    ]
    ids = [action.id for action in shown]
    base, thread = url(world), url(world, f"/threads/action/{ids[0]}")
    attach(
        session,
        actor=lead,
        account_id=world.account.id,  # type: ignore[arg-type]
        item_type="action",
        item_id=ids[0],  # type: ignore[arg-type]
        name="brief.txt",
        data=b"the brief",
    )
    priorities.remove(session, actor=world.admin, priority=session.get(Priority, dropped))  # type: ignore[arg-type]
    accounts.remove(session, actor=world.admin, membership=world.memberships["member"])
    removed = session.get(Initiative, gone)
    assert removed is not None
    removed.removed_at = datetime.now(UTC)
    session.commit()

    def change(action_id: int | None) -> tuple[httpx.Response, int]:
        """A change between open statuses, and the statements it took."""
        session.expire_all()
        version = session.exec(select(Action.version).where(Action.id == action_id)).one()
        status = "blocked" if version % 2 else "in_progress"
        count_queries.statements.clear()
        answer = client.post(
            f"{base}/actions/{action_id}/status",
            data={"status": status, "version": str(version)},
            headers=HTMX,
        )
        assert answer.status_code == 200, answer.text[:300]
        return answer, count_queries.count

    seen: set[int] = set()
    # The comments' count is the reader's own: the client does not see the team's comment.
    for viewer, count in ((lead, 3), (sponsor, 4)):
        sign_in(client, session, viewer)
        for text in ("Shared", "More"):
            assert client.post(thread, data={"body": text}, headers=HTMX).status_code == 200
        if viewer is lead:
            posted = client.post(thread, data={"body": "Ours", "team_only": "1"}, headers=HTMX)
            assert posted.status_code == 200
        for action_id in ids:
            answer, statements = change(action_id)
            section = client.get(f"{base}/plan/sections/actions?actions=all", headers=HTMX).text
            assert rows_of(answer.text) == {action_id: rows_of(section)[action_id]}
            # the session, the guard (account, plan, action), the change with its audit (five
            # statements on SQLite, four on PostgreSQL), the row with its owner and links, its
            # comments' count and files: none of the page's loaders
            assert statements <= 11, "\n".join(s[:100] for s in count_queries.statements)
            seen.add(statements)
        drawn = rows_of(section)
        assert "brief.txt" in drawn[ids[0]]
        assert f'id="comment-count-action-{ids[0]}">{count}<' in drawn[ids[0]]
        assert "Initiative: Pilot" in drawn[ids[1]]
        assert "Someone no longer on the account" in drawn[ids[2]]
        assert "A priority that was removed" in drawn[ids[2]]
        assert "Someone no longer on the account" in drawn[ids[4]]
        assert "Serves</dt>\n    <dd>An initiative<" in drawn[ids[4]]
    # The same statements however large the plan.
    for i in range(30):
        add(session, world, f"More {i}", owner=lead, link=Link(kept))
    assert {change(ids[3])[1]} == seen


def test_an_action_closed_meanwhile_goes_off_the_page_with_the_answer(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should someone close the action between this change's commit and its answer's read,
    the answer holds no row and takes the one on the page off (out of band): left there, it
    would show the old status, and its changed status control would hold that other change's
    live redraw back. The notice still says what this change did."""
    workshop = add(session, world, "Workshop", due=TODAY + timedelta(days=3))
    sign_in(client, session, world.members["member"])
    change = service.change_status

    def closed_meanwhile(db: Session, **kwargs: Any) -> None:
        change(db, **kwargs)
        closing = sa.update(Action).where(col(Action.id) == workshop.id).values(status="done")
        db.execute(closing.execution_options(synchronize_session=False))

    monkeypatch.setattr(service, "change_status", closed_meanwhile)
    answer = set_status(client, world, workshop.id, "blocked", "1")
    assert answer.status_code == 200
    assert answer.headers["HX-Reswap"] == "none"
    assert f'<li id="action-{workshop.id}" hx-swap-oob="delete"></li>' in answer.text
    assert ACTION_TITLES.findall(answer.text) == []
    assert "“Workshop” is now blocked." in answer.text
    assert "data-focus" not in answer.text


def test_the_closed_actions_come_a_page_at_a_time_the_latest_changed_first(
    client: TestClient, session: Session, world: World
) -> None:
    """A year's done and cancelled actions are many: their list is rendered a page at a time
    (app/kit/window.py), the latest changed first, so that the answer to a change that closed
    an action renders one page of them, the action first, whatever their number."""
    finished = [
        add(session, world, f"Closed {i}", status=ActionStatus.DONE) for i in range(PAGE + 3)
    ]
    workshop = add(session, world, "Workshop")
    sign_in(client, session, world.members["member"])
    section = url(world, "/plan/sections/actions")
    newest_first = [f"Closed {i}" for i in reversed(range(PAGE + 3))]
    asked = client.get(f"{section}?closed=1", headers=HTMX).text
    assert ACTION_TITLES.findall(asked) == ["Workshop", *newest_first[:PAGE]]
    # "Show 3 more" fetches the rest in place of itself; without JavaScript, the whole list.
    assert f'hx-get="{section}?actions_closed_from={PAGE}"' in asked
    assert 'Show 3 more <span class="muted">(3 done and cancelled actions not shown)' in asked
    assert f'href="{url(world, "/plan")}?actions_closed=all#actions-closed"' in asked
    more = client.get(f"{section}?actions_closed_from={PAGE}", headers=HTMX).text
    closed_list = more[more.index('id="actions-closed-list"') :]
    assert re.findall(r"<h3>([^<]+)</h3>", closed_list)[:3] == newest_first[PAGE:]
    # The keyboard goes to the first row brought in.
    assert f'data-focus="action-{finished[2].id}"' in closed_list
    every = client.get(url(world, "/plan?actions_closed=all")).text
    assert ACTION_TITLES.findall(every) == ["Workshop", *newest_first]
    # A link to any action opens every list that may hold it (static/fold.js): all of these.
    assert 'data-shows="actions_closed=all"' in client.get(url(world, "/plan")).text

    closing = set_status(client, world, workshop.id, "cancelled", workshop.version).text
    assert ACTION_TITLES.findall(closing) == ["Workshop", *newest_first[: PAGE - 1]]
    assert f'data-focus="action-status-{workshop.id}"' in closing
    # Reopening an older one shows the list down to it, wherever it is.
    oldest = finished[0]
    reopened = set_status(client, world, oldest.id, "in_progress", oldest.version).text
    assert ACTION_TITLES.findall(reopened)[0] == "Closed 0"
    assert '<details class="actions-closed" id="actions-closed">' in reopened


def test_the_closed_actions_lead_with_the_latest_closed_not_the_latest_made(
    client: TestClient, session: Session, world: World
) -> None:
    made_first = add(session, world, "Made first")
    add(session, world, "Made second", status=ActionStatus.DONE)
    sign_in(client, session, world.members["member"])
    closing = set_status(client, world, made_first.id, "done", "1").text
    assert ACTION_TITLES.findall(closing) == ["Made first", "Made second"]


def test_a_stale_status_change_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    action = add(session, world, "Workshop")
    sign_in(client, session, world.members["lead"])
    data = {"status": "blocked", "version": "1"}
    assert client.post(url(world, f"/actions/{action.id}/status"), data=data, headers=HTMX)
    sign_in(client, session, world.members["sponsor"])
    data = {"status": "done", "version": "1"}
    response = client.post(url(world, f"/actions/{action.id}/status"), data=data, headers=HTMX)
    assert response.status_code == 409
    assert f"{world.members['lead'].email} changed “Workshop” meanwhile" in response.text
    assert "It is now “blocked”" in response.text
    assert live_actions(session, world)[0].status == "blocked"
    bad = client.post(
        url(world, f"/actions/{action.id}/status"),
        data={"status": "finished", "version": "2"},
        headers=HTMX,
    )
    assert bad.status_code == 422


def test_removing_an_action_is_audited_and_it_is_gone(
    client: TestClient, session: Session, world: World
) -> None:
    action = add(session, world, "To go")
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, "/plan")).text
    assert 'data-confirm="Remove the action “To go”?"' in page
    response = client.post(
        url(world, f"/actions/{action.id}/remove"), data=CONFIRMATION, headers=HTMX
    )
    assert response.status_code == 200
    assert "Removed the action “To go”." in response.text
    assert live_actions(session, world) == []
    assert last_event(session, "action.removed").changes == {"title": ["To go", None]}
    assert client.get(url(world, f"/actions/{action.id}/edit")).status_code == 404
    assert (
        client.post(
            url(world, f"/actions/{action.id}/remove"), data=CONFIRMATION, headers=HTMX
        ).status_code
        == 404
    )


def test_another_accounts_action_is_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    theirs = add(session, world, "Theirs", account=world.other_account)
    sign_in(client, session, world.members["lead"])
    assert client.get(url(world, f"/actions/{theirs.id}/edit")).status_code == 404
    response = client.post(
        url(world, f"/actions/{theirs.id}/status"),
        data={"status": "done", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 404


# --- the section on the plan page -------------------------------------------------------------


ACTION_TITLES = re.compile(
    r'<li class="action[^"]*" id="action-\d+"[^>]*>\s*<div class="action-main">\s*'
    r"<h3>(?:<span[^>]*>!</span> )?([^<]+)</h3>"
)


def test_open_actions_come_first_overdue_leading_and_closed_ones_are_collapsed(
    client: TestClient, session: Session, world: World
) -> None:
    owner = world.members["sponsor"]
    add(session, world, "Later", owner=owner, due=TODAY + timedelta(days=20), outcome="x")
    add(session, world, "Undated", owner=owner, outcome="x")
    add(session, world, "Finished", status=ActionStatus.DONE, due=TODAY - timedelta(days=50))
    add(session, world, "Late", owner=owner, due=TODAY - timedelta(days=2), outcome="x")
    add(session, world, "Soon", due=TODAY + timedelta(days=1), outcome="x")
    sign_in(client, session, world.members["viewer"])
    # The closed ones are counted, not rendered, until asked for (?closed=1: the list's link,
    # or the section fetched as the list opens).
    page = client.get(url(world, "/plan")).text
    assert ACTION_TITLES.findall(page) == ["Late", "Soon", "Later", "Undated"]
    assert f'href="/accounts/{world.account.id}/plan?closed=1#actions-closed"' in page
    assert "Show the 1 done and cancelled action<" in page
    asked = client.get(url(world, "/plan/sections/actions?closed=1"), headers=HTMX).text
    assert ACTION_TITLES.findall(asked) == ["Late", "Soon", "Later", "Undated", "Finished"]
    assert (
        '<ul class="actions-list" id="actions-closed-list" data-keep="closed=1"'
        ' data-window="actions_closed">'
    ) in asked
    page = client.get(url(world, "/plan?closed=1")).text
    assert ACTION_TITLES.findall(page) == ["Late", "Soon", "Later", "Undated", "Finished"]
    assert '<details class="actions-closed" id="actions-closed" open>' in page
    assert "Overdue by 2 days" in page
    assert "1 overdue" in page
    assert page.count('class="action overdue"') == 1
    assert "<summary>Done and cancelled (1)</summary>" in page
    assert "Needs an owner" in page  # "Soon"
    assert "Needs a due date" in page  # "Undated"
    assert 'Client sponsor <span class="muted">(' in page


def test_the_loader_gives_the_plain_list_in_display_order_in_one_query(
    session: Session, world: World, count_queries: QueryCounter
) -> None:
    b = add(session, world, "B", due=TODAY + timedelta(days=5))
    done = add(session, world, "Done", status=ActionStatus.DONE, due=TODAY - timedelta(days=9))
    a = add(session, world, "A", due=TODAY - timedelta(days=1))
    c = add(session, world, "C")
    gone = add(session, world, "Gone")
    service.remove(session, actor=world.admin, action=gone)
    session.commit()
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    access = accounts.repository.load_access(
        session,
        account_id=world.account.id,
        user_id=world.admin.id,  # type: ignore[arg-type]
    )
    assert access is not None
    count_queries.statements.clear()
    loaded = sections.load(session, Actor.of(world.admin), access, plan)
    assert count_queries.count == 1
    assert [x.id for x in loaded["actions"]] == [a.id, b.id, c.id, done.id]
    assert loaded["actions"][0] == repository.PlanAction.of(a)


def test_a_linked_initiative_shows_its_title_only_when_the_viewer_may_see_it(
    session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    assert plan.id is not None
    shared = Initiative(id=1, account_id=1, plan_id=plan.id, title="Pilot", visibility="shared")
    hidden = Initiative(id=2, account_id=1, plan_id=plan.id, title="Secret", visibility="internal")
    actions = [
        Action(id=10, account_id=1, plan_id=plan.id, title="a", initiative_id=1),
        Action(id=11, account_id=1, plan_id=plan.id, title="b", initiative_id=2),
        Action(id=12, account_id=1, plan_id=plan.id, title="c", initiative_id=3),
    ]
    for role, expected in (
        ("viewer", ["Initiative: Pilot", "An initiative", "An initiative"]),
        ("lead", ["Initiative: Pilot", "Initiative: Secret", "An initiative"]),
    ):
        access = accounts.repository.load_access(
            session,
            account_id=world.account.id,
            user_id=world.members[role].id,  # type: ignore[arg-type]
        )
        assert access is not None
        found = view.section(actions, [], [], [shared, hidden], access, on=TODAY)
        assert [found.row(a).link_label for a in found.open] == expected
        # A draft is never offered as a link, to either side.
        assert [c.label for g in found.link_groups for c in g.choices] == ["Pilot"]
    without = view.section(actions, [], [], [], access, on=TODAY)
    assert [without.row(a).link_label for a in without.open] == ["An initiative"] * 3


def test_an_owner_who_left_is_flagged(client: TestClient, session: Session, world: World) -> None:
    leaving = world.members["member"]
    add(session, world, "Orphan", owner=leaving, outcome="x", due=TODAY)
    accounts.remove(session, actor=world.admin, membership=world.memberships["member"])
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert "Someone no longer on the account" in page
    assert "Needs an owner" in page
    assert "Due today" in page
    [action] = live_actions(session, world)
    edit = client.get(url(world, f"/actions/{action.id}/edit")).text
    assert "The owner is no longer on this account: choose someone who is." in edit


def test_the_plan_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    add(session, world, "Only one", owner=world.members["team"])
    sign_in(client, session, world.members["member"])
    client.get(url(world, "/plan"))
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    for i in range(40):
        owner = world.members["sponsor" if i % 2 else "lead"]
        add(session, world, f"Action {i}", owner=owner, due=TODAY + timedelta(days=i - 20))
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    assert len(re.findall(r'<li class="action[ "]', page.text)) == PAGE  # the rest on demand
    assert count_queries.count == few
    assert few <= 10
    count_queries.statements.clear()
    page = client.get(url(world, "/plan?actions=all"))
    assert len(re.findall(r'<li class="action[ "]', page.text)) == 41
    assert count_queries.count == few


# --- my actions -------------------------------------------------------------------------------


def test_my_actions_lists_open_actions_across_accounts_and_forgets_an_account_left(
    client: TestClient, session: Session, world: World
) -> None:
    me = world.members["member"]
    other = world.other_account
    add_member(session, account=other, user=me, role=Role.SPONSOR, by=world.admin)
    session.commit()
    add(session, world, "Own later", owner=me, due=TODAY + timedelta(days=9))
    add(session, world, "Own overdue", owner=me, due=TODAY - timedelta(days=4))
    add(session, world, "Own done", owner=me, status=ActionStatus.DONE)
    add(session, world, "Someone else's", owner=world.members["sponsor"])
    add(session, world, "Other account's", owner=me, account=other)
    sign_in(client, session, me)
    page = client.get("/my/actions")
    assert page.status_code == 200
    text = page.text
    assert '<a href="/my/actions">My actions</a>' in text
    assert text.index("Own account") < text.index("Other account")  # the overdue one's first
    assert text.index("Own overdue") < text.index("Own later")
    assert "Overdue by 4 days" in text
    assert "Other account&#39;s" in text
    assert "Own done" not in text
    assert "Someone else" not in text
    assert f'href="/accounts/{other.id}/plan#actions"' in text

    membership = accounts.repository.active_membership(
        session,
        account_id=other.id,
        user_id=me.id,  # type: ignore[arg-type]
    )
    assert membership is not None
    accounts.remove(session, actor=world.admin, membership=membership)
    session.commit()
    text = client.get("/my/actions").text
    assert "Own overdue" in text
    assert "Other account" not in text


def test_my_actions_says_what_to_expect_when_there_are_none(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.outsider)  # type: ignore[arg-type]
    page = client.get("/my/actions")
    assert page.status_code == 200
    assert "You own no open actions." in page.text


def test_my_actions_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    me = world.members["lead"]
    add_member(session, account=world.other_account, user=me, role=Role.TEAM, by=world.admin)
    session.commit()
    add(session, world, "First", owner=me)
    sign_in(client, session, me)
    client.get("/my/actions")
    count_queries.statements.clear()
    client.get("/my/actions")
    few = count_queries.count
    prio = add_priority(session, world, "Shared goal")
    for i in range(20):
        account = world.account if i % 2 else world.other_account
        link = Link(priority_id=prio) if account is world.account else Link()
        add(session, world, f"Mine {i}", owner=me, account=account, link=link, due=TODAY)
    count_queries.statements.clear()
    page = client.get("/my/actions")
    assert page.text.count('<li class="action') == 21
    assert "Priority: Shared goal" in page.text
    assert count_queries.count == few
    assert few <= 4


def test_the_repository_never_reads_other_peoples_or_removed_actions(
    session: Session, world: World
) -> None:
    me = world.members["team"]
    mine = add(session, world, "Mine", owner=me)
    gone = add(session, world, "Gone", owner=me)
    service.remove(session, actor=world.admin, action=gone)
    add(session, world, "Theirs", owner=world.members["lead"])
    session.commit()
    found = repository.open_for_owner(session, user_id=me.id)  # type: ignore[arg-type]
    assert [f.action.id for f in found] == [mine.id]
    assert found[0].role == "team"


def test_without_javascript_a_status_change_returns_to_where_the_action_now_is(
    client: TestClient, session: Session, world: World
) -> None:
    """An open action's anchor is its own; a closed one is in the list of closed actions,
    which the page renders only when asked (the redirect lands on that list)."""
    action = add(session, world, "Workshop")
    sign_in(client, session, world.members["member"])
    form = {"version": "1", "csrf_token": CSRF}
    started = client.post(
        url(world, f"/actions/{action.id}/status"), data=form | {"status": "in_progress"}
    )
    assert started.status_code == 303
    assert started.headers["location"].endswith(f"/plan#action-{action.id}")
    done = client.post(
        url(world, f"/actions/{action.id}/status"), data=form | {"status": "done", "version": "2"}
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("/plan#actions-closed")
