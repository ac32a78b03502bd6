"""Signing in with the real /login form: cookies, redirects, failures, audit, throttling."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.audit.chain import GLOBAL_CHAIN
from app.auth.service import BAD_CREDENTIALS
from app.auth.sessions import SESSION_COOKIE
from app.config import Settings
from app.models import AuditEvent, LoginAttempt, UserSession
from app.tokens import token_hash
from app.web.security import CSRF_COOKIE
from tests.conftest import CSRF
from tests.factories import PASSWORD, World
from tests.testclient import TestClient

LEAD = "lead@vendor.example"
THROTTLED = re.compile(r"Try again in about (\d+) minutes?", re.IGNORECASE)


# Cheap argon2 parameters: these tests are about the rules around passwords, not the hash's cost.
pytestmark = pytest.mark.usefixtures("fast_hashing")


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Each cookie the response sets, by name, parsed with its attributes."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            found[name] = jar
    return found


def login(client: TestClient, email: str, password: str, next: str = "/") -> httpx.Response:
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": next, "csrf_token": CSRF},
    )


def events(session: Session, verb: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.id)))
    )


# --- success ----------------------------------------------------------------------------------


def test_sign_in_sets_an_httponly_samesite_lax_session_cookie(
    client: TestClient, world: World
) -> None:
    response = login(client, LEAD, PASSWORD)
    assert response.status_code == 303
    cookie = set_cookies(response)[SESSION_COOKIE][SESSION_COOKIE]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # served over http in this test


def test_sign_in_gives_a_working_session(client: TestClient, world: World) -> None:
    login(client, LEAD, PASSWORD)
    response = client.get(f"/accounts/{world.account.id}")
    assert response.status_code == 200
    assert "Own account" in response.text


def test_sign_in_rotates_the_csrf_cookie(client: TestClient, world: World) -> None:
    response = login(client, LEAD, PASSWORD)
    cookie = set_cookies(response)[CSRF_COOKIE][CSRF_COOKIE]
    assert cookie.value != CSRF
    assert len(cookie.value) >= 32
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    # The browser now holds only the new token: the pre-sign-in one no longer passes.
    session_token = client.cookies.get(SESSION_COOKIE, domain="testserver.local")
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, cookie.value)
    client.cookies.set(SESSION_COOKIE, session_token or "")
    assert client.post("/logout", data={"csrf_token": CSRF}).status_code == 403
    assert client.post("/logout", data={"csrf_token": cookie.value}).status_code == 303


def test_sign_in_redirects_to_a_safe_next_path(client: TestClient, world: World) -> None:
    target = f"/accounts/{world.account.id}/audit?before=5"
    response = login(client, LEAD, PASSWORD, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == target


@pytest.mark.parametrize(
    "next_",
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_sign_in_ignores_an_unsafe_next(client: TestClient, world: World, next_: str) -> None:
    response = login(client, LEAD, PASSWORD, next=next_)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_login_form_does_not_echo_an_unsafe_next(client: TestClient) -> None:
    response = client.get("/login", params={"next": "//evil.example"})
    assert response.status_code == 200
    assert "evil.example" not in response.text


def test_sign_in_is_audited_in_the_global_chain_as_internal(
    client: TestClient, session: Session, world: World
) -> None:
    before = len(events(session, "auth.signed_in"))
    login(client, LEAD, PASSWORD)
    found = events(session, "auth.signed_in")
    assert len(found) == before + 1
    event = found[-1]
    assert event.chain == GLOBAL_CHAIN
    assert event.account_id is None
    assert event.visibility == "internal"
    assert event.actor_id == world.members["lead"].id
    assert event.changes["method"] == [None, "password"]


# --- failures ---------------------------------------------------------------------------------


def test_wrong_password_is_401_with_a_clear_message_and_the_email_kept(
    client: TestClient, session: Session, world: World
) -> None:
    response = login(client, LEAD, "not the password")
    assert response.status_code == 401
    text = response.text
    assert "do not match" in text
    assert f'value="{LEAD}"' in text
    assert SESSION_COOKIE not in set_cookies(response)


def test_unknown_email_gets_the_same_message_as_a_wrong_password(
    client: TestClient, world: World
) -> None:
    wrong = login(client, LEAD, "not the password")
    unknown = login(client, "nobody@nowhere.example", PASSWORD)
    assert unknown.status_code == 401
    assert BAD_CREDENTIALS in unknown.text
    assert BAD_CREDENTIALS in wrong.text
    assert 'value="nobody@nowhere.example"' in unknown.text


def test_malformed_email_is_422_with_a_field_error_and_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    attempts_before = len(session.exec(select(LoginAttempt)).all())
    response = login(client, "lead-at-vendor", PASSWORD)
    assert response.status_code == 422
    text = response.text
    assert 'id="f-email-error"' in text
    assert "not a valid e-mail address" in text
    assert 'value="lead-at-vendor"' in text
    session.expire_all()
    assert len(session.exec(select(LoginAttempt)).all()) == attempts_before


def test_missing_password_is_422_with_a_field_error(client: TestClient, world: World) -> None:
    response = login(client, LEAD, "")
    assert response.status_code == 422
    assert "Enter your password." in response.text
    assert f'value="{LEAD}"' in response.text


def test_failed_sign_in_is_audited_in_the_global_chain_as_internal(
    client: TestClient, session: Session, world: World
) -> None:
    login(client, LEAD, "not the password")
    login(client, "nobody@nowhere.example", "whatever it is")
    failed = events(session, "auth.sign_in_failed")[-2:]
    assert [e.actor_label for e in failed] == [LEAD, "nobody@nowhere.example"]
    assert [e.actor_id for e in failed] == [world.members["lead"].id, None]
    assert {e.chain for e in failed} == {GLOBAL_CHAIN}
    assert {e.visibility for e in failed} == {"internal"}
    assert all(e.account_id is None for e in failed)


def test_the_session_cookie_token_is_stored_only_as_its_sha256(
    client: TestClient, session: Session, world: World
) -> None:
    response = login(client, LEAD, PASSWORD)
    token = set_cookies(response)[SESSION_COOKIE][SESSION_COOKIE].value
    session.expire_all()
    rows = session.exec(
        select(UserSession).where(UserSession.user_id == world.members["lead"].id)
    ).all()
    assert [r.id for r in rows] == [token_hash(token)]
    for row in rows:
        assert token not in (row.id, row.ip, row.user_agent)


# --- throttling -------------------------------------------------------------------------------


def test_after_the_allowed_failures_even_the_right_password_gets_429(
    client: TestClient, settings: Settings, world: World
) -> None:
    for _ in range(settings.login_max_failures_per_email):
        assert login(client, LEAD, "not the password").status_code == 401
    response = login(client, LEAD, PASSWORD)
    assert response.status_code == 429
    match = THROTTLED.search(response.text)
    assert match, response.text
    assert 1 <= int(match.group(1)) <= settings.login_window_minutes
    assert f'value="{LEAD}"' in response.text
    assert SESSION_COOKIE not in set_cookies(response)


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(
    client: TestClient, settings: Settings, world: World
) -> None:
    for _ in range(settings.login_max_failures_per_email - 1):
        login(client, LEAD, "not the password")
    assert login(client, LEAD, PASSWORD).status_code == 303


def test_the_email_limit_does_not_lock_out_other_addresses(
    client: TestClient, settings: Settings, world: World
) -> None:
    for _ in range(settings.login_max_failures_per_email):
        login(client, LEAD, "not the password")
    assert login(client, "team@vendor.example", PASSWORD).status_code == 303


def test_the_client_address_limit_applies_across_emails(
    app: FastAPI, client: TestClient, settings: Settings, world: World
) -> None:
    # Fewer attempts than the default keep the test quick; the per-e-mail limit stays higher
    # than the failures of any one address so only the per-address limit can trigger.
    settings.login_max_failures_per_address = 4
    for n in range(settings.login_max_failures_per_address):
        assert login(client, f"guess{n}@vendor.example", "guessing").status_code == 401
    response = login(client, LEAD, PASSWORD)
    assert response.status_code == 429
    assert THROTTLED.search(response.text)
    # Somebody else, from another address, is not affected.
    with TestClient(app, follow_redirects=False, client=("192.0.2.7", 4000)) as other:
        other.cookies.set(CSRF_COOKIE, CSRF)
        assert login(other, LEAD, PASSWORD).status_code == 303


def test_a_success_resets_the_email_failure_count(
    client: TestClient, settings: Settings, world: World
) -> None:
    limit = settings.login_max_failures_per_email
    for _ in range(limit - 1):
        login(client, LEAD, "not the password")
    assert login(client, LEAD, PASSWORD).status_code == 303
    client.cookies.clear()  # signed out again, with the pre-sign-in CSRF token
    client.cookies.set(CSRF_COOKIE, CSRF)
    for _ in range(limit - 1):
        assert login(client, LEAD, "not the password").status_code == 401
    assert login(client, LEAD, PASSWORD).status_code == 303
