"""Invitations and password resets end to end, through real SMTP.

The app runs under uvicorn with its mail dispatcher thread; mail goes over SMTP to an aiosmtpd
server. The tests act like browsers (httpx, cookies, redirects followed by hand, CSRF tokens
taken from the pages) and like the recipient (links taken from the received e-mail).
The retry tests at the end drive the dispatcher directly against a closed, then open, port.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from app.config import Settings
from app.mail import outbox
from app.mail.dispatcher import MailDispatcher
from app.models import (
    AuditEvent,
    Invitation,
    Membership,
    OutboxMessage,
    OutboxStatus,
    PasswordReset,
    Role,
    User,
    UserSession,
    utcnow,
)
from tests import factories
from tests.conftest import RollbackDatabase
from tests.factories import PASSWORD
from tests.live import LiveServer, Mailbox, free_port

ACCOUNT = "Northwind"
LEAD = "lead@vendor.example"
NEW_PASSWORD = "a much longer passphrase"


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


class Browser:
    """A person's browser: keeps cookies, takes CSRF tokens from the pages it was shown."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.http = httpx.Client(base_url=live.url, follow_redirects=False, timeout=60)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    @staticmethod
    def csrf_of(page: httpx.Response) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None, "the page has no form"
        return found.group(1)

    def submit(self, page_path: str, action: str, fields: dict[str, str]) -> httpx.Response:
        """Open ``page_path`` and post its form to ``action`` with ``fields``."""
        page = self.get(page_path)
        assert page.status_code == 200, text_of(page)
        return self.http.post(action, data={**fields, "csrf_token": self.csrf_of(page)})

    def htmx_post(self, action: str, fields: dict[str, str]) -> httpx.Response:
        token = self.http.cookies.get("jp_csrf")
        assert token
        return self.http.post(
            action, data=fields, headers={"HX-Request": "true", "X-CSRF-Token": token}
        )

    def sign_in(self, email: str, password: str = PASSWORD, next: str = "/") -> None:
        response = self.submit(
            f"/login?next={next}", "/login", {"email": email, "password": password, "next": next}
        )
        assert response.status_code == 303, text_of(response)
        assert response.headers["location"] == next

    def close(self) -> None:
        self.http.close()


class Scene:
    """A vendor workspace with the account ``Northwind`` led by ``lead@vendor.example``."""

    def __init__(self, live: LiveServer, mailbox: Mailbox) -> None:
        self.live = live
        self.mailbox = mailbox
        self.browsers: list[Browser] = []
        with live.db.session() as s:
            workspace = factories.make_workspace(s, "Vendor Ltd")
            admin = factories.make_user(
                s, email="admin@vendor.example", workspace=workspace, admin=True
            )
            lead = factories.make_user(s, email=LEAD, name="Lee Lead", workspace=workspace)
            account = factories.make_account(s, admin=admin, name=ACCOUNT)
            factories.add_member(s, account=account, user=lead, role=Role.LEAD, by=admin)
            s.commit()
            assert account.id is not None
            self.account_id = account.id
            self.admin = admin
        self.account_path = f"/accounts/{self.account_id}"

    def browser(self) -> Browser:
        browser = Browser(self.live)
        self.browsers.append(browser)
        return browser

    def lead(self) -> Browser:
        browser = self.browser()
        browser.sign_in(LEAD, next=self.account_path)
        return browser

    def invite(self, lead: Browser, email: str, role: str = "member") -> httpx.Response:
        return lead.submit(
            self.account_path,
            f"{self.account_path}/invitations",
            {"email": email, "role": role},
        )

    def mails_to(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Message]:
        """The first ``count`` messages to ``address``, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in list(self.mailbox.messages) if m["To"] == address]
            if len(found) >= count:
                return found[:count]
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} mails to {address} arrived")
            time.sleep(0.02)

    def link_in(self, message: Message, path: str) -> str:
        body = Mailbox.body(message)
        found = re.search(re.escape(self.live.url + path) + r"[A-Za-z0-9_-]+", body)
        assert found is not None, body
        return found.group(0).removeprefix(self.live.url)

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with self.live.db.session(writes=False) as s:
            return list(s.exec(select(model).where(*where)).all())

    def update(self, model: Any, *where: Any, **values: Any) -> None:
        with self.live.db.session() as s:
            s.execute(sa.update(model).where(*where).values(**values))
            s.commit()

    def verbs(self) -> list[str]:
        return [e.verb for e in self.rows(AuditEvent, col(AuditEvent.id) > 0)]

    def sent_outbox_row(self, address: str) -> OutboxMessage:
        """The outbox row of the mail to ``address`` once the dispatcher recorded it as sent."""
        deadline = time.monotonic() + 10
        while True:
            (row,) = self.rows(OutboxMessage, OutboxMessage.to_address == address)
            assert isinstance(row, OutboxMessage)
            if row.status == OutboxStatus.SENT or time.monotonic() > deadline:
                return row
            time.sleep(0.02)


@pytest.fixture
def scene(live_server: LiveServer, mailbox: Mailbox) -> Iterator[Scene]:
    scene = Scene(live_server, mailbox)
    try:
        yield scene
    finally:
        for browser in scene.browsers:
            browser.close()


def assert_gone(response: httpx.Response, message: str) -> None:
    assert response.status_code == 410, text_of(response)
    assert "Link no longer valid" in text_of(response)
    assert message in text_of(response)


# --- invitations ------------------------------------------------------------------------------


def test_invitation_mailed_by_the_lead_makes_the_invitee_a_member(scene: Scene) -> None:
    lead = scene.lead()

    response = scene.invite(lead, "  Dana.Client@Client.EXAMPLE ", "member")

    assert response.status_code == 303, text_of(response)
    assert response.headers["location"] == scene.account_path
    page = text_of(lead.get(scene.account_path))
    assert "Invitation sent to dana.client@client.example." in page
    assert "dana.client@client.example" in page.split("Invitations", 1)[1]

    (mail,) = scene.mails_to("dana.client@client.example")
    assert mail["Subject"] == f"Lee Lead invited you to the {ACCOUNT} account plan"
    assert mail["From"] == scene.live.settings.mail_from
    assert "as client member" in Mailbox.body(mail)
    link = scene.link_in(mail, "/invitations/")
    sent = scene.sent_outbox_row("dana.client@client.example")
    assert (sent.status, sent.attempts, sent.transport) == (OutboxStatus.SENT, 1, "smtp")

    dana = scene.browser()
    invitation_page = dana.get(link)
    assert invitation_page.status_code == 200
    assert f"Join the {ACCOUNT} account plan" in text_of(invitation_page)
    assert "This invitation is for <strong>dana.client@client.example</strong>" in (
        invitation_page.text
    )

    # A password that is too short is explained, and the name typed stays in the form.
    short = dana.submit(
        link,
        link,
        {"display_name": "Dana Client", "password": "short", "password_confirm": "short"},
    )
    assert short.status_code == 422
    assert "Use at least 10 characters." in text_of(short)
    assert 'value="Dana Client"' in short.text

    joined = dana.submit(
        link,
        link,
        {"display_name": "Dana Client", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert joined.status_code == 303, text_of(joined)
    # A client contributor goes on to the first visit's short path (tests/test_welcome.py).
    assert joined.headers["location"] == f"{scene.account_path}/welcome"
    account_page = dana.get(scene.account_path)
    assert account_page.status_code == 200
    assert f"Welcome to the {ACCOUNT} account plan." in text_of(account_page)
    assert 'your role: <span class="badge badge-member">Client member</span>' in account_page.text

    (user,) = scene.rows(User, User.email == "dana.client@client.example")
    assert user.display_name == "Dana Client"
    (membership,) = scene.rows(Membership, Membership.user_id == user.id)
    assert (membership.account_id, membership.role) == (scene.account_id, "member")
    (invitation,) = scene.rows(Invitation, Invitation.email == "dana.client@client.example")
    assert invitation.accepted_at is not None
    assert invitation.accepted_user_id == user.id
    verbs = scene.verbs()
    for verb in ("invitation.sent", "user.created", "membership.joined", "invitation.accepted"):
        assert verb in verbs
    (signed_in,) = [
        e
        for e in scene.rows(AuditEvent, AuditEvent.actor_id == user.id)
        if e.verb == "auth.signed_in"
    ]
    assert signed_in.changes["method"] == [None, "invitation"]

    # The link works once.
    already = "This invitation was already accepted. Sign in to open the account."
    assert_gone(dana.get(link), already)
    stranger = scene.browser()
    assert_gone(stranger.get(link), already)
    stranger.get("/login")
    reused = stranger.http.post(
        link,
        data={
            "display_name": "Someone Else",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": stranger.http.cookies["jp_csrf"],
        },
    )
    assert_gone(reused, already)
    assert len(scene.rows(User, User.email == "dana.client@client.example")) == 1
    assert len(scene.rows(Membership, Membership.user_id == user.id)) == 1

    # The lead sees the new member and no open invitation any more.
    lead_page = text_of(lead.get(scene.account_path))
    members, invitations = lead_page.split("Invitations", 1)
    assert "Dana Client" in members
    assert "dana.client@client.example" not in invitations


def test_expired_invitation_link_is_gone_and_a_new_one_can_be_sent(scene: Scene) -> None:
    lead = scene.lead()
    assert scene.invite(lead, "eve@client.example").status_code == 303
    (mail,) = scene.mails_to("eve@client.example")
    link = scene.link_in(mail, "/invitations/")
    scene.update(
        Invitation,
        col(Invitation.email) == "eve@client.example",
        expires_at=utcnow() - timedelta(minutes=1),
    )

    expired = "This invitation has expired. Ask the person who invited you to send a new one."
    eve = scene.browser()
    assert_gone(eve.get(link), expired)
    eve.get("/login")
    posted = eve.http.post(
        link,
        data={
            "display_name": "Eve",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": eve.http.cookies["jp_csrf"],
        },
    )
    assert_gone(posted, expired)
    assert scene.rows(User, User.email == "eve@client.example") == []
    # The lead no longer lists it as open, and may invite the same address again.
    assert "eve@client.example" not in text_of(lead.get(scene.account_path)).split("Invitations")[1]

    assert scene.invite(lead, "eve@client.example").status_code == 303
    _, second = scene.mails_to("eve@client.example", count=2)
    new_link = scene.link_in(second, "/invitations/")
    assert new_link != link
    assert_gone(eve.get(link), "This invitation was withdrawn.")
    assert eve.get(new_link).status_code == 200


def test_invitation_cannot_be_accepted_by_another_signed_in_person(scene: Scene) -> None:
    with scene.live.db.session() as s:
        factories.make_user(s, email="gus@client.example", name="Gus Other")
        s.commit()
    lead = scene.lead()
    assert scene.invite(lead, "fay@client.example", "sponsor").status_code == 303
    link = scene.link_in(scene.mails_to("fay@client.example")[0], "/invitations/")

    gus = scene.browser()
    gus.sign_in("gus@client.example")
    page = gus.get(link)
    assert page.status_code == 200
    assert (
        "You are signed in as gus@client.example. Sign out, then open the link again to accept "
        "as fay@client.example." in text_of(page)
    )
    assert "Accept and" not in page.text
    token = Browser.csrf_of(page)

    for fields in (
        {"display_name": "Fay", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        {},
    ):
        response = gus.http.post(link, data={**fields, "csrf_token": token})
        assert response.status_code == 403, text_of(response)
        assert (
            "This invitation is for fay@client.example; you are signed in as gus@client.example."
            in text_of(response)
        )
    assert scene.rows(User, User.email == "fay@client.example") == []
    (invitation,) = scene.rows(Invitation, Invitation.email == "fay@client.example")
    assert invitation.accepted_at is None
    assert gus.get(scene.account_path).status_code == 404
    assert gus.get("/me").status_code == 200  # still signed in as himself

    # The invited person can still accept.
    fay = scene.browser()
    joined = fay.submit(
        link,
        link,
        {"display_name": "Fay Sponsor", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert joined.status_code == 303, text_of(joined)
    (user,) = scene.rows(User, User.email == "fay@client.example")
    (membership,) = scene.rows(Membership, Membership.user_id == user.id)
    assert membership.role == "sponsor"


def test_duplicate_or_malformed_invitations_get_clear_errors_and_keep_the_input(
    scene: Scene,
) -> None:
    lead = scene.lead()
    assert scene.invite(lead, "hal@client.example", "viewer").status_code == 303

    again = scene.invite(lead, "HAL@client.example", "sponsor")
    assert again.status_code == 422
    text = text_of(again)
    assert re.search(
        r"hal@client\.example was already invited on \d{1,2} \w{3} \d{4}; that invitation is open "
        r"until \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC\.",
        text,
    )
    assert 'value="HAL@client.example"' in again.text
    assert '<option value="sponsor" selected>' in again.text
    assert 'aria-invalid="true"' in again.text

    # The same through htmx: only the panel comes back, with the message and the input.
    panel = lead.htmx_post(
        f"{scene.account_path}/invitations", {"email": "hal@client.example", "role": "viewer"}
    )
    assert panel.status_code == 422
    assert panel.text.lstrip().startswith('<section class="panel" id="invite-panel"')
    assert "hal@client.example was already invited on" in text_of(panel)
    assert 'value="hal@client.example"' in panel.text

    for typed, message in (
        ("hal at client", "This is not a valid e-mail address, e.g. name@company.com."),
        ("hal@", "This is not a valid e-mail address, e.g. name@company.com."),
        ("", "Enter an e-mail address."),
    ):
        response = scene.invite(lead, typed, "member")
        assert response.status_code == 422, typed
        assert message in text_of(response)
        assert f'value="{html.escape(typed)}"' in response.text

    wrong_role = scene.invite(lead, "ivy@client.example", "owner")
    assert wrong_role.status_code == 422
    assert "Choose a role from the list." in text_of(wrong_role)
    assert 'value="ivy@client.example"' in wrong_role.text

    member = scene.invite(lead, LEAD, "team")
    assert member.status_code == 422
    assert f"{LEAD} is already a member of this account." in text_of(member)

    # Nothing of that was stored or mailed.
    (invitation,) = scene.rows(Invitation, col(Invitation.email).like("%hal%"))
    assert invitation.role == "viewer"
    assert scene.rows(Invitation, Invitation.email == "ivy@client.example") == []
    assert len(scene.rows(OutboxMessage, OutboxMessage.to_address == "hal@client.example")) == 1


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_by_mail_ends_old_sessions_and_works_once(scene: Scene) -> None:
    laptop, phone = scene.browser(), scene.browser()
    laptop.sign_in(LEAD)
    phone.sign_in(LEAD)
    assert laptop.get("/me").status_code == 200
    assert phone.get("/me").status_code == 200

    forgetful = scene.browser()
    response = forgetful.submit("/password/forgot", "/password/forgot", {"email": LEAD})
    assert response.status_code == 200
    assert f"If {LEAD} has a Jointplan login, a link to choose a new password is on its way" in (
        text_of(response)
    )
    # An unknown address gets the same answer and no mail.
    unknown = forgetful.submit(
        "/password/forgot", "/password/forgot", {"email": "nobody@vendor.example"}
    )
    assert unknown.status_code == 200
    assert "If nobody@vendor.example has a Jointplan login" in text_of(unknown)

    (mail,) = scene.mails_to(LEAD)
    assert mail["Subject"] == "Reset your Jointplan password"
    link = scene.link_in(mail, "/password/reset/")
    assert scene.rows(OutboxMessage, OutboxMessage.to_address == "nobody@vendor.example") == []

    form = forgetful.get(link)
    assert form.status_code == 200
    assert "Choose a new password" in form.text
    differ = forgetful.submit(
        link, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "!"}
    )
    assert differ.status_code == 422
    assert "The two passwords differ." in text_of(differ)

    done = forgetful.submit(
        link, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert done.status_code == 303, text_of(done)
    assert done.headers["location"] == "/"
    assert "Your password is changed and you are signed in." in text_of(forgetful.get("/"))

    # Every session from before the reset is over at once.
    for old in (laptop, phone):
        response = old.get("/me")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fme"
    (lead_user,) = scene.rows(User, User.email == LEAD)
    assert len(scene.rows(UserSession, UserSession.user_id == lead_user.id)) == 1

    # The old password is refused, the new one works.
    old_password = scene.browser().submit(
        "/login", "/login", {"email": LEAD, "password": PASSWORD, "next": "/"}
    )
    assert old_password.status_code == 401
    scene.browser().sign_in(LEAD, NEW_PASSWORD)

    # The link works once.
    spent = "This password reset link is not valid any more"
    assert_gone(forgetful.get(link), spent)
    again = forgetful.http.post(
        link,
        data={
            "password": "yet another passphrase",
            "password_confirm": "yet another passphrase",
            "csrf_token": forgetful.http.cookies["jp_csrf"],
        },
    )
    assert_gone(again, spent)
    (reset,) = scene.rows(PasswordReset, PasswordReset.user_id == lead_user.id)
    assert reset.used_at is not None

    events = scene.rows(AuditEvent, AuditEvent.actor_id == lead_user.id)
    verbs = [e.verb for e in events]
    assert "auth.password_reset_requested" in verbs
    assert "user.password_changed" in verbs
    assert [None, "password_reset"] in [e.changes.get("method") for e in events]


# --- retries ----------------------------------------------------------------------------------


@pytest.fixture
def dead_port() -> int:
    """A loopback port nobody listens on (yet)."""
    return free_port()


def _settings(port: int, **overrides: Any) -> Settings:
    return Settings(
        environment="test",
        secret_key="r" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=port,
        **overrides,
    )


def _message(db: RollbackDatabase, message_id: int) -> OutboxMessage:
    with db.session(writes=False) as s:
        message = s.get(OutboxMessage, message_id)
        assert message is not None
        return message


def _queue(db: RollbackDatabase, to: str) -> int:
    with db.session() as s:
        message = outbox.enqueue(s, to=to, subject="Your plan", body="Hello.\n")
        s.commit()
        assert message.id is not None
        return message.id


def _make_due(db: RollbackDatabase, message_id: int) -> None:
    """Let time pass until the message's next attempt."""
    with db.session() as s:
        s.execute(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        s.commit()


def test_mail_waits_for_an_unreachable_smtp_server_and_is_sent_when_it_is_back(
    db: RollbackDatabase, dead_port: int
) -> None:
    dispatcher = MailDispatcher(db, _settings(dead_port, mail_retry_base_seconds=30))
    message_id = _queue(db, "retry@client.example")

    before = utcnow()
    assert dispatcher.deliver_due() == 0
    first = _message(db, message_id)
    assert (first.status, first.attempts) == (OutboxStatus.PENDING, 1)
    assert "ConnectionRefusedError" in first.last_error
    assert first.claimed_until is None
    assert (
        before + timedelta(seconds=29) < first.next_attempt_at <= utcnow() + timedelta(seconds=30)
    )

    # Not due yet: nothing is tried.
    assert dispatcher.deliver_due() == 0
    assert _message(db, message_id).attempts == 1

    # Due again, still down: the wait doubles.
    _make_due(db, message_id)
    before = utcnow()
    assert dispatcher.deliver_due() == 0
    second = _message(db, message_id)
    assert (second.status, second.attempts) == (OutboxStatus.PENDING, 2)
    assert (
        before + timedelta(seconds=59) < second.next_attempt_at <= utcnow() + timedelta(seconds=60)
    )

    # The SMTP server comes back on its port; the message goes out once it is due.
    received = Mailbox()
    controller = Controller(received, hostname="127.0.0.1", port=dead_port)
    controller.start()
    try:
        assert dispatcher.deliver_due() == 0  # still waiting for its time
        assert received.messages == []
        _make_due(db, message_id)
        assert dispatcher.deliver_due() == 1
        mail = received.wait_for(to="retry@client.example")
    finally:
        controller.stop()
    assert mail["Subject"] == "Your plan"
    assert Mailbox.body(mail).strip() == "Hello."
    sent = _message(db, message_id)
    assert (sent.status, sent.attempts, sent.transport) == (OutboxStatus.SENT, 3, "smtp")
    assert sent.sent_at is not None
    assert dispatcher.deliver_due() == 0  # sent once, never again
    assert len(received.messages) == 1


def test_mail_is_given_up_after_the_last_attempt(db: RollbackDatabase, dead_port: int) -> None:
    dispatcher = MailDispatcher(db, _settings(dead_port, mail_max_attempts=2))
    message_id = _queue(db, "never@client.example")

    assert dispatcher.deliver_due() == 0
    _make_due(db, message_id)
    assert dispatcher.deliver_due() == 0
    failed = _message(db, message_id)
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 2)
    assert failed.last_error

    _make_due(db, message_id)
    assert dispatcher.deliver_due() == 0
    assert _message(db, message_id).attempts == 2
