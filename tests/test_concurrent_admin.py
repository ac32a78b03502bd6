"""Administrative changes made at the same moment: memberships, invitations, the workspace's
value dimensions and its scorecard. Each check-then-write holds under concurrency: exactly the
changes a one-at-a-time order allows are made, each with its one audit event, and every other
request gets the answer it would get a moment later (never a 500).

The requests go to the app served on a real port, on a database whose transactions really
commit, released together by a barrier (``test_concurrent_edits.race``). On PostgreSQL these
tests prove the row locks: without them, several stale writers "win". SQLite serialises its
writers with ``BEGIN IMMEDIATE``, so there the same tests prove the behaviour, not the lock.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import httpx
import pytest
from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.invitations import service as invitations
from app.models import (
    DEFAULT_SCORECARD,
    DEFAULT_VALUE_DIMENSIONS,
    Account,
    AuditEvent,
    ClientOrganisation,
    Invitation,
    Membership,
    OutboxMessage,
    Role,
    ScorecardAttribute,
    ScorecardHalf,
    Side,
    User,
    Workspace,
)
from app.scorecard import service as scorecard
from app.scorecard.schemas import AttributeValues
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, race

HTMX = {"HX-Request": "true"}
ADMINS = 6


@dataclass
class Scene:
    workspace_id: int
    account_id: int
    admins: list[User]


def _scene(server: LiveServer, admins: int) -> Scene:
    """A workspace with ``admins`` workspace admins and an account."""
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        people = [
            factories.make_user(
                session, name=f"Admin {i}", workspace=workspace, admin=True, password=None
            )
            for i in range(admins)
        ]
        account = factories.make_account(session, admin=people[0])
        session.commit()
        assert workspace.id is not None
        assert account.id is not None
        return Scene(workspace.id, account.id, people)


def _new_account(server: LiveServer, scene: Scene) -> int:
    with server.db.session() as session:
        admin = session.get(User, scene.admins[0].id)
        assert admin is not None
        account = factories.make_account(session, admin=admin)
        session.commit()
        assert account.id is not None
        return account.id


def _member(server: LiveServer, scene: Scene, account_id: int, role: Role) -> Membership:
    """A new person with ``role`` in the account (vendor roles: a colleague of the workspace)."""
    with server.db.session() as session:
        admin = session.get(User, scene.admins[0].id)
        account = session.get(Account, account_id)
        assert admin is not None
        assert account is not None
        person = factories.make_user(
            session,
            workspace=session.get(Workspace, scene.workspace_id)
            if role.side is Side.VENDOR
            else None,
            password=None,
        )
        membership = factories.add_member(
            session, account=account, user=person, role=role, by=admin
        )
        session.commit()
        return membership


def _send(
    server: LiveServer, people: Sequence[User], post: Callable[[httpx.Client, int], httpx.Response]
) -> list[httpx.Response]:
    """Each person's ``post`` (given their client and number), all at once."""
    clients = [_client(server, person) for person in people]
    try:
        return race([partial(post, c, i) for i, c in enumerate(clients)])
    finally:
        for c in clients:
            c.close()


def _codes(responses: Sequence[httpx.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)


def _events(server: LiveServer, verb: str, **where: object) -> list[AuditEvent]:
    with Session(server.db.engine) as session:
        statement = select(AuditEvent).where(AuditEvent.verb == verb)
        for name, value in where.items():
            statement = statement.where(getattr(AuditEvent, name) == value)
        return list(session.exec(statement.order_by(col(AuditEvent.seq))).all())


def _form(data: dict[str, str]) -> dict[str, str]:
    return data | {"csrf_token": CSRF}


# --- Memberships -----------------------------------------------------------------------------

WRITERS = 20


def test_twenty_stale_role_changes_of_a_membership_one_wins(live_server: LiveServer) -> None:
    """Twenty admins change one membership, all based on its version 1: one change is made and
    audited once; the nineteen others are told it changed meanwhile. Without the row locks
    (PostgreSQL), several of them won and each wrote an audit event. On SQLite this proves the
    behaviour, not the lock (``BEGIN IMMEDIATE`` queues the writers anyway)."""
    scene = _scene(live_server, WRITERS)
    target = _member(live_server, scene, scene.account_id, Role.MEMBER)
    url = f"/accounts/{scene.account_id}/members/{target.id}/role"
    roles = ["viewer", "sponsor"]

    responses = _send(
        live_server,
        scene.admins,
        lambda c, i: c.post(url, data=_form({"role": roles[i % 2], "version": "1"})),
    )

    assert _codes(responses) == [303] + [409] * (WRITERS - 1)
    winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
    for response in responses:
        if response.status_code == 409:
            assert "changed this membership meanwhile" in response.text
    (event,) = _events(live_server, "membership.role_changed", account_id=scene.account_id)
    assert event.actor_id == scene.admins[winner].id
    with Session(live_server.db.engine) as session:
        saved = session.get(Membership, target.id)
        assert saved is not None
        assert (saved.role, saved.version) == (roles[winner % 2], 2)


DEMOTE = ("role", {"role": "team"})
REMOVE = ("remove", {})
ROUNDS = [(DEMOTE, DEMOTE), (REMOVE, REMOVE), (DEMOTE, REMOVE), (REMOVE, DEMOTE)]


def test_two_admins_taking_away_the_two_leads_at_once_leave_one_lead(
    live_server: LiveServer,
) -> None:
    """Two admins each demote or remove one of the account's two leads at the same moment: one
    change is made, the other is refused because the account needs a lead. Without the lock on
    the account row (PostgreSQL), both counted two leads and the account was left with none.
    On SQLite this proves the behaviour, not the lock (its writers queue anyway)."""
    scene = _scene(live_server, 2)
    for actions in ROUNDS:
        account_id = _new_account(live_server, scene)
        leads = [_member(live_server, scene, account_id, Role.LEAD) for _ in range(2)]
        urls = [
            f"/accounts/{account_id}/members/{lead.id}/{path}"
            for lead, (path, _) in zip(leads, actions, strict=True)
        ]
        forms = [_form(data | {"version": "1"} | CONFIRMATION) for _, data in actions]

        clients = [_client(live_server, admin) for admin in scene.admins]
        try:
            responses = race(
                [
                    partial(c.post, url, data=form)
                    for c, url, form in zip(clients, urls, forms, strict=True)
                ]
            )
        finally:
            for c in clients:
                c.close()

        assert _codes(responses) == [303, 409], [path for path, _ in actions]
        refused = next(r for r in responses if r.status_code == 409)
        assert "An account needs a lead. Make someone else lead first." in refused.text
        with live_server.db.session() as session:
            assert accounts_repo.count_leads(session, account_id=account_id) == 1


def test_simultaneous_removals_of_one_member_remove_it_once(live_server: LiveServer) -> None:
    """Eight admins remove the same person at once: one removal, audited once; the others find
    the membership gone (as they would a moment later)."""
    scene = _scene(live_server, 8)
    target = _member(live_server, scene, scene.account_id, Role.TEAM)
    url = f"/accounts/{scene.account_id}/members/{target.id}/remove"

    responses = _send(
        live_server, scene.admins, lambda c, i: c.post(url, data={**CONFIRMATION, **_form({})})
    )

    assert _codes(responses) == [303] + [404] * 7
    assert len(_events(live_server, "membership.removed", account_id=scene.account_id)) == 1


def test_simultaneous_creations_of_one_account_create_it_once(live_server: LiveServer) -> None:
    """Six admins create an account of the same name (and client) at once: one account, one
    client, audited once; the others are told the name is taken, their input kept. Without the
    workspace's lock (PostgreSQL), the losers failed on the unique constraints: 500s."""
    scene = _scene(live_server, ADMINS)
    form = _form(
        {
            "client_name": "Globex",
            "account_name": "Globex EMEA",
            "period": "FY2027",
            "lead_email": "lead@vendor.example",
        }
    )

    responses = _send(live_server, scene.admins, lambda c, i: c.post("/accounts", data=form))

    assert _codes(responses) == [303] + [422] * (ADMINS - 1)
    for response in responses:
        if response.status_code == 422:
            assert "Your workspace already has an account of this name." in response.text
            assert 'value="Globex EMEA"' in response.text
    with Session(live_server.db.engine) as session:
        made = session.exec(select(Account).where(Account.name == "Globex EMEA")).all()
        assert len(made) == 1
        clients = session.exec(
            select(ClientOrganisation).where(ClientOrganisation.name == "Globex")
        ).all()
        assert len(clients) == 1
    assert len(_events(live_server, "account.created", account_id=made[0].id)) == 1


def test_simultaneous_disablings_of_a_login_disable_it_once(live_server: LiveServer) -> None:
    scene = _scene(live_server, ADMINS)
    with live_server.db.session() as session:
        person = factories.make_user(
            session, workspace=session.get(Workspace, scene.workspace_id), password=None
        )
        session.commit()
    url = f"/admin/users/{person.id}/disable"

    responses = _send(
        live_server, scene.admins, lambda c, i: c.post(url, data={**CONFIRMATION, **_form({})})
    )

    assert _codes(responses) == [303] * ADMINS  # disabling a disabled login changes nothing
    assert len(_events(live_server, "user.disabled", item_id=str(person.id))) == 1


# --- Invitations -----------------------------------------------------------------------------

SAME_TIME = 15


def test_fifteen_identical_invitations_at_once_make_one(live_server: LiveServer) -> None:
    """Fifteen admins invite the same address to the same account at the same moment: one
    invitation, one audit event, one e-mail queued; every other admin gets the message a
    sequential duplicate gets (422, their typed address kept), never a 500 (the open
    invitations' unique index is the arbiter on PostgreSQL; its clash is caught in a savepoint).
    On SQLite the writers queue, so the losers meet the ordinary duplicate check instead."""
    scene = _scene(live_server, SAME_TIME)
    url = f"/accounts/{scene.account_id}/invitations"
    typed = "Hal@Client.example"

    responses = _send(
        live_server,
        scene.admins,
        lambda c, i: c.post(url, data=_form({"email": typed, "role": "sponsor"})),
    )

    assert _codes(responses) == [303] + [422] * (SAME_TIME - 1)
    duplicate = re.compile(
        r"hal@client\.example was already invited on \d{1,2} \w{3} \d{4}; that invitation is "
        r"open until \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC\."
    )
    for response in responses:
        if response.status_code == 422:
            assert duplicate.search(response.text), response.text[:2000]
            assert f'value="{typed}"' in response.text
    with Session(live_server.db.engine) as session:
        made = session.exec(
            select(Invitation)
            .where(Invitation.account_id == scene.account_id)
            .where(Invitation.email == "hal@client.example")
        ).all()
        assert len(made) == 1
        queued = session.exec(
            select(OutboxMessage).where(OutboxMessage.to_address == "hal@client.example")
        ).all()
        assert len(queued) == 1
    sent = _events(live_server, "invitation.sent", account_id=scene.account_id)
    assert [e.changes["email"][1] for e in sent].count("hal@client.example") == 1


def _invitation(server: LiveServer, scene: Scene, email: str) -> tuple[int, str]:
    """An open invitation of the scene's account: its id and the token of its link."""
    with server.db.session() as session:
        admin = session.get(User, scene.admins[0].id)
        account = session.get(Account, scene.account_id)
        assert admin is not None
        assert account is not None
        sent = invitations.invite(
            session,
            inviter=admin,
            account=account,
            email=email,
            role=Role.SPONSOR,
            days=7,
        )
        session.commit()
        assert sent.invitation.id is not None
        return sent.invitation.id, sent.link.rsplit("/", 1)[1]


def test_simultaneous_withdrawals_of_an_invitation_withdraw_it_once(
    live_server: LiveServer,
) -> None:
    """Eight admins withdraw the same invitation at once: one withdrawal, audited once; the
    others are told it is no longer open."""
    scene = _scene(live_server, 8)
    invitation_id, _ = _invitation(live_server, scene, "ivy@client.example")
    url = f"/accounts/{scene.account_id}/invitations/{invitation_id}/revoke"

    responses = _send(
        live_server,
        scene.admins,
        lambda c, i: c.post(url, data={**CONFIRMATION, **_form({})}, headers=HTMX),
    )

    assert _codes(responses) == [200] + [409] * 7
    for response in responses:
        if response.status_code == 409:
            assert "This invitation is no longer open." in response.text
    revoked = _events(live_server, "invitation.revoked", account_id=scene.account_id)
    assert [e.item_id for e in revoked] == [str(invitation_id)]


ACCEPTORS = 6
NEW_PASSWORD = "a long and private passphrase"


@pytest.mark.parametrize("who", ["signed in", "new login"])
def test_simultaneous_acceptances_of_one_invitation_make_one_member(
    live_server: LiveServer, who: str
) -> None:
    """The invitee accepts the same link in several tabs at once, signed in or choosing a new
    login: one membership (one login), audited once; the other tabs are told the invitation
    was already accepted. Without the lock on the invitation (PostgreSQL), every tab found it
    open and the losers hit the unique indexes of memberships or logins: 500s."""
    scene = _scene(live_server, 1)
    email = "joy@client.example"
    _, token = _invitation(live_server, scene, email)
    url = f"/invitations/{token}"
    if who == "signed in":
        with live_server.db.session() as session:
            invitee = factories.make_user(session, email=email, name="Joy", password=None)
            session.commit()
        people = [invitee] * ACCEPTORS

        def accept(c: httpx.Client, i: int) -> httpx.Response:
            return c.post(url, data=_form({}))

        responses = _send(live_server, people, accept)
    else:
        form = _form(
            {"display_name": "Joy", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        )
        anonymous = [
            httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=30)
            for _ in range(ACCEPTORS)
        ]
        for c in anonymous:
            c.cookies.set("jp_csrf", CSRF)
        try:
            responses = race([partial(c.post, url, data=form) for c in anonymous])
        finally:
            for c in anonymous:
                c.close()

    assert _codes(responses) == [303] + [410] * (ACCEPTORS - 1)
    for response in responses:
        if response.status_code == 410:
            assert "This invitation was already accepted." in response.text
    with Session(live_server.db.engine) as session:
        (user,) = session.exec(select(User).where(User.email == email)).all()
        members = session.exec(
            select(Membership)
            .where(Membership.account_id == scene.account_id)
            .where(Membership.user_id == user.id)
        ).all()
        assert [m.role for m in members] == ["sponsor"]
    assert len(_events(live_server, "membership.joined", account_id=scene.account_id)) == 1
    assert len(_events(live_server, "invitation.accepted", account_id=scene.account_id)) == 1


# --- The workspace's value dimensions --------------------------------------------------------


def test_simultaneous_saves_of_the_value_dimensions_one_wins(live_server: LiveServer) -> None:
    """Six admins save the value dimensions at once, each based on the list as it was: one list
    is saved and audited once; the others are told it changed meanwhile, their text kept."""
    scene = _scene(live_server, ADMINS)

    def save(c: httpx.Client, i: int) -> httpx.Response:
        text = f"Speed {i}\nCandour {i}\nFairness {i}"
        data = {"dimensions": text, "current": list(DEFAULT_VALUE_DIMENSIONS), "csrf_token": CSRF}
        return c.post("/admin/value-dimensions", data=data)

    responses = _send(live_server, scene.admins, save)

    assert _codes(responses) == [303] + [409] * (ADMINS - 1)
    winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
    for i, response in enumerate(responses):
        if response.status_code == 409:
            assert "Changed meanwhile by Admin" in response.text
            assert f"Speed {i}\nCandour {i}\nFairness {i}</textarea>" in response.text
    (event,) = _events(live_server, "workspace.value_dimensions_changed")
    assert event.item_id == str(scene.workspace_id)
    with Session(live_server.db.engine) as session:
        workspace = session.get(Workspace, scene.workspace_id)
        assert workspace is not None
        assert workspace.value_dimensions == [
            f"Speed {winner}",
            f"Candour {winner}",
            f"Fairness {winner}",
        ]


ZONES = ("Europe/Paris", "Asia/Tokyo", "America/Chicago", "Africa/Nairobi", "Asia/Kolkata")


def test_simultaneous_saves_of_the_workspace_zone_are_audited_one_after_another(
    live_server: LiveServer,
) -> None:
    """Six admins save the workspace's time zone at once (two of them the same zone): every
    save that changes it is audited with the zone it really replaced, one after another (the
    row lock: without it, two events would name the same old zone), and a save of the zone
    already saved writes nothing."""
    scene = _scene(live_server, ADMINS)
    chosen = [*ZONES, ZONES[0]]

    def save(c: httpx.Client, i: int) -> httpx.Response:
        return c.post("/admin/time-zone", data=_form({"time_zone": chosen[i]}))

    responses = _send(live_server, scene.admins, save)

    assert _codes(responses) == [303] * ADMINS
    events = _events(live_server, "workspace.time_zone_changed")
    steps = [tuple(e.changes["time_zone"]) for e in events]
    assert steps[0][0] == "UTC"
    for (_, new), (old, _) in itertools.pairwise(steps):
        assert old == new  # each save replaced the zone the one before it saved
    assert {new for _, new in steps} == set(ZONES)
    assert len(events) in (ADMINS - 1, ADMINS)  # Paris twice in a row is one change
    with Session(live_server.db.engine) as session:
        workspace = session.get(Workspace, scene.workspace_id)
        assert workspace is not None
        assert workspace.time_zone == steps[-1][1]


# --- The workspace's scorecard ---------------------------------------------------------------

ADMIN = "/admin/scorecard"


def _attributes(server: LiveServer, scene: Scene, extra: int = 0) -> list[ScorecardAttribute]:
    """The recommended attributes, and ``extra`` more."""
    with server.db.session() as session:
        admin = session.get(User, scene.admins[0].id)
        assert admin is not None
        scorecard.create_defaults(session, actor=admin, workspace_id=scene.workspace_id)
        for i in range(extra):
            scorecard.add_attribute(
                session,
                actor=admin,
                workspace_id=scene.workspace_id,
                values=AttributeValues(f"Extra {i}", ScorecardHalf.FUTURE, 1),
            )
        session.commit()
    return _live(server, scene)


def _live(server: LiveServer, scene: Scene) -> list[ScorecardAttribute]:
    with Session(server.db.engine) as session:
        return list(
            session.exec(
                select(ScorecardAttribute)
                .where(ScorecardAttribute.workspace_id == scene.workspace_id)
                .where(col(ScorecardAttribute.removed_at).is_(None))
                .order_by(col(ScorecardAttribute.position), col(ScorecardAttribute.id))
            ).all()
        )


def _scorecard_events(server: LiveServer, verb: str) -> list[AuditEvent]:
    return _events(server, f"scorecard.attribute_{verb}", item_type="scorecard_attribute")


def _attribute_form(name: str, **more: str) -> dict[str, str]:
    return _form({"name": name, "half": "current", "weight": "2", "description": ""} | more)


def test_simultaneous_additions_stop_at_ten_attributes(live_server: LiveServer) -> None:
    """With eight attributes, six admins each add one at once: two are added, at the two next
    places; four are told the scorecard has its ten."""
    scene = _scene(live_server, ADMINS)
    before = _attributes(live_server, scene, extra=8 - len(DEFAULT_SCORECARD))
    assert len(before) == 8

    responses = _send(
        live_server,
        scene.admins,
        lambda c, i: c.post(f"{ADMIN}/attributes", data=_attribute_form(f"Added by {i}")),
    )

    assert _codes(responses) == [303, 303] + [422] * (ADMINS - 2)
    for response in responses:
        if response.status_code == 422:
            assert "The scorecard already has 10 attributes, the most it can have" in (
                response.text
            )
    after = _live(live_server, scene)
    assert len(after) == 10
    assert [a.position for a in after] == list(range(1, 11))
    assert len(_scorecard_events(live_server, "added")) == 10


def test_simultaneous_additions_of_one_name_add_it_once(live_server: LiveServer) -> None:
    scene = _scene(live_server, ADMINS)
    _attributes(live_server, scene)

    responses = _send(
        live_server,
        scene.admins,
        lambda c, i: c.post(f"{ADMIN}/attributes", data=_attribute_form("Brand strength")),
    )

    assert _codes(responses) == [303] + [422] * (ADMINS - 1)
    for response in responses:
        if response.status_code == 422:
            assert "The scorecard already has “Brand strength”" in response.text
    names = [a.name for a in _live(live_server, scene)]
    assert names.count("Brand strength") == 1


def test_simultaneous_recommended_sets_are_added_once(live_server: LiveServer) -> None:
    scene = _scene(live_server, ADMINS)

    responses = _send(
        live_server, scene.admins, lambda c, i: c.post(f"{ADMIN}/defaults", data=_form({}))
    )

    assert _codes(responses) == [303] + [409] * (ADMINS - 1)
    assert len(_live(live_server, scene)) == len(DEFAULT_SCORECARD)
    assert len(_scorecard_events(live_server, "added")) == len(DEFAULT_SCORECARD)


def test_simultaneous_stale_edits_of_an_attribute_one_wins(live_server: LiveServer) -> None:
    scene = _scene(live_server, ADMINS)
    attribute = _attributes(live_server, scene)[0]
    url = f"{ADMIN}/attributes/{attribute.id}"

    responses = _send(
        live_server,
        scene.admins,
        lambda c, i: c.post(url, data=_attribute_form(f"Version of admin {i}", version="1")),
    )

    assert _codes(responses) == [303] + [409] * (ADMINS - 1)
    winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
    for i, response in enumerate(responses):
        if response.status_code == 409:
            assert "changed this attribute meanwhile" in response.text
            assert f'value="Version of admin {i}"' in response.text
    (event,) = _scorecard_events(live_server, "updated")
    assert event.changes["name"] == [attribute.name, f"Version of admin {winner}"]


def test_simultaneous_moves_each_move_one_place(live_server: LiveServer) -> None:
    """Five admins move the first attribute down at once: five moves, each from where the one
    before left it, so it ends sixth and no two attributes share a place."""
    scene = _scene(live_server, 5)
    attributes = _attributes(live_server, scene)
    moved = attributes[0]
    url = f"{ADMIN}/attributes/{moved.id}/move"

    responses = _send(
        live_server, scene.admins, lambda c, i: c.post(url, data=_form({"direction": "down"}))
    )

    assert _codes(responses) == [303] * 5
    after = _live(live_server, scene)
    assert [a.id for a in after] == [a.id for a in attributes[1:6]] + [moved.id] + [
        a.id for a in attributes[6:]
    ]
    assert sorted(a.position for a in after) == list(range(1, len(after) + 1))
    assert len(_scorecard_events(live_server, "moved")) == 5


def test_simultaneous_removals_of_an_attribute_remove_it_once(live_server: LiveServer) -> None:
    scene = _scene(live_server, ADMINS)
    attribute = _attributes(live_server, scene)[0]
    url = f"{ADMIN}/attributes/{attribute.id}/remove"

    responses = _send(
        live_server, scene.admins, lambda c, i: c.post(url, data={**CONFIRMATION, **_form({})})
    )

    assert _codes(responses) == [303] + [404] * (ADMINS - 1)
    assert len(_scorecard_events(live_server, "removed")) == 1
    assert len(_live(live_server, scene)) == len(DEFAULT_SCORECARD) - 1


pytestmark = pytest.mark.usefixtures("fast_hashing")
