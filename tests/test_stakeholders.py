"""The decision-making group and relationship map (internal to the vendor), and the client's
confirmation of the facts sent to it: names, titles and reporting lines, never an assessment."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.models import (
    AuditEvent,
    DepartmentTension,
    Notification,
    OutboxMessage,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
    User,
    Validation,
    Visibility,
    utcnow,
)
from app.stakeholders import chart, schemas, service
from app.stakeholders.schemas import CheckedContact, CheckedStakeholder
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
POST = {"X-CSRF-Token": CSRF}
MARKER = "zq-stakeholder-4c1e"
CLIENT_ROLES = ("sponsor", "member", "viewer")
_names = itertools.count(1)


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def make(
    session: Session,
    world: World,
    name: str = "",
    *,
    account_id: int | None = None,
    by: str = "lead",
    commit: bool = True,
    **values: Any,
) -> Stakeholder:
    """A stakeholder made through the service (as the form would), committed."""
    fields: dict[str, Any] = {
        "name": name or f"Person {next(_names)}",
        "title": "",
        "department": "",
        "reports_to_id": None,
        "roles": [],
        "decision": "",
        "influence": "medium",
        "attitude": "unknown",
        "motivations": "",
    } | values
    # The team's contact with them (``owner_id``, its ``strength`` and ``last_contact_on``).
    owner_id = fields.pop("owner_id", None)
    strength = fields.pop("strength", "good")
    last_contact_on = fields.pop("last_contact_on", None)
    actor = world.admin if by == "admin" else world.members[by]
    person = service.add(
        session,
        actor=actor,
        account_id=account_id or _id(world.account),
        checked=CheckedStakeholder(**fields),
    )
    if owner_id is not None:
        owner = session.get(User, owner_id)
        assert owner is not None
        service.add_contact(
            session,
            actor=actor,
            person=person,
            user=owner,
            checked=CheckedContact(owner_id, strength, last_contact_on),
        )
    if commit:
        session.commit()
    return person


def form_of(person: Stakeholder | None = None, **changes: Any) -> dict[str, Any]:
    """The form a browser would post for ``person`` (or an empty one), with ``changes``."""
    base = schemas.StakeholderForm.of(person) if person else schemas.StakeholderForm()
    data: dict[str, Any] = {
        "name": base.name,
        "title": base.title,
        "department": base.department,
        "reports_to_id": base.reports_to_id,
        "roles": base.roles,
        "decision": base.decision,
        "influence": base.influence,
        "attitude": base.attitude,
        "motivations": base.motivations,
        "level": base.level,
        "location": base.location,
    }
    if person is not None:
        data["version"] = str(person.version)
    return data | changes


def reload(session: Session, person: Stakeholder) -> Stakeholder:
    session.expire_all()
    found = session.get(Stakeholder, person.id)
    assert found is not None
    return found


def events(session: Session, verb_prefix: str = "stakeholder.") -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.verb).startswith(verb_prefix))
            .order_by(col(AuditEvent.seq))
        ).all()
    )


def send(session: Session, world: World, *people: Stakeholder, by: str = "lead") -> None:
    service.send(
        session,
        actor=world.admin if by == "admin" else world.members[by],
        account_id=_id(world.account),
        people=list(people),
    )
    session.commit()


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "team", "mentor"])
def test_the_vendor_side_reads_the_map(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    boss = make(session, world, "Ada Boss", title="COO", motivations=f"{MARKER}-why")
    make(session, world, "Ben Report", reports_to_id=_id(boss))
    sign_in(client, session, world.admin if role == "admin" else world.members[role])
    page = client.get(url(world, "/relationships"))
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text
    assert "Relationship map" in page.text
    assert f"{MARKER}-why" in page.text
    assert 'id="stakeholder-' in page.text
    assert 'class="org-chart-svg"' in page.text
    assert 'role="group" aria-labelledby="org-chart-title"' in page.text  # its nodes are links
    can_write = role != "mentor"
    assert ("Add a person" in page.text) is can_write
    assert ("/edit" in page.text) is can_write
    assert ("Send to client" in page.text) is (role in ("admin", "lead"))


def test_an_empty_map_says_what_a_decision_making_group_is_and_how_to_start(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/relationships"))
    assert page.status_code == 200
    assert "decision-making group" in page.text
    assert "Start with the most senior person" in page.text
    assert '<details class="add-person" open>' in page.text
    assert "<svg" not in page.text.split('id="relationships"')[1]
    sign_in(client, session, world.members["mentor"])
    assert "The team has not mapped anyone yet" in client.get(url(world, "/relationships")).text


def test_the_page_shows_gaps_decisions_and_every_field(
    client: TestClient, session: Session, world: World
) -> None:
    lead, team = world.members["lead"], world.members["team"]
    ceo = make(
        session,
        world,
        "Cara Chief",
        title="CEO",
        influence="high",
        attitude="supporter",
        owner_id=_id(lead),
        strength="strong",
        roles=["economic_buyer"],
        decision="Fleet software",
    )
    make(  # influential, nobody owns her: a gap, and Cara's owner could introduce her
        session,
        world,
        "Gina Gap",
        title="CFO",
        department="Finance",
        reports_to_id=_id(ceo),
        influence="high",
        attitude="detractor",
        roles=["influencer"],
        decision="Fleet  SOFTWARE",
        motivations="Wants a cheaper renewal",
        level="executive",
        location="Oslo",
    )
    make(  # owned, but weakly: a gap too
        session,
        world,
        "Walt Weak",
        reports_to_id=_id(ceo),
        influence="high",
        owner_id=_id(team),
        strength="weak",
        last_contact_on=date(2026, 1, 5),
        roles=["user"],
    )
    make(session, world, "Lou Low", influence="low")  # low influence, unknown: no gap
    sign_in(client, session, lead)
    page = client.get(url(world, "/relationships")).text
    gaps = page.split('id="gaps"')[1].split("</section>")[0]
    listed = re.findall(r"<strong>([^<]+)</strong>", gaps)
    assert listed == ["Gina Gap", "Walt Weak"]
    assert "Nobody on the team is in contact with them." in gaps
    assert "Team member is in contact with them, but it is weak." in gaps
    assert "Account lead knows Cara Chief (their manager) well" in gaps
    assert "Influence: High" in gaps
    decisions = page.split('id="decisions"')[1].split("</section>")[0]
    # "Fleet software" and "Fleet  SOFTWARE" are one decision; it has no coach.
    assert decisions.count("<h3>") == 2
    assert "Fleet software" in decisions
    assert "General (no decision named)" in decisions
    fleet, general = decisions.split("General (no decision named)")
    assert "No coach" in fleet
    assert "No economic buyer" not in fleet
    assert "No economic buyer" in general
    assert "No coach" in general
    table = page.split('id="stakeholders"')[1]
    for text in (
        "CFO",
        "Finance",
        "Wants a cheaper renewal",
        "5 Jan 2026",
        "Detractor",
        "Influencer",
        "Team member",
        "Weak",
        "Executive",
        "Oslo",
        "Not sent",
        "! Coverage gap",
    ):
        assert text in table, text
    for label in (
        "Person",
        "Reports to",
        "Decision and buying roles",
        "Influence and attitude",
        "Motivations",
        "Our relationship",
        "Client confirmation",
    ):
        assert f'data-label="{label}"' in table
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert "<title" in svg
    assert "<desc" in svg
    assert "4 people on the map" in svg
    assert "2 coverage gaps" in svg
    assert svg.count('stroke-dasharray="7 4"') == 2  # the gaps' outlines
    assert "Detractor · influence H" in svg
    assert "Supporter · influence H" in svg


# --------------------------------------------------------------------------------------------
# Adding, editing, removing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "team", "admin"])
def test_writers_add_a_person_with_and_without_htmx(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.admin if role == "admin" else world.members[role])
    boss = make(session, world, "Ada Boss")
    data = form_of(
        name="  Nia  New ",
        title="Head of IT",
        reports_to_id=str(_id(boss)),
        roles=["technical", "coach"],
        decision="  Fleet   software ",
        influence="high",
        attitude="supporter",
        owner_id=str(_id(world.members["team"])),
        strength="good",
        last_contact_on=utcnow().date().isoformat(),
    )
    response = client.post(url(world, "/stakeholders"), data=data, headers=POST)
    assert response.status_code == 303
    assert response.headers["location"].startswith(url(world, "/relationships#stakeholder-"))
    made = session.exec(select(Stakeholder).where(Stakeholder.name == "Nia  New")).one()
    assert made.roles == ["technical", "coach"]
    assert made.decision == "Fleet software"
    assert made.decision_key == "fleet software"
    assert made.reports_to_id == _id(boss)
    assert not made.is_economic_buyer
    [added] = [e for e in events(session) if e.item_id == str(made.id)]
    assert added.verb == "stakeholder.added"
    assert added.visibility == Visibility.INTERNAL
    partial = client.post(
        url(world, "/stakeholders"), data=form_of(name="Otto Other"), headers=HTMX
    )
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div id="relationships">')
    assert "Added Otto Other to the map." in partial.text


def test_bad_input_is_refused_with_a_message_per_field_and_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    elsewhere = make(session, world, "Far Away", account_id=_id(world.other_account))
    sign_in(client, session, world.members["lead"])
    typed = form_of(
        name="",
        title=f"{MARKER}-typed-title",
        department=f"{MARKER}-typed-department",
        motivations=f"{MARKER}-typed-motivations",
        reports_to_id=str(_id(elsewhere)),
        roles=["economic_buyer", "astrologer"],
        influence="enormous",
        attitude="smitten",
        level="royal",
        location="Oslo\nand Bergen",
        decision="x" * 201,
    )
    for headers in (POST, HTMX):
        response = client.post(url(world, "/stakeholders"), data=typed, headers=headers)
        assert response.status_code == 422
        text = response.text
        for message in (
            "Enter the person&#39;s name.",
            "Choose someone on the map, or nobody.",
            "Choose buying roles from the list.",
            "Choose high, medium or low.",
            "Choose an attitude from the list.",
            "Choose a level from the list, or not recorded.",
            "the location",
            "Keep the decision&#39;s name under 200 characters.",
        ):
            assert message in text, message
        for kept in ("typed-title", "typed-department", "typed-motivations"):
            assert f"{MARKER}-{kept}" in text
        assert 'value="economic_buyer" checked' in text
    garbled = client.post(
        url(world, "/stakeholders"),
        data=form_of(name="Zed", reports_to_id="²"),
        headers=POST,
    )
    assert garbled.status_code == 422
    assert "Choose someone on the map, or nobody." in garbled.text
    assert session.exec(select(Stakeholder).where(Stakeholder.name == "Zed")).first() is None


def test_nobody_reports_to_themselves_or_in_a_circle(
    client: TestClient, session: Session, world: World
) -> None:
    top = make(session, world, "Top")
    middle = make(session, world, "Middle", reports_to_id=_id(top))
    bottom = make(session, world, "Bottom", reports_to_id=_id(middle))
    sign_in(client, session, world.members["team"])
    edit = url(world, f"/stakeholders/{_id(top)}")
    for manager, message in (
        (top, "Nobody reports to themselves"),
        (bottom, "Bottom reports to Top, directly or through others"),
        (middle, "Middle reports to Top, directly or through others"),
    ):
        response = client.post(
            edit, data=form_of(top, reports_to_id=str(_id(manager))), headers=POST
        )
        assert response.status_code == 422
        assert message in response.text
    assert reload(session, top).reports_to_id is None
    # The edit page does not even offer them.
    page = client.get(url(world, f"/stakeholders/{_id(top)}/edit")).text
    options = page.split('id="s-reports_to_id"')[1].split("</select>")[0]
    assert "Middle" not in options
    assert "Bottom" not in options
    assert ">Top" not in options
    # Moving the bottom up is fine.
    ok = client.post(
        url(world, f"/stakeholders/{_id(bottom)}"),
        data=form_of(bottom, reports_to_id=str(_id(top))),
        headers=POST,
    )
    assert ok.status_code == 303
    assert reload(session, bottom).reports_to_id == _id(top)


def test_one_economic_buyer_per_decision_names_who_it_is(
    client: TestClient, session: Session, world: World
) -> None:
    make(session, world, "Erin Buyer", roles=["economic_buyer"], decision="Fleet software")
    other = make(session, world, "Olga Other", roles=["user"], decision="Fleet software")
    sign_in(client, session, world.members["lead"])
    for decision in ("Fleet software", "  FLEET   Software "):
        response = client.post(
            url(world, "/stakeholders"),
            data={
                **CONFIRMATION,
                **form_of(name="Second Buyer", roles=["economic_buyer"], decision=decision),
            },
            headers=POST,
        )
        assert response.status_code == 422
        assert "Erin Buyer is already the economic buyer of the decision “Fleet software”" in (
            response.text
        )
        assert 'value="Second Buyer"' in response.text
    edit = client.post(
        url(world, f"/stakeholders/{_id(other)}"),
        data={**CONFIRMATION, **form_of(other, roles=["economic_buyer", "user"])},
        headers=POST,
    )
    assert edit.status_code == 422
    assert "Erin Buyer is already" in edit.text
    # Another decision, and general decisions, have their own economic buyer.
    for decision in ("Payroll", ""):
        made = client.post(
            url(world, "/stakeholders"),
            data={
                **CONFIRMATION,
                **form_of(name=f"Buyer of {decision}", roles=["economic_buyer"], decision=decision),
            },
            headers=POST,
        )
        assert made.status_code == 303
    second_general = client.post(
        url(world, "/stakeholders"),
        data={**CONFIRMATION, **form_of(name="Another", roles=["economic_buyer"])},
        headers=POST,
    )
    assert "economic buyer of general decisions" in second_general.text
    # Once the economic buyer is removed, someone else may be it.
    erin = session.exec(select(Stakeholder).where(Stakeholder.name == "Erin Buyer")).one()
    client.post(url(world, f"/stakeholders/{_id(erin)}/remove"), data=CONFIRMATION, headers=POST)
    again = client.post(
        url(world, f"/stakeholders/{_id(other)}"),
        data={**CONFIRMATION, **form_of(reload(session, other), roles=["economic_buyer"])},
        headers=POST,
    )
    assert again.status_code == 303


@pytest.mark.parametrize("editing", [False, True])
def test_the_database_backstops_a_second_economic_buyer_under_concurrency(
    client: TestClient,
    session: Session,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    editing: bool,
) -> None:
    """Two requests checked the form at the same time and each saw no economic buyer: the
    partial unique index refuses the second, and the answer is the same clear one."""
    make(session, world, "Erin Buyer", roles=["economic_buyer"], decision="Fleet")
    other = make(session, world, "Olga Other", decision="Fleet", title="Before")
    monkeypatch.setattr(schemas, "economic_buyer_of", lambda *args: None)
    sign_in(client, session, world.members["lead"])
    if editing:
        target = url(world, f"/stakeholders/{_id(other)}")
        data = form_of(other, roles=["economic_buyer"], title="After")
    else:
        target = url(world, "/stakeholders")
        data = form_of(name="Second Buyer", roles=["economic_buyer"], decision="fleet")
    response = client.post(target, data=data, headers=POST)
    assert response.status_code == 422
    assert "Erin Buyer is already the economic buyer of the decision “Fleet”" in response.text
    assert 'value="After"' in response.text if editing else 'value="Second Buyer"' in response.text
    session.expire_all()
    buyers = session.exec(select(Stakeholder).where(col(Stakeholder.is_economic_buyer))).all()
    assert [b.name for b in buyers] == ["Erin Buyer"]
    assert reload(session, other).title == "Before"
    assert [e.verb for e in events(session)] == ["stakeholder.added", "stakeholder.added"]


def test_a_stale_edit_is_refused_naming_who_changed_it_and_keeping_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    person = make(session, world, "Vera Version", title="Old title")
    loaded = form_of(person)
    service.update(
        session,
        actor=world.members["team"],
        person=person,
        checked=CheckedStakeholder(
            **(
                {k: getattr(person, k) for k in service.FIELDS if k not in ("title",)}
                | {"title": "Their title"}
            )
        ),
        expected_version=person.version,
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, f"/stakeholders/{_id(person)}"),
        data=loaded | {"title": "My title", "motivations": "My notes"},
        headers=POST,
    )
    assert response.status_code == 409
    assert "team@vendor.example changed this person meanwhile" in response.text
    assert 'value="My title"' in response.text
    assert "My notes" in response.text
    assert "<dd>Their title</dd>" in response.text
    assert f'name="version" value="{reload(session, person).version}"' in response.text
    assert reload(session, person).title == "Their title"
    # Saving again (with the version the 409 page carried) replaces it.
    again = client.post(
        url(world, f"/stakeholders/{_id(person)}"),
        data=loaded | {"title": "My title", "version": str(reload(session, person).version)},
        headers=POST,
    )
    assert again.status_code == 303
    assert reload(session, person).title == "My title"


def test_an_owner_who_left_the_team_is_a_gap_and_the_form_says_so(
    client: TestClient, session: Session, world: World
) -> None:
    team = world.members["team"]
    person = make(
        session, world, "Olive Owned", influence="high", owner_id=_id(team), strength="strong"
    )
    accounts.remove(session, actor=world.admin, membership=world.memberships["team"])
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/relationships")).text
    assert "Their contacts (Team member) are no longer on the account team." in page
    assert 'Team member</strong> <span class="muted">(no longer on the team)</span>' in page
    # Nobody can be added as a contact who is not on the team any more.
    refused = client.post(
        url(world, f"/stakeholders/{_id(person)}/contacts"),
        data={"user_id": str(_id(team)), "strength": "good"},
        headers=POST,
    )
    assert refused.status_code == 422
    assert "Choose someone of your account team." in refused.text


def test_editing_is_audited_internally_with_what_changed(
    client: TestClient, session: Session, world: World
) -> None:
    person = make(session, world, "Ed Edit", attitude="neutral")
    version = person.version
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, f"/stakeholders/{_id(person)}/edit"))
    assert page.status_code == 200
    assert 'value="Ed Edit"' in page.text
    response = client.post(
        url(world, f"/stakeholders/{_id(person)}"),
        data=form_of(person, attitude="supporter", roles=["coach"]),
        headers=POST,
    )
    assert response.status_code == 303
    updated = events(session)[-1]
    assert updated.verb == "stakeholder.updated"
    assert updated.visibility == Visibility.INTERNAL
    assert updated.changes == {"roles": [[], ["coach"]], "attitude": ["neutral", "supporter"]}
    assert reload(session, person).version == version + 1


def test_removing_someone_moves_their_reports_up_to_their_manager(
    client: TestClient, session: Session, world: World
) -> None:
    top = make(session, world, "Top")
    middle = make(session, world, "Middle", reports_to_id=_id(top))
    left = make(session, world, "Left", reports_to_id=_id(middle))
    right = make(session, world, "Right", reports_to_id=_id(middle))
    versions = {_id(p): p.version for p in (left, right)}
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, "/relationships")).text
    assert (
        "Remove Middle from the map? The 2 people who report to them will then report to Top."
        in (page)
    )
    response = client.post(
        url(world, f"/stakeholders/{_id(middle)}/remove"), data=CONFIRMATION, headers=HTMX
    )
    assert response.status_code == 200
    assert "Removed Middle from the map. 2 people who reported to them now report to Top." in (
        response.text
    )
    assert 'id="stakeholder-' + str(_id(middle)) + '"' not in response.text
    assert reload(session, middle).removed_at is not None
    for report in (left, right):
        moved = reload(session, report)
        assert moved.reports_to_id == _id(top)
        assert moved.version == versions[_id(report)] + 1
    removed, *moved_up = events(session)[-3:]
    assert removed.verb == "stakeholder.removed"
    assert removed.changes == {"name": ["Middle", None]}
    assert [e.verb for e in moved_up] == ["stakeholder.moved_up"] * 2
    assert {e.item_id for e in moved_up} == {str(_id(left)), str(_id(right))}
    assert all(e.changes == {"reports_to_id": [_id(middle), _id(top)]} for e in moved_up)
    assert all(e.visibility == Visibility.INTERNAL for e in events(session))
    # A removed person is gone: not found, not a manager one may choose.
    assert client.get(url(world, f"/stakeholders/{_id(middle)}/edit")).status_code == 404
    refused = client.post(
        url(world, "/stakeholders"),
        data={**CONFIRMATION, **form_of(name="New", reports_to_id=str(_id(middle)))},
        headers=POST,
    )
    assert refused.status_code == 422
    # Removing the top person leaves their reports with nobody on the map above them.
    gone = client.post(
        url(world, f"/stakeholders/{_id(top)}/remove"), data=CONFIRMATION, headers=POST
    )
    assert gone.status_code == 303
    assert reload(session, left).reports_to_id is None


# --------------------------------------------------------------------------------------------
# Sending for confirmation
# --------------------------------------------------------------------------------------------


def test_the_lead_sends_facts_and_the_client_is_told_without_assessments(
    client: TestClient, session: Session, world: World
) -> None:
    boss = make(session, world, "Ada Boss", title="COO")
    person = make(
        session,
        world,
        "Ben Report",
        title="Head of Fleet",
        reports_to_id=_id(boss),
        attitude="detractor",
        motivations=f"{MARKER}-motivations",
    )
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, f"/stakeholders/{_id(person)}/send"),
        data={"version": str(person.version)},
        headers=POST,
    )
    assert response.status_code == 303
    sent = reload(session, person)
    # Ada Boss was never sent: the client is not told her name, only that there is someone.
    assert (sent.sent_name, sent.sent_title, sent.sent_reports_to) == (
        "Ben Report",
        "Head of Fleet",
        "someone not shared with you",
    )
    assert sent.validation == Validation.PENDING
    assert sent.sent_by_id == _id(world.members["lead"])
    [event] = [e for e in events(session) if e.verb == "stakeholder.sent"]
    assert event.visibility == Visibility.SHARED
    assert event.changes == {
        "sent_name": ["", "Ben Report"],
        "sent_title": ["", "Head of Fleet"],
        "sent_reports_to": ["", "someone not shared with you"],
        "validation": ["none", "pending"],
    }
    notes = session.exec(select(Notification).where(Notification.kind == "stakeholder.sent")).all()
    assert {n.user_id for n in notes} == {
        _id(world.members["sponsor"]),
        _id(world.members["member"]),
    }
    for note in notes:
        assert note.link == url(world, "/validation")
        assert note.message == (
            "Account lead asks you to confirm the name, title and reporting line of Ben Report."
        )
    mails = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).contains("confirm"))
    ).all()
    assert {m.to_address for m in mails} == {"sponsor@client.example", "member@client.example"}
    assert all(MARKER not in m.body_text and "etractor" not in m.body_text for m in mails)


def test_sending_again_clears_the_answer_and_a_changed_person_is_flagged(
    client: TestClient, session: Session, world: World
) -> None:
    boss = make(session, world, "Ada Boss")
    person = make(session, world, "Ben Report", title="Head", reports_to_id=_id(boss))
    send(session, world, person)
    service.answer(
        session,
        actor=world.members["sponsor"],
        person=person,
        confirmed=False,
        correction="He is Head of Fleet now",
        expected=service.shared_version(person),
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    row = client.get(url(world, "/relationships")).text.split(f'id="stakeholder-{_id(person)}"')[1]
    assert "Corrected" in row
    assert "He is Head of Fleet now" in row
    assert "Changed since sent" not in row.split("</tr>")[0]
    client.post(
        url(world, f"/stakeholders/{_id(person)}"),
        data=form_of(reload(session, person), title="Head of Fleet", reports_to_id=""),
        headers=POST,
    )
    row = client.get(url(world, "/relationships")).text.split(f'id="stakeholder-{_id(person)}"')[1]
    assert "Changed since sent: title, reporting line" in row.split("</tr>")[0]
    again = client.post(
        url(world, f"/stakeholders/{_id(person)}/send"),
        data={"version": str(reload(session, person).version)},
        headers=HTMX,
    )
    assert again.status_code == 200
    resent = reload(session, person)
    assert resent.validation == Validation.PENDING
    assert resent.client_correction == ""
    assert resent.answered_at is None
    assert (resent.sent_title, resent.sent_reports_to) == ("Head of Fleet", "")
    row = again.text.split(f'id="stakeholder-{_id(person)}"')[1].split("</tr>")[0]
    assert "Waiting for the client" in row
    assert "Changed since sent" not in row


def test_sending_the_ticked_people_at_once_and_stale_sends(
    client: TestClient, session: Session, world: World
) -> None:
    a = make(session, world, "Anna")
    b = make(session, world, "Bert", reports_to_id=None)
    c = make(session, world, "Carl")
    sign_in(client, session, world.members["lead"])
    versions = [f"{_id(p)}:{p.version}" for p in (a, b, c)]
    response = client.post(
        url(world, "/stakeholders/send"),
        data={"ids": [str(_id(a)), str(_id(b))], "versions": versions},
        headers=POST,
    )
    assert response.status_code == 303
    assert [reload(session, p).validation for p in (a, b, c)] == ["pending", "pending", "none"]
    [note, _] = session.exec(select(Notification)).all()
    assert "confirm the names, titles and reporting lines of 2 people: Anna, Bert." in note.message
    # Someone renamed Carl after the page was loaded: nothing is sent.
    service.update(
        session,
        actor=world.members["team"],
        person=c,
        checked=CheckedStakeholder(
            **({k: getattr(c, k) for k in service.FIELDS} | {"name": "Karl"})
        ),
        expected_version=c.version,
    )
    session.commit()
    stale = client.post(
        url(world, "/stakeholders/send"),
        data={"ids": [str(_id(c))], "versions": versions},
        headers=POST,
    )
    assert stale.status_code == 409
    assert "team@vendor.example changed Karl meanwhile" in stale.text
    assert reload(session, c).validation == "none"
    nothing = client.post(
        url(world, "/stakeholders/send"), data={"versions": versions}, headers=POST
    )
    assert nothing.status_code == 400
    elsewhere = make(session, world, "Far", account_id=_id(world.other_account), by="admin")
    smuggled = client.post(
        url(world, "/stakeholders/send"),
        data={"ids": [str(_id(elsewhere))], "versions": [f"{_id(elsewhere)}:1"]},
        headers=POST,
    )
    assert smuggled.status_code == 404
    assert reload(session, elsewhere).validation == "none"


def test_a_stale_single_send_is_refused(client: TestClient, session: Session, world: World) -> None:
    person = make(session, world, "Sam")
    sign_in(client, session, world.admin)
    response = client.post(
        url(world, f"/stakeholders/{_id(person)}/send"),
        data={"version": str(person.version - 1)},
        headers=POST,
    )
    assert response.status_code == 409
    assert "lead@vendor.example changed Sam meanwhile" in response.text
    assert reload(session, person).validation == "none"


# --------------------------------------------------------------------------------------------
# The client's answer
# --------------------------------------------------------------------------------------------


def answer_url(world: World, person: Stakeholder) -> str:
    return url(world, f"/validation/stakeholders/{_id(person)}")


@pytest.mark.parametrize("role", ["sponsor", "member"])
def test_the_client_confirms_or_corrects_and_the_sender_is_told(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    person = make(session, world, "Ben Report", title="Head")
    send(session, world, person)
    sign_in(client, session, world.members[role])
    token = service.shared_version(reload(session, person))
    confirmed = client.post(
        answer_url(world, person), data={"decision": "confirm", "version": token}, headers=POST
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == url(world, "/validation")
    assert reload(session, person).validation == Validation.CONFIRMED
    token = service.shared_version(reload(session, person))
    corrected = client.post(
        answer_url(world, person),
        data={"decision": "correct", "correction": "Ben is Head of Fleet", "version": token},
        headers=HTMX,
    )
    assert corrected.status_code == 200
    assert 'id="confirm-stakeholders"' in corrected.text
    assert "Ben is Head of Fleet" in corrected.text
    answered = reload(session, person)
    assert answered.validation == Validation.CORRECTED
    assert answered.client_correction == "Ben is Head of Fleet"
    assert answered.answered_by_id == _id(world.members[role])
    first, second = [
        e for e in events(session) if e.verb in ("stakeholder.confirmed", "stakeholder.corrected")
    ]
    assert first.visibility == second.visibility == Visibility.SHARED
    assert first.changes == {"validation": ["pending", "confirmed"]}
    assert second.changes == {
        "validation": ["confirmed", "corrected"],
        "client_correction": ["", "Ben is Head of Fleet"],
    }
    notes = session.exec(
        select(Notification)
        .where(Notification.kind == "stakeholder.answered")
        .order_by(col(Notification.created_at), col(Notification.id))
    ).all()
    assert {n.user_id for n in notes} == {_id(world.members["lead"])}
    assert notes[-1].link == url(world, f"/relationships#stakeholder-{_id(person)}")
    assert "Ben is Head of Fleet" in notes[-1].message


def test_a_correction_needs_its_text_and_a_stale_answer_keeps_it(
    client: TestClient, session: Session, world: World
) -> None:
    person = make(session, world, "Ben Report")
    send(session, world, person)
    token = service.shared_version(reload(session, person))
    sign_in(client, session, world.members["sponsor"])
    for data, message in (
        ({"decision": "correct", "correction": " "}, "Enter what is right."),
        ({"decision": "correct", "correction": "y" * 2001}, "under 2000 characters"),
        ({"decision": "shrug"}, "Confirm these facts, or correct them."),
    ):
        for headers in (POST, HTMX):
            response = client.post(
                answer_url(world, person), data=data | {"version": token}, headers=headers
            )
            assert response.status_code == 422
            assert message in response.text
    kept = client.post(
        answer_url(world, person),
        data={"decision": "correct", "correction": "y" * 2001, "version": token},
        headers=POST,
    )
    assert "y" * 2001 in kept.text
    # The vendor's internal edits neither make the answer stale nor show.
    service.update(
        session,
        actor=world.members["lead"],
        person=person,
        checked=CheckedStakeholder(
            **({k: getattr(person, k) for k in service.FIELDS} | {"motivations": f"{MARKER}-m"})
        ),
        expected_version=person.version,
    )
    session.commit()
    assert service.shared_version(reload(session, person)) == token
    # The member answered meanwhile: the sponsor's answer is stale, and kept.
    service.answer(
        session,
        actor=world.members["member"],
        person=reload(session, person),
        confirmed=True,
        correction="",
        expected=token,
    )
    session.commit()
    stale = client.post(
        answer_url(world, person),
        data={"decision": "correct", "correction": "My correction", "version": token},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "member@client.example changed this meanwhile" in stale.text
    assert "My correction" in stale.text
    assert MARKER not in stale.text
    assert reload(session, person).validation == Validation.CONFIRMED
    assert reload(session, person).client_correction == ""


def test_unsent_and_other_accounts_people_are_not_found_and_vendors_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    unsent = make(session, world, "Ursula Unsent")
    elsewhere = make(session, world, "Far", account_id=_id(world.other_account), by="admin")
    sent = make(session, world, "Sent")
    send(session, world, sent)
    sign_in(client, session, world.members["sponsor"])
    for person in (unsent, elsewhere):
        response = client.post(
            answer_url(world, person), data={"decision": "confirm", "version": "x"}, headers=POST
        )
        assert response.status_code == 404
    missing = client.post(url(world, "/validation/stakeholders/999999"), headers=POST)
    assert unmasked(client.post(answer_url(world, unsent), headers=POST).text) == unmasked(
        missing.text
    )
    sign_in(client, session, world.members["viewer"])
    assert client.post(answer_url(world, sent), headers=POST).status_code == 403
    for role in ("lead", "team", "mentor"):
        sign_in(client, session, world.members[role])
        assert client.post(answer_url(world, sent), headers=POST).status_code == 403
    assert reload(session, sent).validation == Validation.PENDING


def test_the_validation_page_shows_the_client_only_the_facts_as_sent(
    client: TestClient, session: Session, world: World
) -> None:
    """On the account's validation page, next to the profile sections: the facts as sent, not
    what changed since nor any assessment; an answer swaps the people in place and what still
    waits out of band; the account page counts the person as waiting until then."""
    boss = make(session, world, "Ada Boss")
    person = make(
        session,
        world,
        "Ben Report",
        title="Head",
        department=f"{MARKER}-department",
        motivations=f"{MARKER}-motivations",
        decision=f"{MARKER}-decision",
        reports_to_id=_id(boss),
        attitude="detractor",
        influence="high",
        strength="weak",
        roles=["economic_buyer"],
    )
    make(session, world, f"{MARKER}-unsent")
    send(session, world, person)
    service.update(
        session,
        actor=world.members["lead"],
        person=person,
        checked=CheckedStakeholder(
            **(
                {k: getattr(person, k) for k in service.FIELDS}
                | {"name": f"{MARKER}-renamed", "title": f"{MARKER}-retitled"}
            )
        ),
        expected_version=person.version,
    )
    session.commit()
    page_url = f"/accounts/{world.account.id}/validation"
    for role in ("sponsor", "viewer"):
        sign_in(client, session, world.members[role])
        page = client.get(page_url)
        assert page.status_code == 200
        html = page.text
        assert "Ben Report" in html
        assert "Head" in html
        assert "Ada Boss" not in html, "the manager was never sent"
        assert "<dd>someone not shared with you</dd>" in html
        assert MARKER not in html
        for word in ("etractor", "conomic", "nfluence", "Weak", "weak"):
            assert word not in html, word
        assert ("Yes, this is right" in html) is (role == "sponsor")
        waits = "your answer" if role == "sponsor" else "an answer from your sponsor or members"
        assert f"1 item waits for {waits}" in html
        assert "1 item about your company" in client.get(f"/accounts/{world.account.id}").text

    sign_in(client, session, world.members["sponsor"])
    token = re.search(r'name="version" value="([^"]*)"', client.get(page_url).text)
    assert token is not None
    answered = client.post(
        answer_url(world, person),
        data={"decision": "confirm", "version": token.group(1).replace("&#43;", "+")},
        headers=HTMX,
    )
    assert answered.status_code == 200
    assert 'id="confirm-stakeholders"' in answered.text
    assert 'id="validation-summary"' in answered.text
    assert 'hx-swap-oob="true"' in answered.text
    assert "Everything sent has been answered" in answered.text
    assert MARKER not in answered.text
    assert "about your company" not in client.get(f"/accounts/{world.account.id}").text


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


def vendor_routes(world: World, person: Stakeholder) -> list[tuple[str, str]]:
    pid = _id(person)
    return [
        ("GET", url(world, "/relationships")),
        ("POST", url(world, "/stakeholders")),
        ("POST", url(world, "/stakeholders/send")),
        ("GET", url(world, f"/stakeholders/{pid}/edit")),
        ("POST", url(world, f"/stakeholders/{pid}")),
        ("POST", url(world, f"/stakeholders/{pid}/remove")),
        ("POST", url(world, f"/stakeholders/{pid}/send")),
    ]


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_client_roles_are_refused_every_vendor_route(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    person = make(session, world, f"{MARKER}-name", motivations=f"{MARKER}-m")
    sent = make(session, world, "Sent person")
    send(session, world, sent)
    sign_in(client, session, world.members[role])
    for target in (person, sent):
        for method, path in vendor_routes(world, target):
            data = form_of(target) | {"ids": [str(_id(target))]}
            response = client.request(
                method, path, data=data if method == "POST" else None, headers=POST
            )
            assert response.status_code == 403, (method, path)
            assert MARKER not in response.text
    assert reload(session, person).removed_at is None


def test_other_accounts_people_are_not_found_through_the_own_account(
    client: TestClient, session: Session, world: World
) -> None:
    elsewhere = make(session, world, "Far", account_id=_id(world.other_account), by="admin")
    sign_in(client, session, world.members["lead"])
    for method, path in vendor_routes(world, elsewhere)[3:]:
        response = client.request(
            method, path, data=form_of(elsewhere) if method == "POST" else None, headers=POST
        )
        assert response.status_code == 404, path
    assert client.get(f"/accounts/{_id(world.other_account)}/relationships").status_code == 404
    assert reload(session, elsewhere).removed_at is None


# --------------------------------------------------------------------------------------------
# Nothing internal reaches the client
# --------------------------------------------------------------------------------------------


def test_no_internal_field_reaches_a_client(
    client: TestClient, session: Session, world: World
) -> None:
    """A marker in every internal text field (and name and title edited after sending); each
    client role answers, reads the audit trail and its inbox; no response, notification or
    e-mail of a client holds the marker or an assessment, while the facts as sent are on the
    shared audit trail."""
    lead, team = world.members["lead"], world.members["team"]

    def marked(n: int, **values: Any) -> Stakeholder:
        return make(
            session,
            world,
            f"Person {n}",
            title=f"Title {n}",
            department=f"{MARKER}-department-{n}",
            motivations=f"{MARKER}-motivations-{n}",
            decision=f"{MARKER}-decision-{n}",
            attitude="detractor",
            influence="high",
            strength="weak",
            owner_id=_id(team),
            last_contact_on=date(2026, 2, 3),
            **values,
        )

    boss = marked(1, roles=["economic_buyer", "coach"])
    report = marked(2, reports_to_id=_id(boss), roles=["gatekeeper"])
    hidden = make(
        session,
        world,
        f"{MARKER}-unsent-name",
        title=f"{MARKER}-unsent-title",
        motivations=f"{MARKER}-unsent-motivations",
    )
    sign_in(client, session, lead)
    for person in (boss, report):
        response = client.post(
            url(world, f"/stakeholders/{_id(person)}/send"),
            data={**CONFIRMATION, "version": str(reload(session, person).version)},
            headers=POST,
        )
        assert response.status_code == 303
    for person, n in ((boss, 1), (report, 2)):
        fresh = reload(session, person)
        edited = client.post(
            url(world, f"/stakeholders/{_id(person)}"),
            data={
                **CONFIRMATION,
                **form_of(
                    fresh, name=f"{MARKER}-name-after-{n}", title=f"{MARKER}-title-after-{n}"
                ),
            },
            headers=POST,
        )
        assert edited.status_code == 303
    client.post(url(world, f"/stakeholders/{_id(hidden)}/remove"), data=CONFIRMATION, headers=POST)
    client.get(url(world, "/relationships"))  # follow the redirect: the lead reads the flash

    def check(where: str, text: str) -> None:
        assert MARKER not in text, where
        for word in ("etractor", "conomic_buyer", "atekeeper", "motivations", "department"):
            assert word not in text, (where, word)

    for role in CLIENT_ROLES:
        person_user = world.members[role]
        sign_in(client, session, person_user)
        for person in (boss, report):
            token = service.shared_version(reload(session, person))
            for data, headers in (
                ({"decision": "correct", "correction": ""}, HTMX),  # 422
                ({"decision": "correct", "correction": ""}, POST),  # 422, whole page
                ({"decision": "correct", "correction": "x", "version": "old"}, HTMX),  # 409
                ({"decision": "correct", "correction": "x", "version": "old"}, POST),  # 409
                ({"decision": "confirm", "version": token}, HTMX),  # done
            ):
                response = client.post(
                    answer_url(world, person),
                    data={**CONFIRMATION, **{"version": token} | data},
                    headers=headers,
                )
                check(f"{role} answers {data}", response.text)
                expected = 403 if role == "viewer" else None
                if expected:
                    assert response.status_code == expected
                else:
                    assert response.status_code < 500
        hidden_answer = client.post(
            answer_url(world, hidden), data={**CONFIRMATION, "decision": "confirm"}, headers=POST
        )
        assert hidden_answer.status_code in (403, 404)
        check(f"{role} answers an internal person", hidden_answer.text)
        for page in range(1, 20):
            audit = client.get(url(world, f"/audit?page={page}"))
            assert audit.status_code == 200
            check(f"{role} audit page {page}", audit.text)
            if "Older events" not in audit.text:
                break
        inbox = client.get("/inbox")
        assert inbox.status_code == 200
        check(f"{role} inbox", inbox.text)
        for method, path in vendor_routes(world, boss):
            refused = client.request(method, path, headers=POST)
            check(f"{role} {method} {path}", refused.text)
    session.expire_all()
    client_ids = [_id(world.members[r]) for r in CLIENT_ROLES]
    for note in session.exec(select(Notification).where(col(Notification.user_id).in_(client_ids))):
        check("notification", f"{note.message} {note.link}")
        assert "/relationships" not in note.link
    client_mail = [world.members[r].email for r in CLIENT_ROLES]
    mails = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.to_address).in_(client_mail))
    ).all()
    assert mails, "the client was told about the facts sent"
    for mail in mails:
        check(f"e-mail to {mail.to_address}", f"{mail.subject}\n{mail.body_text}")
    shared = [
        e
        for e in events(session)
        if e.visibility == Visibility.SHARED and e.account_id == _id(world.account)
    ]
    for event in shared:
        check(f"shared event {event.verb}", json.dumps(event.changes, ensure_ascii=False))
    sent_events = [e for e in shared if e.verb == "stakeholder.sent"]
    assert [e.changes["sent_name"][1] for e in sent_events] == ["Person 1", "Person 2"]
    assert [e.changes["sent_reports_to"][1] for e in sent_events] == ["", "Person 1"]
    assert all(set(e.changes) == set(service.SENT_FIELDS) for e in sent_events)
    answers = [
        e for e in shared if e.verb.startswith("stakeholder.") and e.verb != "stakeholder.sent"
    ]
    assert answers
    assert all(set(e.changes) <= set(service.ANSWER_FIELDS) for e in answers)
    internal = {e.verb for e in events(session) if e.visibility == Visibility.INTERNAL}
    assert internal == {"stakeholder.added", "stakeholder.updated", "stakeholder.removed"}


# --------------------------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------------------------


def people_of(edges: dict[int, int | None]) -> list[chart.Person]:
    return [
        chart.Person(pid, f"Person {pid}", f"Title {pid}", manager, "neutral", "medium", False)
        for pid, manager in edges.items()
    ]


def boxes_overlap(a: chart.Node, b: chart.Node, margin: float = 6.0) -> bool:
    """Do the boxes (with room for the gap outline) overlap?"""
    return not (
        a.x + a.width + margin <= b.x - margin
        or b.x + b.width + margin <= a.x - margin
        or a.y + a.height + margin <= b.y - margin
        or b.y + b.height + margin <= a.y - margin
    )


def assert_tidy(drawn: chart.Chart) -> None:
    for a, b in itertools.combinations(drawn.nodes, 2):
        assert not boxes_overlap(a, b), (a.person.id, b.person.id)
    for node in drawn.nodes:
        assert node.x >= 6
        assert node.y >= 6
        assert node.x + node.width <= drawn.width - 6
        assert node.y + node.height <= drawn.height - 6


def test_a_tidy_tree_centres_parents_over_their_children() -> None:
    drawn = chart.build(people_of({1: None, 2: 1, 3: 1, 4: 1, 5: 2, 6: 3, 7: 4, 8: 5}))
    at = {n.person.id: n for n in drawn.nodes}
    assert_tidy(drawn)
    # Every level on its own row, children below their parent.
    assert at[1].y < at[2].y == at[3].y == at[4].y < at[5].y == at[6].y == at[7].y < at[8].y
    # Siblings in order, parents centred over their children.
    assert at[2].x < at[3].x < at[4].x
    assert at[1].cx == pytest.approx((at[2].cx + at[4].cx) / 2)
    assert at[2].cx == pytest.approx(at[5].cx) == pytest.approx(at[8].cx)
    assert len(drawn.edges) == 7
    assert drawn.description.startswith("8 people on the map: 1 reporting line.")


def test_leaves_are_stacked_under_their_manager_or_beside_the_teams() -> None:
    drawn = chart.build(people_of({1: None, 2: 1, 3: 1, 4: 1, 5: 1}))
    at = {n.person.id: n for n in drawn.nodes}
    assert_tidy(drawn)
    assert at[2].x == at[3].x == at[4].x == at[5].x == at[1].x + chart.STACK_INDENT
    assert at[1].y < at[2].y < at[3].y < at[4].y < at[5].y
    assert drawn.width == pytest.approx(chart.MARGIN * 2 + chart.COLUMN_W)
    # Leaves next to people with teams: one column first, then the teams.
    drawn = chart.build(people_of({1: None, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 3, 8: 1}))
    at = {n.person.id: n for n in drawn.nodes}
    assert_tidy(drawn)
    assert at[4].x == at[8].x < at[2].x < at[3].x  # 4 and 8 have no team: the column
    assert at[4].y == at[2].y < at[8].y
    assert at[5].x == at[6].x == at[2].x + chart.STACK_INDENT  # 2's team is all leaves
    assert at[3].cx == at[7].cx  # a single report sits right under
    assert len(drawn.edges) == 7


def test_a_manager_of_many_gets_several_columns() -> None:
    drawn = chart.build(people_of({1: None} | dict.fromkeys(range(2, 42), 1)))
    at = {n.person.id: n for n in drawn.nodes}
    assert_tidy(drawn)
    columns = sorted({n.x for n in drawn.nodes if n.person.id != 1})
    assert len(columns) == 3  # 40 leaves, at most COLUMN_MAX a column
    assert max(n.y for n in drawn.nodes) < at[1].y + 15 * (chart.NODE_H + chart.STACK_GAP) + 200
    assert columns[0] < at[1].cx < columns[-1] + chart.NODE_W


def test_a_wide_tree_of_150_people_never_overlaps_and_stays_compact() -> None:
    edges: dict[int, int | None] = {1: None}
    pid = 2
    for vp in range(8):  # 8 managers with teams, some of whom have teams of their own
        vp_id = pid
        edges[vp_id] = 1
        pid += 1
        for _ in range(6):
            edges[pid] = vp_id
            lead_id = pid
            pid += 1
            for _ in range(vp % 3):
                edges[pid] = lead_id
                pid += 1
    while pid <= 140:
        edges[pid] = 1 + (pid % 9)
        pid += 1
    while pid <= 150:
        edges[pid] = None  # nobody above or below them on the map
        pid += 1
    drawn = chart.build(people_of(edges))
    assert len(drawn.nodes) == 150
    assert_tidy(drawn)
    assert drawn.grid_label_y is not None
    managers = {m for m in edges.values() if m is not None}
    leaves = [p for p, m in edges.items() if m is not None and p not in managers]
    # Leaves are stacked: far narrower than every leaf side by side.
    assert drawn.width < len(leaves) * (chart.NODE_W + chart.H_GAP) / 2
    assert len(drawn.edges) == 150 - 1 - 10


def test_several_roots_loops_and_unknown_managers_are_drawn() -> None:
    # 9 reports to someone not on the map; 3 and 4 report to each other (the forms refuse it).
    drawn = chart.build(people_of({1: None, 2: 1, 3: 4, 4: 3, 5: 5, 9: 42, 7: None}))
    at = {n.person.id: n for n in drawn.nodes}
    assert set(at) == {1, 2, 3, 4, 5, 9, 7}
    assert_tidy(drawn)
    assert at[4].y > at[3].y  # the loop is cut at its lowest id: 3 is a root
    assert at[5].y == at[9].y == at[7].y  # no reporting line: the grid under the trees
    assert drawn.grid_label_y is not None
    assert at[5].y > drawn.grid_label_y


def test_the_nodes_say_attitude_influence_and_gaps_in_words() -> None:
    people = [
        chart.Person(
            1, "A very long name that will not fit in a box", "", None, "supporter", "high", True
        ),
        chart.Person(2, "Bo", "CFO", 1, "detractor", "low", False),
    ]
    drawn = chart.build(people)
    first, second = drawn.nodes
    assert first.name.endswith("…")
    assert len(first.name) == chart.NAME_CHARS
    assert first.tag == "Supporter · influence H"
    assert first.symbol == "+"
    assert first.stroke_width > second.stroke_width
    assert "coverage gap" in first.label
    assert "A very long name" in first.label
    assert second.tag == "Detractor · influence L"
    assert second.symbol == "−"
    assert drawn.counts == {"supporter": 1, "neutral": 0, "detractor": 1, "unknown": 0, "gaps": 1}
    assert chart.build([]).description == "Nobody is on the map yet."


# --------------------------------------------------------------------------------------------
# Query count
# --------------------------------------------------------------------------------------------


def populate(session: Session, world: World, count: int) -> None:
    """``count`` people in reporting lines, with contacts (none, one or two), decisions,
    levels and locations, gaps, sent ones, a link each to the person before and a tension
    between departments each."""
    owners = [_id(world.members["lead"]), _id(world.members["team"])]
    ids: list[int] = []
    for n in range(count):
        person = Stakeholder(
            account_id=_id(world.account),
            name=f"Scale {n}",
            title=f"Title {n}",
            reports_to_id=ids[(n - 1) // 4] if ids else None,
            roles=["coach"] if n % 5 else ["user", "technical"],
            decision=f"Decision {n % 4}",
            decision_key=f"decision {n % 4}",
            influence=("high", "medium", "low")[n % 3],
            attitude=("supporter", "neutral", "detractor", "unknown")[n % 4],
            level=("executive", "management", "operational", "")[n % 4],
            location=("Oslo", "Bergen", "")[n % 3],
            validation="pending" if n % 7 == 0 else "none",
            sent_name=f"Scale {n}",
        )
        session.add(person)
        session.flush()
        for k, owner in enumerate(owners[: n % 3]):  # none, one or two contacts
            session.add(
                StakeholderContact(
                    account_id=person.account_id,
                    stakeholder_id=_id(person),
                    user_id=owner,
                    strength=("strong", "weak", "none")[(n + k) % 3],
                )
            )
        if ids:  # a link to the person before, of every kind in turn
            kind = ("influences", "blocks", "keeps_us_from")[n % 3]
            session.add(
                StakeholderLink(
                    account_id=person.account_id, from_id=_id(person), to_id=ids[-1], kind=kind
                )
            )
        tag = next(_names)
        session.add(
            DepartmentTension(
                account_id=person.account_id,
                department_a=f"Dept {tag}",
                department_b=f"Dept {tag}b",
                key_a=f"dept {tag}",
                key_b=f"dept {tag}b",
            )
        )
        ids.append(_id(person))
    session.commit()


def test_the_map_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.members["lead"])
    populate(session, world, 3)
    client.get(url(world, "/relationships"))
    count_queries.statements.clear()
    small = client.get(url(world, "/relationships"))
    assert small.status_code == 200
    few = count_queries.count
    populate(session, world, 147)
    count_queries.statements.clear()
    large = client.get(url(world, "/relationships"))
    assert large.status_code == 200
    assert large.text.count('class="stakeholder-row') == 150
    assert large.text.count('class="org-node"') == 150
    assert large.text.count('class="org-link ') == 148  # 2 + 146
    assert large.text.count('class="tension"') == 150
    assert count_queries.count == few, count_queries.statements
    assert few <= 9
    print(f"relationship map: {few} queries for 3 and for 150 people")


def test_a_decision_name_that_folds_longer_than_allowed_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    """'ß' compares as 'ss': 200 of them fit the name but not its folded key."""
    sign_in(client, session, world.members["lead"])
    refused = client.post(
        url(world, "/stakeholders"), data=form_of(name="Ann", decision="ß" * 200), headers=POST
    )
    assert refused.status_code == 422
    assert "Keep the decision&#39;s name under 200 characters." in refused.text
    assert "ß" * 200 in refused.text, "the typed name is kept"
    saved = client.post(
        url(world, "/stakeholders"), data=form_of(name="Ann", decision="ß" * 100), headers=POST
    )
    assert saved.status_code == 303


def test_someone_waiting_about_the_same_facts_is_not_asked_twice(
    session: Session, world: World
) -> None:
    person = make(session, world, "Ann Asked", title="Buyer")
    send(session, world, person)
    sent = len(events(session, "stakeholder.sent"))
    asked = session.exec(select(Notification).where(Notification.kind == "stakeholder.sent"))
    count = len(asked.all())
    send(session, world, reload(session, person))
    assert len(events(session, "stakeholder.sent")) == sent
    again = session.exec(select(Notification).where(Notification.kind == "stakeholder.sent"))
    assert len(again.all()) == count


def client_line(client: TestClient, world: World, person: Stakeholder) -> str:
    """What the client's validation page says ``person`` reports to."""
    page = client.get(url(world, "/validation"))
    assert page.status_code == 200
    item = page.text.split(f'id="confirm-stakeholder-{_id(person)}"')[1].split("</li>")[0]
    found = re.search(r"<dt>Reports to</dt><dd>([^<]*)</dd>", item)
    assert found is not None
    return found.group(1)


def test_a_reporting_line_sent_names_only_people_sent(
    client: TestClient, session: Session, world: World
) -> None:
    """A reporting line sent to the client names a manager only if the manager is sent too
    (before, or in the same sending); otherwise it says someone not shared. The name is decided
    again when the page is drawn, so a manager taken off the map is not named any more."""
    boss = make(session, world, f"{MARKER}-boss", title="CFO")
    person = make(session, world, "Ben Report", reports_to_id=_id(boss))
    send(session, world, person)
    sign_in(client, session, world.members["sponsor"])
    assert client_line(client, world, person) == "someone not shared with you"
    shared = [e for e in events(session) if e.visibility == Visibility.SHARED]
    assert shared
    assert all(MARKER not in json.dumps(e.changes) for e in shared)
    notes = session.exec(select(Notification).where(Notification.kind == "stakeholder.sent"))
    assert all(MARKER not in n.message for n in notes)

    # The manager sent later: the line stays as sent until the vendor sends it again (the map
    # says the reporting line changed since sent); then it names her as she was sent.
    send(session, world, reload(session, boss))
    assert client_line(client, world, person) == "someone not shared with you"
    sign_in(client, session, world.members["lead"])
    row = client.get(url(world, "/relationships")).text.split(f'id="stakeholder-{_id(person)}"')
    assert "Changed since sent: reporting line" in row[1].split("</tr>")[0]
    send(session, world, reload(session, person))
    assert reload(session, person).sent_reports_to == f"{MARKER}-boss"
    sign_in(client, session, world.members["sponsor"])
    assert client_line(client, world, person) == f"{MARKER}-boss"

    # A manager renamed after sending: the line names her as the client knows her.
    service.update(
        session,
        actor=world.members["lead"],
        person=reload(session, boss),
        checked=CheckedStakeholder(
            **({k: getattr(boss, k) for k in service.FIELDS} | {"name": "Internal nickname"})
        ),
        expected_version=reload(session, boss).version,
    )
    other = make(session, world, "Cleo Other", reports_to_id=_id(boss))
    send(session, world, other)
    assert reload(session, other).sent_reports_to == f"{MARKER}-boss"

    # Taken off the map: the client's page no longer names her, wherever she is named.
    service.remove(session, actor=world.members["lead"], person=reload(session, boss))
    session.commit()
    for shown in (person, other):
        assert client_line(client, world, shown) == "someone not shared with you"
    assert MARKER not in client.get(url(world, "/validation")).text

    # Sent together, a manager and her report: the report's line names her.
    chief = make(session, world, "Dora Chief")
    deputy = make(session, world, "Eli Deputy", reports_to_id=_id(chief))
    send(session, world, deputy, chief)
    assert client_line(client, world, deputy) == "Dora Chief"
    # Nobody above: the page says so.
    assert client_line(client, world, chief) == "Nobody on this list"


@pytest.mark.parametrize("tail", ["", "/remove"])
def test_a_map_write_locks_the_map_before_the_persons_row(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    tail: str,
) -> None:
    """Every writer of the map takes the map's lock first, then rows: a writer that held a
    person's row while waiting for the map could deadlock with one moving that person up."""
    person = make(session, world, "Ada Lock")
    sign_in(client, session, world.members["lead"])
    count_queries.statements.clear()
    response = client.post(
        url(world, f"/stakeholders/{person.id}{tail}"),
        data={**CONFIRMATION, **form_of(person, title="Locked first")},
        headers=POST,
    )
    assert response.status_code == 303
    statements = [" ".join(s.split()) for s in count_queries.statements]
    map_lock = next(
        n for n, s in enumerate(statements) if s.startswith("SELECT account.id FROM account")
    )
    row = next(n for n, s in enumerate(statements) if "FROM stakeholder" in s)
    assert map_lock < row, statements


def test_choices_left_out_of_the_form_are_the_defaults(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    data = form_of(name="Dora Default")
    for choice in ("influence", "attitude", "level"):
        del data[choice]
    assert client.post(url(world, "/stakeholders"), data=data, headers=POST).status_code == 303
    person = session.exec(select(Stakeholder).where(Stakeholder.name == "Dora Default")).one()
    assert (person.influence, person.attitude, person.level) == ("medium", "unknown", "")
