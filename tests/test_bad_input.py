"""Bad input gets a clear message and a 4xx, never a 500, and what was typed is kept."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, SQLModel, col, func, select

from app.config import Settings
from app.mail.outbox import enqueue
from app.main import create_app
from app.models import (
    DEFAULT_VALUE_DIMENSIONS,
    Account,
    ClientOrganisation,
    Invitation,
    Membership,
    OutboxMessage,
    PasswordReset,
    SignInIdentity,
    User,
    utcnow,
)
from app.opportunities.scoring import RATINGS as OPPORTUNITY_RATINGS
from app.tokens import new_token, token_hash
from app.web.confirm import CONFIRMATION
from app.web.forms import clean_line
from tests.conftest import CSRF, RollbackDatabase
from tests.factories import World, sign_in
from tests.testclient import TestClient

NEW_PASSWORD = "a brand new passphrase"


# Cheap argon2 parameters: these tests are about the rules around passwords, not the hash's cost.
pytestmark = pytest.mark.usefixtures("fast_hashing")


HTMX = {"HX-Request": "true"}


def is_fragment(response: httpx.Response) -> bool:
    return "<html" not in response.text and "<!doctype" not in response.text.lower()


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    statement = select(func.count()).select_from(model)
    for condition in where:
        statement = statement.where(condition)  # type: ignore[arg-type]
    return int(session.exec(statement).one())


def invite(
    client: TestClient, world: World, email: str, role: str, *, htmx: bool = False
) -> httpx.Response:
    return client.post(
        f"/accounts/{world.account.id}/invitations",
        data={"email": email, "role": role, "csrf_token": CSRF},
        headers=HTMX if htmx else {},
    )


@pytest.fixture
def lead(client: TestClient, session: Session, world: World) -> TestClient:
    sign_in(client, session, world.members["lead"])
    return client


@pytest.fixture
def admin(client: TestClient, session: Session, world: World) -> TestClient:
    sign_in(client, session, world.admin)
    return client


# --- the invitation form ----------------------------------------------------------------------


def test_invite_with_a_malformed_email_is_422_with_the_typed_text_kept(
    lead: TestClient, session: Session, world: World
) -> None:
    before = count(session, Invitation)
    response = invite(lead, world, "jane.doe(at)acme", "sponsor")
    assert response.status_code == 422
    assert 'id="f-email-error"' in response.text
    assert "not a valid e-mail address" in response.text
    assert 'value="jane.doe(at)acme"' in response.text
    assert '<option value="sponsor" selected>' in response.text
    assert count(session, Invitation) == before


def test_typed_text_comes_back_escaped_not_lost(lead: TestClient, world: World) -> None:
    response = invite(lead, world, '"><script>alert(1)</script>', "viewer")
    assert response.status_code == 422
    assert "<script>alert(1)" not in response.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_a_duplicate_invitation_is_422_with_a_clear_message(
    lead: TestClient, session: Session, world: World
) -> None:
    assert invite(lead, world, "new.person@client.example", "member").status_code == 303
    response = invite(lead, world, "New.Person@client.example", "viewer")
    assert response.status_code == 422
    assert "was already invited" in response.text
    assert 'value="New.Person@client.example"' in response.text
    assert count(session, Invitation, Invitation.email == "new.person@client.example") == 1


def test_inviting_a_current_member_is_422(lead: TestClient, world: World) -> None:
    response = invite(lead, world, "sponsor@client.example", "member")
    assert response.status_code == 422
    assert "already a member of this account" in response.text


def test_invite_with_an_unknown_role_is_422_with_the_email_kept(
    lead: TestClient, session: Session, world: World
) -> None:
    before = count(session, Invitation)
    response = invite(lead, world, "someone@client.example", "overlord")
    assert response.status_code == 422
    assert "Choose a role from the list." in response.text
    assert 'value="someone@client.example"' in response.text
    assert count(session, Invitation) == before


def test_a_vendor_role_for_a_client_address_is_422(lead: TestClient, world: World) -> None:
    response = invite(lead, world, "outsider@client.example", "team")
    assert response.status_code == 422
    assert "Vendor roles are for people of your own organisation" in response.text


def test_htmx_invite_errors_come_back_as_the_invite_panel_fragment(
    lead: TestClient, world: World
) -> None:
    response = invite(lead, world, "not-an-address", "viewer", htmx=True)
    assert response.status_code == 422
    assert is_fragment(response)
    assert response.text.lstrip().startswith('<section class="panel" id="invite-panel"')
    assert 'id="members"' not in response.text
    assert 'value="not-an-address"' in response.text


# --- unknown ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/999999",
        "/accounts/abc",
        "/accounts/1.5",
        "/accounts/-1",
        "/accounts/0",
        "/accounts/99999999999999999999999",
        "/accounts/999999/audit",
        "/accounts/abc/audit",
        "/invitations/unknown-token",
        "/no/such/page",
    ],
)
def test_unknown_or_malformed_ids_get_the_friendly_404_page(lead: TestClient, path: str) -> None:
    response = lead.get(path)
    assert response.status_code == 404, response.text
    assert "<html" in response.text
    assert "Not found" in response.text
    assert 'href="/"' in response.text  # a way back home


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999999999999999999999"])
def test_a_malformed_audit_page_number_is_4xx(lead: TestClient, world: World, page: str) -> None:
    response = lead.get(f"/accounts/{world.account.id}/audit", params={"page": page})
    assert response.status_code == 422, response.text
    assert "Some of what was sent could not be understood." in response.text
    assert 'href="/"' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/{account_id}/members/999999/role",
        "/accounts/{account_id}/members/abc/remove",
        "/accounts/{account_id}/invitations/999999/revoke",
        "/accounts/999999/invitations",
        "/accounts/99999999999999999999999/members/1/remove",
        "/admin/users/999999/disable",
        "/admin/users/abc/enable",
    ],
)
def test_posts_to_unknown_ids_are_404(admin: TestClient, world: World, path: str) -> None:
    response = admin.post(
        path.format(account_id=world.account.id),
        data={
            **CONFIRMATION,
            "csrf_token": CSRF,
            "role": "team",
            "version": "1",
            "email": "x@client.example",
        },
    )
    assert response.status_code == 404
    assert "Not found" in response.text


def test_a_404_for_htmx_is_a_toast(lead: TestClient) -> None:
    response = lead.get("/accounts/999999", headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Reswap"] == "none"
    assert '<div id="toasts" hx-swap-oob="beforeend">' in response.text
    assert is_fragment(response)
    assert "toast-error" in response.text


# --- reset links ------------------------------------------------------------------------------


def reset_link_from_mail(session: Session, email: str) -> str:
    session.expire_all()
    message = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == email)
        .order_by(col(OutboxMessage.id).desc())
    ).first()
    assert message is not None
    match = re.search(r"http://testserver(/password/reset/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def reset(client: TestClient, path: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return client.post(
        path, data={"password": password, "password_confirm": password, "csrf_token": CSRF}
    )


def test_a_used_reset_link_is_410(client: TestClient, session: Session, world: World) -> None:
    email = world.members["team"].email
    client.post("/password/forgot", data={"email": email, "csrf_token": CSRF})
    path = reset_link_from_mail(session, email)
    assert client.get(path).status_code == 200
    assert reset(client, path).status_code == 303
    client.cookies.clear()
    client.cookies.set("jp_csrf", CSRF)
    response = client.get(path)
    assert response.status_code == 410
    assert "not valid any more" in response.text
    assert reset(client, path, "yet another passphrase").status_code == 410


def test_an_expired_reset_link_is_410_and_changes_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    user = world.members["team"]
    token = new_token()
    session.add(
        PasswordReset(
            user_id=user.id,  # type: ignore[arg-type]
            token_hash=token_hash(token),
            expires_at=utcnow() - timedelta(seconds=1),
        )
    )
    session.commit()
    hash_before = session.exec(
        select(SignInIdentity.password_hash).where(SignInIdentity.user_id == user.id)
    ).one()
    assert client.get(f"/password/reset/{token}").status_code == 410
    response = reset(client, f"/password/reset/{token}")
    assert response.status_code == 410
    assert "Link no longer valid" in response.text
    session.expire_all()
    assert (
        session.exec(
            select(SignInIdentity.password_hash).where(SignInIdentity.user_id == user.id)
        ).one()
        == hash_before
    )


@pytest.mark.parametrize("token", ["x", "x" * 43, "x" * 500])
def test_an_unknown_reset_link_is_410(client: TestClient, token: str) -> None:
    assert client.get(f"/password/reset/{token}").status_code == 410


def test_reset_with_differing_passwords_is_422(
    client: TestClient, session: Session, world: World
) -> None:
    email = world.members["team"].email
    client.post("/password/forgot", data={"email": email, "csrf_token": CSRF})
    path = reset_link_from_mail(session, email)
    response = client.post(
        path,
        data={"password": NEW_PASSWORD, "password_confirm": "something else", "csrf_token": CSRF},
    )
    assert response.status_code == 422
    assert "The two passwords differ." in response.text


def test_forgot_password_with_a_malformed_email_keeps_it(client: TestClient) -> None:
    response = client.post("/password/forgot", data={"email": "who@", "csrf_token": CSRF})
    assert response.status_code == 422
    assert 'value="who@"' in response.text


# --- the new-account form ---------------------------------------------------------------------


def create_account(client: TestClient, **fields: str) -> httpx.Response:
    data = {"client_name": "", "account_name": "", "period": "", "lead_email": ""}
    data.update(fields)
    return client.post("/accounts", data={**data, "csrf_token": CSRF})


def test_an_empty_new_account_form_is_422_with_an_error_per_field(
    admin: TestClient, session: Session
) -> None:
    before = count(session, Account)
    response = create_account(admin)
    assert response.status_code == 422
    for field in ("client_name", "account_name", "period", "lead_email"):
        assert f'id="f-{field}-error"' in response.text, field
    assert count(session, Account) == before


def test_an_invalid_new_account_form_keeps_what_was_typed(
    admin: TestClient, session: Session
) -> None:
    response = create_account(
        admin,
        client_name="Acme & Sons",
        account_name="",
        period="FY2028",
        lead_email="lead-at-acme",
    )
    assert response.status_code == 422
    assert 'value="Acme &amp; Sons"' in response.text
    assert 'value="FY2028"' in response.text
    assert 'value="lead-at-acme"' in response.text
    assert "Enter an account name." in response.text
    assert count(session, ClientOrganisation, ClientOrganisation.name == "Acme & Sons") == 0


def test_an_overlong_account_name_is_422(admin: TestClient) -> None:
    response = create_account(
        admin,
        client_name="Acme",
        account_name="A" * 201,
        period="FY2028",
        lead_email="lead@vendor.example",
    )
    assert response.status_code == 422
    assert "under 200 characters" in response.text


def test_a_taken_account_name_is_422_and_creates_nothing(
    admin: TestClient, session: Session
) -> None:
    accounts = count(session, Account)
    clients = count(session, ClientOrganisation)
    response = create_account(
        admin,
        client_name="Brand new client",
        account_name="own ACCOUNT",
        period="FY2028",
        lead_email="lead2@vendor.example",
    )
    assert response.status_code == 422
    assert "already has an account of this name" in response.text
    assert 'value="own ACCOUNT"' in response.text
    assert count(session, Account) == accounts
    assert count(session, ClientOrganisation) == clients


@pytest.mark.parametrize("field", ["client_name", "account_name", "period"])
def test_control_characters_in_text_are_a_form_error_not_a_500(
    admin: TestClient, session: Session, field: str
) -> None:
    fields = {
        "client_name": "Acme",
        "account_name": "Acme main",
        "period": "FY2028",
        "lead_email": "lead@vendor.example",
    }
    fields[field] = fields[field] + "\x00"
    response = create_account(admin, **fields)
    assert response.status_code == 422
    assert f'id="f-{field}-error"' in response.text
    assert count(session, Account, Account.name == "Acme main") == 0


# --- the last lead ----------------------------------------------------------------------------


def change_role(
    client: TestClient, world: World, who: str, role: str, *, htmx: bool = False
) -> httpx.Response:
    membership = world.memberships[who]
    return client.post(
        f"/accounts/{world.account.id}/members/{membership.id}/role",
        data={"role": role, "version": str(membership.version), "csrf_token": CSRF},
        headers=HTMX if htmx else {},
    )


def remove(client: TestClient, world: World, who: str, *, htmx: bool = False) -> httpx.Response:
    return client.post(
        f"/accounts/{world.account.id}/members/{world.memberships[who].id}/remove",
        data={**CONFIRMATION, "csrf_token": CSRF},
        headers=HTMX if htmx else {},
    )


def lead_role(session: Session, world: World) -> tuple[str, object]:
    session.expire_all()
    membership = session.get(Membership, world.memberships["lead"].id)
    assert membership is not None
    return membership.role, membership.removed_at


def test_changing_the_last_leads_role_is_409_with_a_clear_message(
    lead: TestClient, session: Session, world: World
) -> None:
    response = change_role(lead, world, "lead", "team")
    assert response.status_code == 409
    assert "An account needs a lead." in response.text
    assert "<html" in response.text
    assert lead_role(session, world) == ("lead", None)


def test_removing_the_last_lead_is_409_with_a_clear_message(
    admin: TestClient, session: Session, world: World
) -> None:
    response = remove(admin, world, "lead")
    assert response.status_code == 409
    assert "An account needs a lead." in response.text
    assert lead_role(session, world) == ("lead", None)


def test_htmx_last_lead_refusals_come_back_as_the_members_fragment(
    admin: TestClient, world: World
) -> None:
    for response in (
        change_role(admin, world, "lead", "mentor", htmx=True),
        remove(admin, world, "lead", htmx=True),
    ):
        assert response.status_code == 409
        assert is_fragment(response)
        assert response.text.lstrip().startswith('<section class="panel" id="members"')
        assert "An account needs a lead." in response.text
        assert 'id="invite-panel"' not in response.text


def test_a_second_lead_makes_the_first_one_changeable(
    admin: TestClient, session: Session, world: World
) -> None:
    assert change_role(admin, world, "team", "lead").status_code == 303
    assert change_role(admin, world, "lead", "team").status_code == 303
    assert lead_role(session, world) == ("team", None)


def test_moving_a_person_to_the_other_side_is_refused(
    admin: TestClient, session: Session, world: World
) -> None:
    response = change_role(admin, world, "team", "sponsor")
    assert response.status_code == 409
    assert "keep their side" in response.text or "keeps their side" in response.text
    session.expire_all()
    assert session.get(Membership, world.memberships["team"].id).role == "team"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"role": "overlord", "version": "1"}, 409, "Choose a role from the list."),
        ({"role": "", "version": "1"}, 409, "Choose a role from the list."),
        (
            {"role": "mentor", "version": "abc"},
            422,
            "Some of what was sent could not be understood.",
        ),
        (
            {"role": "mentor", "version": "99999999999999999999999999"},
            409,
            "changed this membership meanwhile, so your change was not saved.",
        ),
    ],
)
def test_malformed_role_changes_are_4xx_not_500(
    admin: TestClient,
    session: Session,
    world: World,
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    response = admin.post(
        f"/accounts/{world.account.id}/members/{world.memberships['team'].id}/role",
        data={**data, "csrf_token": CSRF},
    )
    assert response.status_code == status
    assert message in response.text
    session.expire_all()
    assert session.get(Membership, world.memberships["team"].id).role == "team"  # type: ignore[union-attr]


# --- friendly error pages ---------------------------------------------------------------------


def test_the_403_page_is_friendly(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.get("/accounts/new")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.text
    assert 'href="/"' in response.text


def test_a_member_without_the_right_gets_403_on_a_post(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    response = remove(client, world, "viewer")
    assert response.status_code == 403
    assert "Your role in this account does not allow this." in response.text


def test_the_404_page_is_friendly(lead: TestClient) -> None:
    response = lead.get("/accounts/999999")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.text
    assert "There is nothing here, or you do not have access to it." in response.text


@pytest.fixture
def failing_app(settings: Settings, db: RollbackDatabase) -> FastAPI:
    app = create_app(settings, db, run_mailer=False)

    @app.get("/test-only/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: db password is hunter2")

    return app


def test_the_500_page_is_friendly_and_hides_the_details(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as browser:
        response = browser.get("/test-only/boom")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
    assert "Nothing you sent was saved" in response.text
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_the_500_answer_to_htmx_is_a_toast(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as browser:
        response = browser.get("/test-only/boom", headers=HTMX)
    assert response.status_code == 500
    assert response.headers["HX-Reswap"] == "none"
    assert '<div id="toasts" hx-swap-oob="beforeend">' in response.text
    assert is_fragment(response)
    assert "unexpected problem" in response.text


def test_the_500_page_carries_the_security_headers(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as browser:
        response = browser.get("/test-only/boom")
    assert "content-security-policy" in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "HX-Request" in response.headers["vary"]


# --- accepting an invitation ------------------------------------------------------------------


def test_accepting_with_bad_input_keeps_the_typed_name(
    lead: TestClient, session: Session, world: World
) -> None:
    assert invite(lead, world, "fresh@client.example", "member").status_code == 303
    session.expire_all()
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == "fresh@client.example")
    ).one()
    match = re.search(r"http://testserver(/invitations/\S+)", message.body_text)
    assert match
    lead.cookies.clear()
    lead.cookies.set("jp_csrf", CSRF)
    response = lead.post(
        match.group(1),
        data={
            "display_name": "Frida Fresh",
            "password": "short",
            "password_confirm": "short",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 422
    assert 'value="Frida Fresh"' in response.text
    assert "at least 10 characters" in response.text
    assert count(session, User, User.email == "fresh@client.example") == 0


def test_an_unknown_address_shows_the_signed_in_persons_navigation(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "Sign out" in page.text
    assert world.members["lead"].display_name in page.text


def test_a_wrong_method_gets_a_friendly_page(client: TestClient) -> None:
    page = client.put("/login", headers={"X-CSRF-Token": CSRF})
    assert page.status_code == 405
    assert "does not take that kind of request" in page.text
    assert "Method Not Allowed" not in page.text


# --- text that disguises itself, and bytes that are not text ----------------------------------

# Every form with a one-line text (a name, a title, a period: what lists, headings and e-mail
# subjects show): who sends it, where, a valid body, and its one-line fields.
PRIORITY = {"title": "Cut costs", "importance": "high", "horizon": "now"}
LINE_FORMS = [
    (
        "admin",
        "/accounts",
        {
            "client_name": "Acme",
            "account_name": "Acme main",
            "period": "FY2028",
            "lead_email": "lead@vendor.example",
        },
        ["client_name", "account_name", "period"],
    ),
    ("sponsor", "/accounts/{a}/priorities", PRIORITY, ["title"]),
    ("lead", "/accounts/{a}/suggestions", PRIORITY, ["title"]),
    ("lead", "/accounts/{a}/initiatives", {"title": "Telematics"}, ["title"]),
    ("sponsor", "/accounts/{a}/actions", {"title": "Call", "status": "not_started"}, ["title"]),
    ("lead", "/accounts/{a}/perception/beliefs", {"title": "Cost first"}, ["title"]),
    ("sponsor", "/accounts/{a}/strategy", {"kind": "challenge", "text": "Few staff"}, ["text"]),
    (
        "lead",
        "/accounts/{a}/opportunities",
        {
            "title": "Fleet",
            "size": "120,000",
            "days": "20",
            **dict.fromkeys(OPPORTUNITY_RATINGS, "4"),
            "status": "open",
        },
        ["title"],
    ),
    (
        "lead",
        "/accounts/{a}/stakeholders",
        {"name": "Ann Berg", "title": "CFO", "department": "Finance", "decision": "Budget"},
        ["name", "title", "department", "decision"],
    ),
    (
        "admin",
        "/admin/scorecard/attributes",
        {"name": "Share of wallet", "half": "current", "weight": "2"},
        ["name"],
    ),
]
# What can make a one-line text read as something it is not, or hide in an e-mail subject.
DISGUISES = {
    "right-to-left override": "\u202e",
    "first strong isolate": "\u2068",
    "right-to-left mark": "\u200f",
    "C1 control": "\x85",
    "C1 control (CSI)": "\x9b",
    "zero width space": "\u200b",
    "line break": "\n",
}


def stored_anywhere(session: Session, text: str) -> list[str]:
    """The tables any of whose rows hold ``text`` in some column."""
    session.expire_all()
    connection = session.connection()
    return [
        table.name
        for table in SQLModel.metadata.sorted_tables
        for row in connection.execute(table.select())
        if any(isinstance(value, str) and text in value for value in row)
    ]


def line_form_cases() -> list[tuple[str, str, dict[str, str], str]]:
    return [(who, path, body, field) for who, path, body, fields in LINE_FORMS for field in fields]


@pytest.mark.parametrize("disguise", list(DISGUISES), ids=list(DISGUISES))
@pytest.mark.parametrize(
    ("who", "path", "body", "field"),
    line_form_cases(),
    ids=[f"{path}:{field}" for _, path, _, field in line_form_cases()],
)
def test_disguising_characters_in_names_and_titles_are_refused_with_the_text_kept(
    client: TestClient,
    session: Session,
    world: World,
    who: str,
    path: str,
    body: dict[str, str],
    field: str,
    disguise: str,
) -> None:
    sign_in(client, session, world.admin if who == "admin" else world.members[who])
    url = path.format(a=world.account.id)
    typed = f"Invoice{DISGUISES[disguise]}gpj.exe"
    # The control: the same form with clean text is accepted.
    clean = client.post(url, data={**body, field: "Invoice gpj.exe", "csrf_token": CSRF})
    assert clean.status_code in (200, 303), clean.text[:500]
    response = client.post(url, data={**body, field: typed, "csrf_token": CSRF})
    assert response.status_code == 422, response.text[:500]
    assert f'{field}-error"' in response.text
    assert re.search(
        r"Remove the invisible (control|formatting) characters|on one line", response.text
    )
    assert typed in response.text  # kept, to correct
    assert not stored_anywhere(session, typed)


def test_multi_line_text_keeps_its_line_breaks_but_not_c1_controls(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    url = f"/accounts/{world.account.id}/priorities"
    fine = "First line\n\tand the second"
    ok = client.post(url, data={**PRIORITY, "description": fine, "csrf_token": CSRF})
    assert ok.status_code == 303
    bad = client.post(url, data={**PRIORITY, "description": "Text\x9bhere", "csrf_token": CSRF})
    assert bad.status_code == 422
    assert "Remove the invisible control characters from the description." in bad.text
    assert not stored_anywhere(session, "Text\x9bhere")


def test_a_value_dimension_with_a_bidi_override_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    typed = "Candour\nSpeed\u202edeeps\nFairness"
    response = client.post(
        "/admin/value-dimensions",
        data={"dimensions": typed, "current": DEFAULT_VALUE_DIMENSIONS, "csrf_token": CSRF},
    )
    assert response.status_code == 422
    assert "Line 2: Remove the invisible formatting characters" in response.text
    assert "Speed\u202edeeps" in response.text
    assert not stored_anywhere(session, "Speed\u202edeeps")


def test_accepting_an_invitation_with_a_disguised_name_keeps_it(
    lead: TestClient, session: Session, world: World
) -> None:
    assert invite(lead, world, "fresh@client.example", "member").status_code == 303
    session.expire_all()
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == "fresh@client.example")
    ).one()
    match = re.search(r"http://testserver(/invitations/\S+)", message.body_text)
    assert match
    lead.cookies.clear()
    lead.cookies.set("jp_csrf", CSRF)
    typed = "Frida\u202eadirF"
    response = lead.post(
        match.group(1),
        data={
            "display_name": typed,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 422
    assert "Remove the invisible formatting characters" in response.text
    assert typed in response.text
    assert count(session, User, User.email == "fresh@client.example") == 0


def test_e_mail_subjects_are_one_clean_line_whatever_reaches_them(
    session: Session, world: World
) -> None:
    """A name that came another way (an identity provider, an older row) is cleaned in the
    subject: no override, no line break."""
    message = enqueue(
        session, to="x@client.example", subject="Eve\u202eexe.txt\r\nBcc: all", body="Hello"
    )
    assert message.subject == "Eveexe.txt Bcc: all"


def test_clean_line_keeps_the_joiners_scripts_need() -> None:
    assert clean_line("می\u200cخواهم \u200d") == "می\u200cخواهم \u200d".strip()
    assert clean_line(" a\tb\u2028c\x00\u2066d ") == "a b cd"


UNDECODABLE = b"%FF%FE%80"


def test_undecodable_form_bytes_are_a_clear_400_never_stored(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    url = f"/accounts/{world.account.id}/priorities"
    response = client.post(
        url,
        content=b"title=Reduce+"
        + UNDECODABLE
        + b"+cost&description=My+long+text&csrf_token="
        + CSRF.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "not readable text" in response.text
    # What was typed comes back as far as it can be read (never the token).
    assert "Reduce \ufffd\ufffd\ufffd cost" in response.text
    assert "My long text" in response.text
    assert CSRF not in response.text.split("What you wrote", 1)[-1]
    for mojibake in ("ÿþ", "\ufffd"):
        assert not stored_anywhere(session, mojibake)
    assert not stored_anywhere(session, "Reduce")


def test_raw_bytes_that_are_not_utf8_are_refused_too(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        f"/accounts/{world.account.id}/priorities",
        content=b"title=Reduce\xff\xfe\x80cost&csrf_token=" + CSRF.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert not stored_anywhere(session, "Reduce")


def test_undecodable_multipart_fields_are_refused_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    boundary = "jpBoundary7"
    parts = [("title", b"Reduce \xff\xfe\x80"), ("csrf_token", CSRF.encode())]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/accounts/{world.account.id}/priorities",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert "Reduce \ufffd\ufffd\ufffd" in response.text
    assert not stored_anywhere(session, "Reduce")


def test_undecodable_bytes_in_an_htmx_request_get_the_message_as_a_toast(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        f"/accounts/{world.account.id}/priorities",
        content=b"title=" + UNDECODABLE,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRF-Token": CSRF,
            **HTMX,
        },
    )
    assert response.status_code == 400
    assert is_fragment(response)
    assert "not readable text" in response.text
    assert not stored_anywhere(session, "\ufffd")
