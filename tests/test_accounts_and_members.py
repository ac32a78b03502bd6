"""Creating accounts, changing members, what client users see, and constant query counts."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, col, func, select

from app.audit import service as audit
from app.audit.chain import chain_for
from app.invitations import service as invitations
from app.models import (
    Account,
    AuditEvent,
    ClientOrganisation,
    Invitation,
    Membership,
    OutboxMessage,
    Plan,
    Role,
    User,
    Visibility,
)
from app.web.security import CSRF_COOKIE
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, add_member, make_user, sign_in
from tests.testclient import TestClient

NEW_ACCOUNT = {
    "client_name": "Globex Corporation",
    "account_name": "Globex EMEA",
    "period": "FY2028",
    "lead_email": "Hank.Scorpio@Vendor.example",
}


# Cheap argon2 parameters: these tests are about the rules around passwords, not the hash's cost.
pytestmark = pytest.mark.usefixtures("fast_hashing")


def switch_to(client: TestClient, session: Session, user: User) -> None:
    """Sign ``client`` in as ``user`` in a fresh browser state (no flash of the previous user)."""
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, CSRF)
    sign_in(client, session, user)


def create_account(client: TestClient, **fields: str) -> httpx.Response:
    return client.post("/accounts", data={**NEW_ACCOUNT, **fields, "csrf_token": CSRF})


def new_account(session: Session) -> Account | None:
    session.expire_all()
    return session.exec(select(Account).where(Account.name == NEW_ACCOUNT["account_name"])).first()


# --- creating accounts ------------------------------------------------------------------------


def test_admin_creates_an_account_with_client_plan_and_lead_invitation(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    response = create_account(client)
    account = new_account(session)
    assert account is not None
    assert response.status_code == 303
    assert response.headers["location"] == f"/accounts/{account.id}"
    assert account.workspace_id == world.workspace.id
    assert account.created_by_id == world.admin.id
    client_org = session.get(ClientOrganisation, account.client_org_id)
    assert client_org is not None
    assert client_org.name == "Globex Corporation"
    assert client_org.workspace_id == world.workspace.id
    plans = session.exec(select(Plan).where(Plan.account_id == account.id)).all()
    assert [(p.period, p.is_current) for p in plans] == [("FY2028", True)]
    invitation = session.exec(select(Invitation).where(Invitation.account_id == account.id)).one()
    assert (invitation.email, invitation.role) == ("hank.scorpio@vendor.example", "lead")
    assert invitation.invited_by_id == world.admin.id
    mail = session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == "hank.scorpio@vendor.example")
    ).one()
    assert "Globex EMEA" in mail.subject
    assert "/invitations/" in mail.body_text


def test_account_creation_is_audited_in_the_account_chain(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    create_account(client)
    account = new_account(session)
    assert account is not None
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.chain == chain_for(account.id))
        .order_by(col(AuditEvent.seq))
    ).all()
    assert [e.verb for e in events] == ["account.created", "plan.created", "invitation.sent"]
    assert {e.account_id for e in events} == {account.id}
    assert {e.actor_id for e in events} == {world.admin.id}
    assert audit.verify_chain(session, chain_for(account.id)).ok


def test_the_new_account_page_shows_the_lead_invitation(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    location = create_account(client).headers["location"]
    page = client.get(location)
    assert page.status_code == 200
    assert "Globex EMEA" in page.text
    assert "hank.scorpio@vendor.example" in page.text
    assert "is invited as lead" in page.text  # the flash message


def test_an_existing_client_organisation_is_reused(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    existing = session.get(ClientOrganisation, world.account.client_org_id)
    assert existing is not None
    create_account(client, client_name=existing.name.upper())
    account = new_account(session)
    assert account is not None
    assert account.client_org_id == existing.id


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "sponsor", "member", "viewer"])
def test_non_admins_cannot_create_accounts(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    assert client.get("/accounts/new").status_code == 403
    response = create_account(client)
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert new_account(session) is None


def test_an_admin_of_another_workspace_creates_in_their_own(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.other_admin)
    create_account(client, account_name="Own account")  # taken only in the first workspace
    session.expire_all()
    created = session.exec(
        select(Account)
        .where(Account.workspace_id == world.other_workspace.id)
        .where(Account.name == "Own account")
    ).first()
    assert created is not None


# --- changing members -------------------------------------------------------------------------


def post_role(
    client: TestClient, world: World, who: str, role: str, version: int
) -> httpx.Response:
    return client.post(
        f"/accounts/{world.account.id}/members/{world.memberships[who].id}/role",
        data={"role": role, "version": str(version), "csrf_token": CSRF},
    )


def membership(session: Session, world: World, who: str) -> Membership:
    session.expire_all()
    found = session.get(Membership, world.memberships[who].id)
    assert found is not None
    return found


def test_a_role_change_bumps_the_version_and_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    assert post_role(client, world, "team", "mentor", version=1).status_code == 303
    changed = membership(session, world, "team")
    assert (changed.role, changed.version) == ("mentor", 2)
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.chain == chain_for(world.account.id))
        .order_by(col(AuditEvent.seq).desc())
    ).first()
    assert event is not None
    assert event.verb == "membership.role_changed"
    assert event.changes["role"] == ["team", "mentor"]
    assert event.visibility == "internal"  # among vendor people


def test_a_role_change_with_a_stale_version_is_409_and_changes_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    assert post_role(client, world, "viewer", "member", version=1).status_code == 303
    stale = post_role(client, world, "viewer", "sponsor", version=1)
    assert stale.status_code == 409
    lead = world.members["lead"].email
    assert f"{lead} changed this membership meanwhile" in stale.text
    current = membership(session, world, "viewer")
    assert (current.role, current.version) == ("member", 2)
    # The page shows the current role, so the person can try again knowingly.
    assert 'value="2"' in stale.text


def test_a_client_role_change_is_shared_in_the_audit(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    post_role(client, world, "viewer", "member", version=1)
    session.expire_all()
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.verb == "membership.role_changed")
        .where(AuditEvent.account_id == world.account.id)
    ).one()
    assert event.visibility == "shared"


def test_only_managers_change_roles(client: TestClient, session: Session, world: World) -> None:
    for who in ("team", "mentor", "sponsor", "member", "viewer"):
        switch_to(client, session, world.members[who])
        assert post_role(client, world, "viewer", "member", version=1).status_code == 403, who
    assert membership(session, world, "viewer").role == "viewer"


# --- what client users see --------------------------------------------------------------------


def lead_invitation_email(session: Session, world: World) -> str:
    return session.exec(
        select(Invitation.email)
        .where(Invitation.account_id == world.account.id)
        .where(Invitation.role == "lead")
    ).one()


def test_vendor_users_see_open_invitations(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    page = client.get(f"/accounts/{world.account.id}")
    assert page.status_code == 200
    assert lead_invitation_email(session, world) in page.text


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_client_users_see_the_members_but_not_vendor_invitations_nor_the_invite_form(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members["lead"])
    assert (
        client.post(
            f"/accounts/{world.account.id}/invitations",
            data={"email": "new.colleague@vendor.example", "role": "team", "csrf_token": CSRF},
        ).status_code
        == 303
    )
    switch_to(client, session, world.members[role])
    page = client.get(f"/accounts/{world.account.id}")
    assert page.status_code == 200
    for member in world.members.values():
        assert member.email in page.text
    assert "removed@client.example" not in page.text
    assert lead_invitation_email(session, world) not in page.text
    assert "new.colleague@vendor.example" not in page.text
    assert 'id="invite-panel"' not in page.text
    assert f'action="/accounts/{world.account.id}/invitations"' not in page.text
    assert "/members/" not in page.text  # no role or remove forms either


def test_client_users_cannot_post_invitations(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        f"/accounts/{world.account.id}/invitations",
        data={"email": "friend@client.example", "role": "viewer", "csrf_token": CSRF},
    )
    assert response.status_code == 403
    session.expire_all()
    assert (
        session.exec(select(Invitation).where(Invitation.email == "friend@client.example")).first()
        is None
    )


def invite_both_sides(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    for email, role in (
        ("vendor.newbie@vendor.example", "team"),
        ("client.newbie@client.example", "viewer"),
    ):
        response = client.post(
            f"/accounts/{world.account.id}/invitations",
            data={"email": email, "role": role, "csrf_token": CSRF},
        )
        assert response.status_code == 303


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_the_audit_page_shows_client_users_only_shared_events(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    invite_both_sides(client, session, world)
    switch_to(client, session, world.members[role])
    page = client.get(f"/accounts/{world.account.id}/audit")
    assert page.status_code == 200
    assert "client.newbie@client.example" in page.text
    assert "account.created" in page.text
    assert "vendor.newbie@vendor.example" not in page.text
    assert lead_invitation_email(session, world) not in page.text
    assert "team@vendor.example" not in page.text  # the vendor team joining is internal
    assert "internal" not in page.text


def test_the_audit_page_shows_vendor_users_internal_events_too(
    client: TestClient, session: Session, world: World
) -> None:
    invite_both_sides(client, session, world)
    switch_to(client, session, world.members["mentor"])
    page = client.get(f"/accounts/{world.account.id}/audit")
    assert page.status_code == 200
    assert "client.newbie@client.example" in page.text
    assert "vendor.newbie@vendor.example" in page.text
    assert lead_invitation_email(session, world) in page.text


def test_vendor_invitation_events_are_recorded_internal(
    client: TestClient, session: Session, world: World
) -> None:
    invite_both_sides(client, session, world)
    session.expire_all()
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.account_id == world.account.id)
        .where(AuditEvent.verb == "invitation.sent")
    ).all()
    by_email = {e.changes["email"][1]: e.visibility for e in rows}
    assert by_email["vendor.newbie@vendor.example"] == "internal"
    assert by_email["client.newbie@client.example"] == "shared"


# --- constant query counts --------------------------------------------------------------------


def grow_account(session: Session, world: World, n: int) -> None:
    """n more client members, n more open invitations and 2n more audit events."""
    for i in range(n):
        user = make_user(session, email=f"grown{i}@client.example", password=None)
        add_member(session, account=world.account, user=user, role=Role.MEMBER, by=world.admin)
        invitations.invite(
            session,
            inviter=world.admin,
            account=world.account,
            email=f"invited{i}@vendor.example",
            role=Role.TEAM,
            days=7,
        )
    for i in range(2 * n):
        audit.record(
            session,
            actor=world.admin,
            verb="test.changed",
            item_type="thing",
            item_id=i,
            account_id=world.account.id,
            visibility=Visibility.SHARED if i % 2 else Visibility.INTERNAL,
        )
    session.commit()


def queries_for(client: TestClient, counter: QueryCounter, path: str) -> int:
    client.get(path)  # warm-up: first-use caches are not the page's cost
    counter.statements.clear()
    response = client.get(path)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("who", ["lead", "sponsor"])
@pytest.mark.parametrize("page", ["/accounts/{id}", "/accounts/{id}/audit"])
def test_pages_run_a_constant_small_number_of_queries(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    who: str,
    page: str,
) -> None:
    sign_in(client, session, world.members[who])
    path = page.format(id=world.account.id)
    small = queries_for(client, count_queries, path)
    grow_account(session, world, 30)
    members = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.account_id == world.account.id)
    ).one()
    assert members > 30
    large = queries_for(client, count_queries, path)
    assert large == small, count_queries.statements
    assert large <= 10, count_queries.statements


@pytest.mark.parametrize(("role", "seen"), [(Role.TEAM, "internal"), (Role.MEMBER, "shared")])
def test_joining_by_invitation_is_seen_by_the_client_only_for_the_clients_side(
    session: Session, world: World, role: Role, seen: str
) -> None:
    """A vendor colleague joining is the vendor's business (as their invitation is); a client
    person joining is both sides'."""
    address = f"joiner-{role.value}@example.com"
    sent = invitations.invite(
        session, inviter=world.admin, account=world.account, email=address, role=role, days=7
    )
    user = make_user(session, email=address, password=None)
    invitations.accept(session, invitation=sent.invitation, account=world.account, user=user)
    session.commit()
    events = session.exec(select(AuditEvent).where(AuditEvent.verb == "membership.joined")).all()
    (joined,) = [e for e in events if address in str(e.changes.get("user"))]
    assert joined.visibility == seen
