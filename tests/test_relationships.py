"""Relationships at every level (internal to the vendor): several contacts of the team per
person, each with its strength and last contact; people's levels and locations and the coverage
grid they make with the team; links between people beyond the reporting line, and tensions
between departments, recorded on the map and drawn."""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models import (
    AuditEvent,
    DepartmentTension,
    Role,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
    User,
    Visibility,
)
from app.stakeholders import service
from app.stakeholders.schemas import CheckedContact, CheckedLink, CheckedStakeholder
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, race
from tests.testclient import TestClient

POST = {"X-CSRF-Token": CSRF}
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def person(session: Session, world: World, name: str, **values: Any) -> Stakeholder:
    made = service.add(
        session,
        actor=world.members["lead"],
        account_id=_id(world.account),
        checked=CheckedStakeholder(name=name, **values),
    )
    session.commit()
    return made


def contact(
    session: Session, world: World, who: Stakeholder, role: str, strength: str = "good"
) -> StakeholderContact:
    user = world.members[role]
    made = service.add_contact(
        session,
        actor=world.members["lead"],
        person=who,
        user=user,
        checked=CheckedContact(_id(user), strength, None),
    )
    session.commit()
    return made


def events(session: Session, prefix: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.verb).startswith(prefix))
            .order_by(col(AuditEvent.seq))
        ).all()
    )


def section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"')[1].split("</section>")[0]


# --------------------------------------------------------------------------------------------
# Contacts
# --------------------------------------------------------------------------------------------


def test_two_contacts_at_different_strengths_on_one_person_are_kept_and_audited(
    client: TestClient, session: Session, world: World
) -> None:
    sam = person(session, world, "Sam Sponsor", influence="high")
    sign_in(client, session, world.members["team"])
    path = url(world, f"/stakeholders/{_id(sam)}/contacts")
    lead, team = world.members["lead"], world.members["team"]
    first = client.post(
        path,
        data={"user_id": str(_id(lead)), "strength": "strong", "last_contact_on": "2026-01-05"},
        headers=POST,
    )
    assert first.status_code == 303
    second = client.post(path, data={"user_id": str(_id(team)), "strength": "weak"}, headers=HTMX)
    assert second.status_code == 200
    assert "Added Team member as a contact of Sam Sponsor." in second.text
    rows = session.exec(
        select(StakeholderContact).where(StakeholderContact.stakeholder_id == sam.id)
    ).all()
    assert sorted((r.user_id, r.strength) for r in rows) == sorted(
        [(_id(lead), "strong"), (_id(team), "weak")]
    )
    added = events(session, "stakeholder_contact.")
    assert [e.verb for e in added] == ["stakeholder_contact.added"] * 2
    assert {e.visibility for e in added} == {Visibility.INTERNAL}
    assert added[0].changes["team_member"] == [None, "Account lead"]
    assert added[0].changes["strength"] == [None, "strong"]
    # The page lists both, the strongest first; a strong contact closes the coverage gap.
    page = client.get(url(world, "/relationships")).text
    cell = page.split(f'id="contacts-{_id(sam)}"')[1].split("</td>")[0]
    assert cell.index("Account lead") < cell.index("Team member")
    assert "5 Jan 2026" in cell
    assert "No coverage gaps" in section(page, "gaps")


def test_a_second_contact_of_the_same_person_and_bad_input_are_refused_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sam = person(session, world, "Sam Sponsor")
    contact(session, world, sam, "lead")
    sign_in(client, session, world.members["lead"])
    path = url(world, f"/stakeholders/{_id(sam)}/contacts")
    again = client.post(path, data={"user_id": str(_id(world.members["lead"]))}, headers=POST)
    assert again.status_code == 422
    assert "Account lead is already in contact with Sam Sponsor" in again.text
    bad = client.post(
        path,
        data={
            "user_id": str(_id(world.members["sponsor"])),  # the client's side
            "strength": "telepathic",
            "last_contact_on": "2999-01-01",
        },
        headers=HTMX,
    )
    assert bad.status_code == 422
    for message in (
        "Choose someone of your account team.",
        "Choose a strength from the list.",
        "The last contact cannot be in the future",
    ):
        assert message in bad.text, message
    assert 'value="2999-01-01"' in bad.text
    assert len(events(session, "stakeholder_contact.")) == 1


def test_a_contact_is_changed_a_stale_change_refused_and_removal_asks_first(
    client: TestClient, session: Session, world: World
) -> None:
    sam = person(session, world, "Sam Sponsor")
    made = contact(session, world, sam, "team", "weak")
    made_id = _id(made)
    sign_in(client, session, world.members["lead"])
    path = url(world, f"/contacts/{made_id}")
    changed = client.post(
        path,
        data={"strength": "good", "last_contact_on": "2026-02-03", "version": "1"},
        headers=POST,
    )
    assert changed.status_code == 303
    session.expire_all()
    saved = session.get(StakeholderContact, made_id)
    assert saved is not None
    assert (saved.strength, saved.last_contact_on, saved.version) == (
        "good",
        date(2026, 2, 3),
        2,
    )
    stale = client.post(path, data={"strength": "strong", "version": "1"}, headers=POST)
    assert stale.status_code == 409
    assert "changed this contact meanwhile" in stale.text
    page = client.get(url(world, "/relationships")).text
    assert 'value="Remove Team member as a contact of Sam Sponsor?"' in page
    asked = client.post(f"{path}/remove", headers=POST)
    assert asked.status_code == 200  # the confirmation page: nothing removed yet
    session.expire_all()
    assert session.get(StakeholderContact, made_id) is not None
    removed = client.post(f"{path}/remove", data=CONFIRMATION, headers=POST)
    assert removed.status_code == 303
    session.expire_all()
    assert session.get(StakeholderContact, made_id) is None
    verbs = [e.verb for e in events(session, "stakeholder_contact.")]
    assert verbs == [
        "stakeholder_contact.added",
        "stakeholder_contact.updated",
        "stakeholder_contact.removed",
    ]


# --------------------------------------------------------------------------------------------
# Links and tensions
# --------------------------------------------------------------------------------------------


def test_a_blocks_link_is_recorded_drawn_with_its_legend_and_removed_after_asking(
    client: TestClient, session: Session, world: World
) -> None:
    karin = person(session, world, "Karin Berg", department="Finance")
    sam = person(session, world, "Sam Sponsor", reports_to_id=_id(karin))
    sign_in(client, session, world.members["team"])
    path = url(world, "/relationships/links")
    data = {"from_id": str(_id(karin)), "kind": "blocks", "to_id": str(_id(sam)), "note": "Budget"}
    assert client.post(path, data=data, headers=POST).status_code == 303
    again = client.post(path, data=data, headers=POST)
    assert again.status_code == 422
    assert "The map already says that Karin Berg blocks Sam Sponsor." in again.text
    self_link = client.post(
        path, data=data | {"to_id": str(_id(karin)), "kind": "influences"}, headers=POST
    )
    assert self_link.status_code == 422
    assert "A link is between two people" in self_link.text
    link = session.exec(select(StakeholderLink)).one()
    added = events(session, "stakeholder_link.")
    assert [(e.verb, e.visibility) for e in added] == [
        ("stakeholder_link.added", Visibility.INTERNAL)
    ]
    assert added[0].changes["link"] == [None, "Karin Berg blocks Sam Sponsor"]
    page = client.get(url(world, "/relationships")).text
    svg = page.split('class="org-chart-svg"')[1].split("</svg>")[0]
    assert svg.count('class="org-link org-link-blocks"') == 1
    assert "<title>Karin Berg blocks Sam Sponsor</title>" in svg
    assert 'marker-end="url(#link-end-blocks)"' in svg
    legend = page.split('class="chart-legend org-legend"')[1].split("</ul>")[0]
    for words in (
        "influences: solid line, arrow",
        "blocks: dashed line, bar at the end",
        "does not want us to talk to: dotted line, cross at the end",
    ):
        assert words in legend
    links = section(page, "links")
    assert "Karin Berg</a> <strong>blocks</strong>" in links
    remove = url(world, f"/relationships/links/{_id(link)}/remove")
    assert 'value="Remove the link “Karin Berg blocks Sam Sponsor”?"' in page
    assert client.post(remove, headers=POST).status_code == 200
    assert session.exec(select(StakeholderLink)).first() is not None
    assert client.post(remove, data=CONFIRMATION, headers=POST).status_code == 303
    session.expire_all()
    assert session.exec(select(StakeholderLink)).first() is None
    assert [e.verb for e in events(session, "stakeholder_link.")][-1] == "stakeholder_link.removed"


def test_a_person_taken_off_the_map_takes_their_links_and_contacts_off_the_page(
    client: TestClient, session: Session, world: World
) -> None:
    gone = person(session, world, "Gone Person")
    stays = person(session, world, "Stays Person")
    contact(session, world, gone, "team")
    service.add_link(
        session,
        actor=world.members["lead"],
        account_id=_id(world.account),
        checked=CheckedLink(_id(gone), _id(stays), "keeps_us_from"),
        names={_id(gone): gone.name, _id(stays): stays.name},
    )
    service.remove(session, actor=world.members["lead"], person=gone)
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/relationships")).text
    assert "org-link" not in page.split('class="org-chart-svg"')[1].split("</svg>")[0]
    assert "No links recorded yet." in section(page, "links")


def test_tensions_between_departments_either_way_round_once(
    client: TestClient, session: Session, world: World
) -> None:
    person(session, world, "Fin Person", department="Finance")
    sign_in(client, session, world.members["lead"])
    path = url(world, "/relationships/tensions")
    made = client.post(
        path,
        data={"department_a": "Operations", "department_b": "Finance", "note": "Budgets"},
        headers=POST,
    )
    assert made.status_code == 303
    tension = session.exec(select(DepartmentTension)).one()
    assert (tension.department_a, tension.department_b) == ("Finance", "Operations")
    again = client.post(
        path, data={"department_a": " finance", "department_b": "OPERATIONS"}, headers=POST
    )
    assert again.status_code == 422
    assert "A tension between finance and OPERATIONS is on the map already." in again.text
    same = client.post(path, data={"department_a": "IT", "department_b": " it "}, headers=POST)
    assert same.status_code == 422
    assert "A tension is between two departments" in same.text
    empty = client.post(path, data={"department_a": "", "department_b": "IT"}, headers=POST)
    assert "Enter the first department." in empty.text
    page = client.get(url(world, "/relationships")).text
    assert "<strong>Finance</strong>" in section(page, "tensions")
    assert [e.verb for e in events(session, "department_tension.")] == ["department_tension.added"]
    remove = url(world, f"/relationships/tensions/{_id(tension)}/remove")
    assert 'value="Remove the tension between Finance and Operations?"' in page
    assert client.post(remove, headers=POST).status_code == 200
    assert client.post(remove, data=CONFIRMATION, headers=POST).status_code == 303
    session.expire_all()
    assert session.exec(select(DepartmentTension)).first() is None
    assert events(session, "department_tension.")[-1].visibility == Visibility.INTERNAL


# --------------------------------------------------------------------------------------------
# Coverage grid
# --------------------------------------------------------------------------------------------


def test_the_coverage_grid_lists_who_has_contact_at_each_level_and_location_and_the_gaps(
    client: TestClient, session: Session, world: World
) -> None:
    ceo = person(session, world, "Cee Oh", level="executive", location="Oslo")
    ops = person(session, world, "Op Erator", level="operational", location="Bergen")
    person(session, world, "Nobody Knows", level="operational", location="Oslo")
    person(session, world, "No Level", location=" oslo")
    contact(session, world, ceo, "lead", "strong")
    contact(session, world, ops, "team", "weak")
    contact(session, world, ops, "lead", "good")
    sign_in(client, session, world.members["mentor"])
    grid = section(client.get(url(world, "/relationships")).text, "coverage")
    header = re.findall(r'<th scope="col">([^<]+)</th>', grid)
    assert header == ["Level", "Bergen", "Oslo"]  # " oslo" is Oslo
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', grid, re.S)
    assert [name for name, _ in rows] == [
        "Executive",
        "Management",
        "Operational",
        "Level not recorded",
    ]
    cells = {name: re.findall(r"<td (.*?)</td>", body, re.S) for name, body in rows}
    bergen, oslo = cells["Executive"]
    assert "nobody mapped here" in bergen
    assert "Account lead" in oslo
    assert "is-gap" not in oslo
    bergen, oslo = cells["Operational"]
    assert "Account lead" in bergen
    assert "Team member" in bergen
    assert "is-gap" in oslo
    assert "1 person, nobody on the team in contact" in oslo
    assert "Gap" in cells["Management"][0]
    assert "6 of 8 cells have nobody" in grid


# --------------------------------------------------------------------------------------------
# Simultaneous requests (both databases)
# --------------------------------------------------------------------------------------------


def test_simultaneous_adds_of_one_contact_make_one_row(live_server: LiveServer) -> None:
    """Six writers add the same team member as a contact of the same person at once: the map's
    lock (PostgreSQL) and the unique constraint keep one row; the others are told it is there."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        writers = []
        for i in range(6):
            user = factories.make_user(
                session, name=f"Writer {i}", password=None, workspace=workspace
            )
            factories.add_member(session, account=account, user=user, role=Role.TEAM, by=admin)
            writers.append(user)
        target = service.add(
            session,
            actor=admin,
            account_id=_id(account),
            checked=CheckedStakeholder(name="Wanted Person"),
        )
        session.commit()
        path = f"/accounts/{account.id}/stakeholders/{target.id}/contacts"
        chosen = str(_id(writers[0]))
    clients = [_client(live_server, user) for user in writers]
    try:
        responses = race(
            [partial(c.post, path, data={"user_id": chosen, "csrf_token": CSRF}) for c in clients]
        )
    finally:
        for c in clients:
            c.close()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] + [422] * 5, statuses
    assert all(
        "Writer 0 is already in contact with Wanted Person" in r.text
        for r in responses
        if r.status_code == 422
    )
    with Session(live_server.db.engine) as session:
        rows = session.exec(
            select(StakeholderContact).where(StakeholderContact.stakeholder_id == target.id)
        ).all()
        assert len(rows) == 1
        added = session.exec(
            select(AuditEvent).where(AuditEvent.verb == "stakeholder_contact.added")
        ).all()
        assert len(added) == 1


def test_simultaneous_adds_of_one_tension_make_one_row(live_server: LiveServer) -> None:
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        writers: list[User] = []
        for i in range(4):
            user = factories.make_user(
                session, name=f"Writer {i}", password=None, workspace=workspace
            )
            factories.add_member(session, account=account, user=user, role=Role.TEAM, by=admin)
            writers.append(user)
        session.commit()
        path = f"/accounts/{account.id}/relationships/tensions"
        account_id = _id(account)
    clients = [_client(live_server, user) for user in writers]
    try:
        responses = race(
            [
                partial(
                    c.post,
                    path,
                    data={
                        "department_a": "Finance" if i % 2 else "operations",
                        "department_b": "Operations" if i % 2 else "finance",
                        "csrf_token": CSRF,
                    },
                )
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            c.close()
    assert sorted(r.status_code for r in responses) == [303, 422, 422, 422]
    with Session(live_server.db.engine) as session:
        rows = session.exec(
            select(DepartmentTension).where(DepartmentTension.account_id == account_id)
        ).all()
        assert len(rows) == 1


pytestmark = pytest.mark.usefixtures("fast_hashing")


def test_the_plan_s_validation_figure_counts_the_people_the_client_confirmed(
    client: TestClient, session: Session, world: World
) -> None:
    """Both sides read the same figure: the people sent count, confirmed ones for; people
    never sent (internal) do not count at all."""
    lead, sponsor = world.members["lead"], world.members["sponsor"]
    sent = [person(session, world, name) for name in ("Ann Sent", "Bob Sent")]
    person(session, world, "Never Sent")
    service.send(session, actor=lead, account_id=_id(world.account), people=sent)
    service.answer(
        session,
        actor=sponsor,
        person=sent[0],
        confirmed=True,
        correction="",
        expected=service.shared_version(sent[0]),
    )
    session.commit()
    for who in (lead, sponsor):
        sign_in(client, session, who)
        page = client.get(url(world, "/plan")).text
        assert "1 of 2 people of the map confirmed" in page, who.display_name
