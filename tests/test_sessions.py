"""Server-side sessions end at once: logout, password change, disabling, removal, timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.auth import passwords
from app.auth.sessions import SESSION_COOKIE
from app.config import Settings
from app.models import AuditEvent, LoginAttempt, Role, SignInIdentity, User, UserSession, utcnow
from app.tokens import token_hash
from app.users import repository as users_repo
from app.web.confirm import CONFIRMATION
from app.web.security import CSRF_COOKIE
from tests.conftest import CSRF
from tests.factories import PASSWORD, World, add_member, sign_in
from tests.testclient import TestClient

NEW_PASSWORD = "a brand new passphrase"


# Cheap argon2 parameters: these tests are about the rules around passwords, not the hash's cost.
pytestmark = pytest.mark.usefixtures("fast_hashing")


@contextmanager
def browser(app: FastAPI) -> Iterator[TestClient]:
    """Another browser of the same app, with its own cookie jar."""
    with TestClient(app, follow_redirects=False) as c:
        c.cookies.set(CSRF_COOKIE, CSRF)
        yield c


def assert_signed_out(client: TestClient, path: str = "/") -> None:
    response = client.get(path)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/login?next=")


def assert_signed_in(client: TestClient) -> None:
    response = client.get("/me")
    assert response.status_code == 200, response.text


def live_sessions(session: Session, user: User) -> list[UserSession]:
    session.expire_all()
    return list(session.exec(select(UserSession).where(UserSession.user_id == user.id)))


def stored_session(session: Session, token: str) -> UserSession:
    row = session.get(UserSession, token_hash(token))
    assert row is not None
    return row


# --- logout -----------------------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, session, world.members["team"])
    assert_signed_in(client)
    response = client.post("/logout", data={"csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    # Even a browser that kept the cookie is signed out: the server forgot the session.
    client.cookies.set(SESSION_COOKIE, token)
    assert_signed_out(client)
    assert live_sessions(session, world.members["team"]) == []


def test_logout_clears_the_cookie(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["team"])
    response = client.post("/logout", data={"csrf_token": CSRF})
    cleared = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    assert cleared
    assert 'jp_session=""' in cleared[0] or "Max-Age=0" in cleared[0]


def test_logout_ends_only_that_session(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    user = world.members["team"]
    sign_in(client, session, user)
    with browser(app) as phone:
        sign_in(phone, session, user)
        client.post("/logout", data={"csrf_token": CSRF})
        assert_signed_in(phone)
    assert len(live_sessions(session, user)) == 1


# --- password change --------------------------------------------------------------------------


def change_password(client: TestClient, current: str, new: str = NEW_PASSWORD) -> httpx.Response:
    return client.post(
        "/me/password",
        data={
            "current_password": current,
            "password": new,
            "password_confirm": new,
            "csrf_token": CSRF,
        },
    )


def test_password_change_ends_every_other_session_and_keeps_this_one(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    user = world.members["team"]
    current = sign_in(client, session, user)
    with browser(app) as laptop, browser(app) as phone:
        sign_in(laptop, session, user)
        sign_in(phone, session, user)
        response = change_password(client, PASSWORD)
        assert response.status_code == 303
        assert response.headers["location"] == "/me"
        assert_signed_in(client)
        assert_signed_out(laptop)
        assert_signed_out(phone)
    # This session goes on under a new token (and with it a new CSRF token); the old one ends.
    renewed = client.cookies.get(SESSION_COOKIE, domain="testserver.local")
    assert renewed
    assert renewed != current
    assert [s.id for s in live_sessions(session, user)] == [token_hash(renewed)]


def test_password_change_takes_the_new_password(
    client: TestClient, session: Session, world: World
) -> None:
    user = world.members["team"]
    sign_in(client, session, user)
    change_password(client, PASSWORD)
    session.expire_all()
    assert user.id is not None
    identity = users_repo.password_identity(session, user_id=user.id)
    assert identity is not None
    assert passwords.verify_password(identity.password_hash, NEW_PASSWORD)
    assert not passwords.verify_password(identity.password_hash, PASSWORD)


def test_password_change_with_a_wrong_current_password_changes_nothing(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    user = world.members["team"]
    sign_in(client, session, user)
    assert user.id is not None
    hash_before = session.exec(
        select(SignInIdentity.password_hash).where(SignInIdentity.user_id == user.id)
    ).one()
    with browser(app) as phone:
        sign_in(phone, session, user)
        response = change_password(client, "not my password")
        assert response.status_code == 422
        assert "current password is not right" in response.text
        assert_signed_in(phone)
    assert_signed_in(client)
    session.expire_all()
    hash_after = session.exec(
        select(SignInIdentity.password_hash).where(SignInIdentity.user_id == user.id)
    ).one()
    assert hash_after == hash_before
    assert len(live_sessions(session, user)) == 2


def test_password_change_needs_matching_new_passwords(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    response = client.post(
        "/me/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD + "!",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 422
    assert "The two passwords differ." in response.text


# --- disabling and removal --------------------------------------------------------------------


def test_disabling_a_user_ends_all_their_sessions_at_once(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    victim = world.members["team"]
    sign_in(client, session, world.admin)
    with browser(app) as laptop, browser(app) as phone:
        laptop_token = sign_in(laptop, session, victim)
        sign_in(phone, session, victim)
        assert_signed_in(laptop)
        response = client.post(
            f"/admin/users/{victim.id}/disable", data={**CONFIRMATION, "csrf_token": CSRF}
        )
        assert response.status_code == 303
        assert_signed_out(laptop)
        assert_signed_out(phone)
        laptop.cookies.set(SESSION_COOKIE, laptop_token)
        assert_signed_out(laptop, f"/accounts/{world.account.id}")
    assert live_sessions(session, victim) == []


def test_a_disabled_user_cannot_sign_in_again(
    client: TestClient, session: Session, world: World
) -> None:
    victim = world.members["team"]
    sign_in(client, session, world.admin)
    client.post(f"/admin/users/{victim.id}/disable", data={**CONFIRMATION, "csrf_token": CSRF})
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, CSRF)
    response = client.post(
        "/login",
        data={**CONFIRMATION, "email": victim.email, "password": PASSWORD, "csrf_token": CSRF},
    )
    assert response.status_code == 401
    assert "disabled" in response.text
    assert live_sessions(session, victim) == []
    # It counts as a failed sign-in on the record, not as a success that clears failures.
    failed = session.exec(
        select(AuditEvent)
        .where(AuditEvent.verb == "auth.sign_in_failed")
        .where(AuditEvent.item_id == str(victim.id))
    ).all()
    assert [e.changes["reason"] for e in failed] == [[None, "disabled"]]
    attempts = session.exec(select(LoginAttempt).where(LoginAttempt.email == victim.email)).all()
    assert [a.succeeded for a in attempts] == [False]


def test_removal_from_an_account_hides_it_at_once_but_not_other_accounts(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    add_member(
        session, account=world.other_account, user=sponsor, role=Role.SPONSOR, by=world.admin
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    with browser(app) as theirs:
        sign_in(theirs, session, sponsor)
        assert theirs.get(f"/accounts/{world.account.id}").status_code == 200
        response = client.post(
            f"/accounts/{world.account.id}/members/{world.memberships['sponsor'].id}/remove",
            data={**CONFIRMATION, "csrf_token": CSRF},
        )
        assert response.status_code == 303
        assert theirs.get(f"/accounts/{world.account.id}").status_code == 404
        assert theirs.get(f"/accounts/{world.account.id}/audit").status_code == 404
        assert theirs.get(f"/accounts/{world.other_account.id}").status_code == 200
        home = theirs.get("/")
        assert home.status_code == 200
        assert "Other account" in home.text
        assert "Own account" not in home.text


# --- timeouts ---------------------------------------------------------------------------------


def test_a_fresh_session_is_live(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["team"])
    assert_signed_in(client)


def test_an_idle_session_ends(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    token = sign_in(client, session, world.members["team"])
    row = stored_session(session, token)
    row.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes, seconds=5)
    session.add(row)
    session.commit()
    assert_signed_out(client)


def test_a_session_just_inside_the_idle_limit_lives_and_is_touched(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    token = sign_in(client, session, world.members["team"])
    row = stored_session(session, token)
    old = utcnow() - timedelta(minutes=settings.session_idle_minutes - 1)
    row.last_seen_at = old
    session.add(row)
    session.commit()
    assert_signed_in(client)
    session.expire_all()
    assert stored_session(session, token).last_seen_at > old + timedelta(seconds=30)


def test_a_session_past_its_absolute_lifetime_ends_even_when_active(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, session, world.members["team"])
    row = stored_session(session, token)
    row.expires_at = utcnow() - timedelta(seconds=1)
    row.last_seen_at = utcnow()
    session.add(row)
    session.commit()
    assert_signed_out(client)


def test_the_session_cookie_is_not_stored_in_clear(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, session, world.members["team"])
    session.expire_all()
    rows = session.exec(select(UserSession)).all()
    assert token not in {r.id for r in rows}
    assert token_hash(token) in {r.id for r in rows}


def test_signing_out_of_an_expired_session_still_clears_the_cookie(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, session, world.members["sponsor"])
    row = session.get(UserSession, token_hash(token))
    assert row is not None
    row.expires_at = utcnow() - timedelta(minutes=1)
    session.add(row)
    session.commit()
    response = client.post("/logout", data={"csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert (
        'jp_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in response.headers["set-cookie"]
    )
