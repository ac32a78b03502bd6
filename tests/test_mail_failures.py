"""Mail is never given up silently (issue 9, point 9).

The end-to-end tests run the app under uvicorn with its mail dispatcher thread, sending to a
real SMTP server (aiosmtpd) that can be made to refuse every recipient with ``451`` (try again
later) while "down". Retries are made short (a fraction of a second, three attempts) so that an
outage longer than the retry limit takes a second, not a quarter of an hour. Waits poll with
generous limits; nothing asserts how fast anything happened.

The dispatcher tests drive ``MailDispatcher`` directly against a closed, then open, port.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from app.accounts import repository as accounts_repo
from app.auth import sessions
from app.config import Settings
from app.mail import outbox
from app.mail.dispatcher import MAX_AUTO_REQUEUES, MIN_WAIT_SECONDS, POLL_SECONDS, MailDispatcher
from app.models import (
    Account,
    AuditEvent,
    Invitation,
    MailKind,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
    Visibility,
    Workspace,
    utcnow,
)
from app.notifications.service import notify
from app.permissions.policy import AccountAccess, Actor, Decision, Verb, decide
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, RollbackDatabase, send_session_csrf
from tests.live import LiveServer, Mailbox, free_port
from tests.test_concurrent_edits import race
from tests.test_invitations_e2e import Browser, Scene, text_of

# --------------------------------------------------------------------------------------------
# A real SMTP server that can be down
# --------------------------------------------------------------------------------------------


@dataclass
class FlakySmtp(Mailbox):
    """Keeps what it receives; while ``down``, refuses every recipient with 451."""

    down: bool = False
    port: int = 0

    async def handle_RCPT(
        self, server: object, session: object, envelope: Any, address: str, options: object
    ) -> str:
        if self.down:
            return "451 4.3.2 Mail service paused for maintenance"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in list(self.messages) if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[FlakySmtp]:
    server = FlakySmtp(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def live_settings(smtp: FlakySmtp) -> Settings:
    """The live server's settings (overriding conftest's): our SMTP server, short retries."""
    port = free_port()
    return Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="m" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_retry_base_seconds=0.2,
        mail_max_attempts=3,
    )


class MailScene(Scene):
    """The invitations scene; the mail its set-up queued counts as sent already."""

    def __init__(self, live: LiveServer, mailbox: Mailbox) -> None:
        super().__init__(live, mailbox)
        self.update(OutboxMessage, col(OutboxMessage.status) == "pending", status="sent")
        self.baseline = max((m.id or 0 for m in self.rows(OutboxMessage, sa.true())), default=0)


@pytest.fixture
def scene(live_server: LiveServer, smtp: FlakySmtp) -> Iterator[MailScene]:
    scene = MailScene(live_server, smtp)
    try:
        yield scene
    finally:
        for browser in scene.browsers:
            browser.close()


def wait_until(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``check`` until it holds (generous: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.05)


def mail_to(scene: MailScene, address: str) -> OutboxMessage:
    (row,) = scene.rows(OutboxMessage, OutboxMessage.to_address == address)
    assert isinstance(row, OutboxMessage)
    return row


def messages(scene: MailScene) -> list[OutboxMessage]:
    """The mail the test made (not the scene's set-up)."""
    return scene.rows(OutboxMessage, col(OutboxMessage.id) > scene.baseline)


def statuses(scene: MailScene) -> dict[str, str]:
    return {m.to_address: m.status for m in messages(scene)}


def all_failed(scene: MailScene) -> bool:
    found = statuses(scene).values()
    return bool(found) and all(s == OutboxStatus.FAILED for s in found)


def invitation_of(scene: Scene, email: str) -> Invitation:
    (invitation,) = scene.rows(
        Invitation, Invitation.email == email, col(Invitation.revoked_at).is_(None)
    )
    assert isinstance(invitation, Invitation)
    return invitation


def sign_in_as(scene: Scene, email: str) -> Browser:
    """A browser with a session of ``email`` (no password needed)."""
    with scene.live.db.session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        token = sessions.start(
            s, user=user, ip="127.0.0.1", user_agent="pytest", settings=scene.live.settings
        )
        s.commit()
    browser = scene.browser()
    browser.http.cookies.set(sessions.SESSION_COOKIE, token)
    browser.http.cookies.set("jp_csrf", CSRF)
    send_session_csrf(browser.http, scene.live.settings)
    return browser


def invitation_item(page: str, invitation_id: int) -> str:
    """The invitation's entry in the account page's invitation list."""
    found = re.search(rf'<li id="invitation-{invitation_id}".*?</li>', page, re.DOTALL)
    assert found is not None, page
    return found.group(0)


INVITEES = ("ada@client.example", "bo@client.example")
ADMIN = "admin@vendor.example"


# --------------------------------------------------------------------------------------------
# End to end: SMTP down longer than the retry limit, then back
# --------------------------------------------------------------------------------------------


def test_smtp_down_longer_than_the_retry_limit_then_back_loses_nothing(
    scene: MailScene, smtp: FlakySmtp
) -> None:
    smtp.down = True
    lead = scene.lead()
    for email in INVITEES:
        assert scene.invite(lead, email).status_code == 303
    # A notification nobody sent personally (the lead is told something by the system).
    with scene.live.db.session() as s:
        lead_user = s.exec(select(User).where(User.email == "lead@vendor.example")).one()
        notify(
            s,
            account_id=scene.account_id,
            recipient_ids=[lead_user.id],
            kind="review_due",
            message="The review of Northwind is due",
            link=scene.account_path,
            actor=None,
        )
        s.commit()
    scene.live.app.state.mailer.wake()

    # Three attempts a fraction of a second apart: every message is given up well before the
    # dispatcher's 30 s wake-up, so retries below it are honoured.
    wait_until("every message is given up", lambda: all_failed(scene))
    for message in messages(scene):
        assert message.attempts == 3
        assert "451" in message.last_error
        assert message.failed_at is not None
    assert smtp.messages == []

    # The inviter sees it on the invitation list, with when and why, and a button.
    page = text_of(lead.get(scene.account_path))
    for email in INVITEES:
        item = invitation_item(page, invitation_of(scene, email).id or 0)
        assert email in item
        assert "e-mail not delivered" in item
        assert "451" in item
        assert "UTC" in item
        assert "open until" not in item
        assert "Send again" in item

    # The workspace admin sees every failed message of the workspace, never a body.
    admin = sign_in_as(scene, ADMIN)
    listing = admin.get("/admin/mail")
    assert listing.status_code == 200
    mail_page = text_of(listing)
    for email in (*INVITEES, "lead@vendor.example"):
        assert email in mail_page
    assert "Invitation" in mail_page
    assert "Notification" in mail_page
    assert "The review of Northwind is due" in mail_page  # the subject
    assert "Lee Lead" in mail_page  # who sent the invitations; the notification: nobody
    assert mail_page.count("not delivered") >= 3
    assert "/invitations/" not in mail_page.replace("/admin/mail", "")  # no link from a body
    for message in messages(scene):
        assert message.body_text.splitlines()[0] not in mail_page
    assert "/admin/mail" in text_of(admin.get("/admin/users"))  # linked from the admin pages

    # SMTP answers again. Nothing is sent until something is: the lead sends one again.
    smtp.down = False
    first = invitation_of(scene, INVITEES[0])
    again = lead.submit(
        scene.account_path,
        f"{scene.account_path}/invitations/{first.id}/send-again",
        {},
    )
    assert again.status_code == 303, text_of(again)
    (delivered,) = scene.mails_to(INVITEES[0])

    # That success puts everything given up back in the queue: every message goes out, once.
    wait_until(
        "every message is delivered",
        lambda: set(statuses(scene).values()) == {OutboxStatus.SENT},
    )
    for address in (*INVITEES, "lead@vendor.example"):
        assert len(smtp.to(address)) == 1
    requeued = mail_to(scene, INVITEES[1])
    assert requeued.auto_requeues == 1
    pressed = mail_to(scene, INVITEES[0])
    assert pressed.auto_requeues == 0

    # The link in the e-mail sent again is the invitation's: it works.
    link = scene.link_in(delivered, "/invitations/")
    assert scene.browser().get(link).status_code == 200
    page = text_of(lead.get(scene.account_path))
    assert "e-mail not delivered" not in page
    assert "Send again" not in page

    # Sending again is on the account's audit trail, for the vendor side only.
    (event,) = scene.rows(AuditEvent, AuditEvent.verb == "mail.sent_again")
    assert event.visibility == Visibility.INTERNAL
    assert event.account_id == scene.account_id


def test_the_admin_sends_a_notification_again_from_the_mail_page(
    scene: MailScene, smtp: FlakySmtp
) -> None:
    smtp.down = True
    with scene.live.db.session() as s:
        lead_user = s.exec(select(User).where(User.email == "lead@vendor.example")).one()
        notify(
            s,
            account_id=scene.account_id,
            recipient_ids=[lead_user.id],
            kind="review_due",
            message="The review of Northwind is due",
            link=scene.account_path,
            actor=None,
        )
        s.commit()
    scene.live.app.state.mailer.wake()
    wait_until("the notification is given up", lambda: all_failed(scene))
    message = mail_to(scene, "lead@vendor.example")
    assert message.kind == MailKind.NOTIFICATION
    assert message.sender_id is None
    (account_workspace,) = scene.rows(User, User.email == ADMIN)
    assert message.workspace_id == account_workspace.workspace_id

    smtp.down = False
    admin = sign_in_as(scene, ADMIN)
    response = admin.submit("/admin/mail", f"/admin/mail/{message.id}/send-again", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/mail"
    (mail,) = scene.mails_to("lead@vendor.example")
    assert mail["Subject"] == "Jointplan: The review of Northwind is due"
    wait_until("it is recorded as sent", lambda: all(s == "sent" for s in statuses(scene).values()))
    assert "Every e-mail of your workspace was delivered." in text_of(admin.get("/admin/mail"))

    # Pressing again (a stale page): told, nothing queued twice.
    response = admin.http.post(f"/admin/mail/{message.id}/send-again", data={"csrf_token": CSRF})
    assert response.status_code == 303
    assert "was sent meanwhile" in text_of(admin.get("/admin/mail"))
    assert len(smtp.to("lead@vendor.example")) == 1


def test_a_failed_invitation_can_be_replaced_by_a_new_one(
    scene: MailScene, smtp: FlakySmtp
) -> None:
    smtp.down = True
    lead = scene.lead()
    email = INVITEES[0]
    assert scene.invite(lead, email).status_code == 303
    wait_until("the invitation's e-mail is given up", lambda: all_failed(scene))
    old = invitation_of(scene, email)

    smtp.down = False
    response = scene.invite(lead, email, "sponsor")
    assert response.status_code == 303, text_of(response)
    assert f"Invitation sent to {email}." in text_of(lead.get(scene.account_path))

    # The new invitation replaces the undelivered one, whose e-mail is never sent any more.
    (old_now,) = scene.rows(Invitation, Invitation.id == old.id)
    assert old_now.revoked_at is not None
    new = invitation_of(scene, email)
    assert new.id != old.id
    assert new.role == Role.SPONSOR
    (mail,) = scene.mails_to(email)
    wait_until(
        "the new e-mail is recorded as sent",
        lambda: (
            scene.rows(OutboxMessage, OutboxMessage.invitation_id == new.id)[0].status
            == OutboxStatus.SENT
        ),
    )
    # Its success requeued what had failed; the replaced invitation's e-mail was cancelled.
    (old_mail,) = scene.rows(OutboxMessage, OutboxMessage.invitation_id == old.id)
    assert old_mail.status == OutboxStatus.CANCELLED
    assert len(smtp.to(email)) == 1
    link = scene.link_in(mail, "/invitations/")
    assert "as client sponsor" in Mailbox.body(mail)
    assert scene.browser().get(link).status_code == 200
    assert "invitation.revoked" in scene.verbs()


def test_an_invitation_whose_mail_is_still_being_tried_is_not_duplicated(
    scene: MailScene, smtp: FlakySmtp
) -> None:
    smtp.down = True
    lead = scene.lead()
    email = INVITEES[0]
    assert scene.invite(lead, email).status_code == 303
    wait_until("the invitation's e-mail is given up", lambda: all_failed(scene))
    # Between two attempts, as it would be for minutes with the default delays.
    scene.update(
        OutboxMessage,
        OutboxMessage.to_address == email,
        status=OutboxStatus.PENDING,
        attempts=1,
        next_attempt_at=utcnow() + timedelta(hours=1),
    )
    page = text_of(lead.get(scene.account_path))
    item = invitation_item(page, invitation_of(scene, email).id or 0)
    assert "not delivered yet, trying again" in item
    assert "451" in item
    assert "Send again" not in item

    response = scene.invite(lead, email)
    assert response.status_code == 422
    assert "its e-mail could not be delivered yet and is being tried again" in text_of(response)
    assert len(scene.rows(Invitation, Invitation.email == email)) == 1


def test_withdrawing_an_invitation_cancels_its_undelivered_mail(
    scene: MailScene, smtp: FlakySmtp
) -> None:
    smtp.down = True
    lead = scene.lead()
    email = INVITEES[0]
    assert scene.invite(lead, email).status_code == 303
    wait_until("the invitation's e-mail is given up", lambda: all_failed(scene))
    invitation = invitation_of(scene, email)
    withdrawn = lead.submit(
        scene.account_path,
        f"{scene.account_path}/invitations/{invitation.id}/revoke",
        dict(CONFIRMATION),
    )
    assert withdrawn.status_code == 303
    assert mail_to(scene, email).status == OutboxStatus.CANCELLED

    # SMTP is back and another e-mail goes out: the withdrawn link is not mailed.
    smtp.down = False
    assert scene.invite(lead, INVITEES[1]).status_code == 303
    scene.mails_to(INVITEES[1])
    wait_until(
        "the other is recorded as sent", lambda: mail_to(scene, INVITEES[1]).status == "sent"
    )
    assert mail_to(scene, email).status == OutboxStatus.CANCELLED
    assert smtp.to(email) == []


def test_only_the_sender_and_the_stewards_send_an_invitation_again(
    scene: MailScene, smtp: FlakySmtp
) -> None:
    smtp.down = True
    with scene.live.db.session() as s:
        admin = s.exec(select(User).where(User.email == ADMIN)).one()
        account = s.get(Account, scene.account_id)
        workspace = s.get(Workspace, admin.workspace_id)
        assert account is not None
        assert workspace is not None
        for email, role in (
            ("tess@vendor.example", Role.TEAM),
            ("sam@client.example", Role.SPONSOR),
        ):
            user = factories.make_user(
                s, email=email, workspace=workspace if role is Role.TEAM else None, password=None
            )
            factories.add_member(s, account=account, user=user, role=role, by=admin)
        s.commit()
    lead = scene.lead()
    assert scene.invite(lead, INVITEES[0]).status_code == 303
    wait_until("the invitation's e-mail is given up", lambda: all_failed(scene))
    invitation = invitation_of(scene, INVITEES[0])
    path = f"{scene.account_path}/invitations/{invitation.id}/send-again"

    # A team member sees the failure on the list, but did not send it: no button, and refused.
    team = sign_in_as(scene, "tess@vendor.example")
    item = invitation_item(text_of(team.get(scene.account_path)), invitation.id or 0)
    assert "e-mail not delivered" in item
    assert "Send again" not in item
    assert team.http.post(path, data={"csrf_token": CSRF}).status_code == 403
    # The client side sees nothing of it and is refused.
    sponsor = sign_in_as(scene, "sam@client.example")
    assert "not delivered" not in text_of(sponsor.get(scene.account_path))
    assert sponsor.http.post(path, data={"csrf_token": CSRF}).status_code == 403
    assert sponsor.get("/admin/mail").status_code == 403
    assert mail_to(scene, INVITEES[0]).status == OutboxStatus.FAILED
    assert "mail.sent_again" not in scene.verbs()


def test_simultaneous_send_again_queues_the_mail_once(scene: MailScene, smtp: FlakySmtp) -> None:
    smtp.down = True
    lead = scene.lead()
    assert scene.invite(lead, INVITEES[0]).status_code == 303
    wait_until("the invitation's e-mail is given up", lambda: all_failed(scene))
    invitation = invitation_of(scene, INVITEES[0])
    path = f"{scene.account_path}/invitations/{invitation.id}/send-again"
    clients = [sign_in_as(scene, ADMIN) for _ in range(4)] + [lead for _ in range(2)]
    # Up again: the winner's e-mail may be sent before a loser reads it ("sent meanwhile");
    # either way it stays sent, so no loser can queue it a second time.
    smtp.down = False

    def press(browser: Browser) -> Callable[[], httpx.Response]:
        return lambda: browser.htmx_post(path, {})

    answers = race([press(b) for b in clients])

    assert sorted(r.status_code for r in answers) == [200] + [409] * 5, [
        (r.status_code, text_of(r)[:200]) for r in answers
    ]
    for refused in (r for r in answers if r.status_code == 409):
        assert "already waiting to be sent" in text_of(refused) or "sent meanwhile" in text_of(
            refused
        )
    assert scene.verbs().count("mail.sent_again") == 1
    scene.mails_to(INVITEES[0])
    wait_until("it is recorded as sent", lambda: mail_to(scene, INVITEES[0]).status == "sent")
    assert len(smtp.to(INVITEES[0])) == 1


# --------------------------------------------------------------------------------------------
# The dispatcher on its own
# --------------------------------------------------------------------------------------------


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


def _queue(db: RollbackDatabase, to: str, **metadata: Any) -> int:
    with db.session() as s:
        message = outbox.enqueue(s, to=to, subject="Your plan", body="Hello.\n", **metadata)
        s.commit()
        assert message.id is not None
        return message.id


def _message(db: RollbackDatabase, message_id: int) -> OutboxMessage:
    with db.session(writes=False) as s:
        message = s.get(OutboxMessage, message_id)
        assert message is not None
        return message


def _set(db: RollbackDatabase, message_id: int, **values: Any) -> None:
    with db.session() as s:
        s.execute(
            sa.update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values)
        )
        s.commit()


def test_the_dispatcher_sleeps_only_until_the_next_attempt_is_due(
    db: RollbackDatabase, dead_port: int
) -> None:
    dispatcher = MailDispatcher(db, _settings(dead_port, mail_retry_base_seconds=1))
    assert dispatcher.seconds_until_due() == POLL_SECONDS  # nothing pending

    message_id = _queue(db, "soon@client.example")
    assert dispatcher.deliver_due() == 0  # refused; the next attempt is about 1 s away
    waiting = dispatcher.seconds_until_due()
    assert MIN_WAIT_SECONDS <= waiting <= 1.0

    # Due already: a short pause, never a busy loop.
    _set(db, message_id, next_attempt_at=utcnow() - timedelta(seconds=5))
    assert dispatcher.seconds_until_due() == MIN_WAIT_SECONDS

    # Another instance holds it: wait for that claim to lapse, not for the past due time.
    _set(db, message_id, claimed_until=utcnow() + timedelta(seconds=10))
    assert 5 < dispatcher.seconds_until_due() <= 10

    # Far away: the regular wake-up.
    _set(db, message_id, claimed_until=None, next_attempt_at=utcnow() + timedelta(hours=1))
    assert dispatcher.seconds_until_due() == POLL_SECONDS


def test_a_successful_send_requeues_what_was_given_up_within_bounds(
    db: RollbackDatabase, dead_port: int
) -> None:
    dispatcher = MailDispatcher(db, _settings(dead_port, mail_max_attempts=1))
    given_up = _queue(db, "outage@client.example")
    too_old = _queue(db, "old@client.example")
    expired = _queue(db, "expired@client.example", expires_at=utcnow() + timedelta(hours=1))
    hopeless = _queue(db, "hopeless@client.example")
    assert dispatcher.deliver_due() == 0
    for message_id in (given_up, too_old, expired, hopeless):
        failed = _message(db, message_id)
        assert failed.status == OutboxStatus.FAILED
        assert failed.failed_at is not None
        assert "ConnectionRefusedError" in failed.last_error
    _set(db, too_old, failed_at=utcnow() - timedelta(days=4))  # beyond mail_requeue_days (3)
    _set(db, expired, expires_at=utcnow() - timedelta(minutes=1))
    _set(db, hopeless, auto_requeues=MAX_AUTO_REQUEUES)

    # Nothing is requeued while nothing gets through.
    assert dispatcher.deliver_due() == 0
    assert _message(db, given_up).status == OutboxStatus.FAILED

    received = Mailbox()
    controller = Controller(received, hostname="127.0.0.1", port=dead_port)
    controller.start()
    try:
        _queue(db, "new@client.example")
        assert dispatcher.deliver_due() == 1  # the new one goes out...
        requeued = _message(db, given_up)
        assert (requeued.status, requeued.attempts, requeued.auto_requeues) == (
            OutboxStatus.PENDING,
            0,
            1,
        )
        assert requeued.failed_at is None
        assert dispatcher.seconds_until_due() == MIN_WAIT_SECONDS
        assert dispatcher.deliver_due() == 1  # ...and then what was given up
        received.wait_for("outage@client.example")
    finally:
        controller.stop()
    assert _message(db, given_up).status == OutboxStatus.SENT
    for message_id in (too_old, expired, hopeless):
        assert _message(db, message_id).status == OutboxStatus.FAILED
    assert sorted(m["To"] for m in received.messages) == [
        "new@client.example",
        "outage@client.example",
    ]


def test_when_smtp_answers_again_the_probe_requeues_what_was_given_up(
    db: RollbackDatabase, dead_port: int
) -> None:
    """Nothing else is sent and nobody presses a button: the dispatcher's probe (a connection
    and NOOP, no message spent) notices the server is back and the given-up mail goes out."""
    dispatcher = MailDispatcher(db, _settings(dead_port, mail_max_attempts=1))
    given_up = _queue(db, "quiet@client.example")
    assert dispatcher.deliver_due() == 0
    assert _message(db, given_up).status == OutboxStatus.FAILED

    assert dispatcher.probe_smtp() == 0  # still down: nothing changes
    assert _message(db, given_up).status == OutboxStatus.FAILED

    received = Mailbox()
    controller = Controller(received, hostname="127.0.0.1", port=dead_port)
    controller.start()
    try:
        assert dispatcher.probe_smtp() == 1
        assert received.messages == [], "the probe itself sends nothing"
        assert _message(db, given_up).status == OutboxStatus.PENDING
        assert dispatcher.deliver_due() == 1
        received.wait_for("quiet@client.example")
        assert dispatcher.probe_smtp() == 0  # nothing is left to requeue
    finally:
        controller.stop()
    assert _message(db, given_up).status == OutboxStatus.SENT


def test_the_dispatcher_thread_probes_on_its_own(db: RollbackDatabase, dead_port: int) -> None:
    """The running dispatcher probes every ``mail_probe_seconds`` while mail is given up."""
    dispatcher = MailDispatcher(
        db, _settings(dead_port, mail_max_attempts=1, mail_probe_seconds=0.1)
    )
    given_up = _queue(db, "later@client.example")
    assert dispatcher.deliver_due() == 0
    received = Mailbox()
    controller = Controller(received, hostname="127.0.0.1", port=dead_port)
    controller.start()
    dispatcher.start()
    try:
        received.wait_for("later@client.example", timeout=30)
    finally:
        dispatcher.stop()
        controller.stop()
    assert _message(db, given_up).status == OutboxStatus.SENT


# --------------------------------------------------------------------------------------------
# The permission
# --------------------------------------------------------------------------------------------


def test_sending_again_is_decided_by_the_policy(db: RollbackDatabase) -> None:
    with db.session() as s:
        workspace = factories.make_workspace(s, "Vendor")
        admin = factories.make_user(s, workspace=workspace, admin=True, password=None)
        account = factories.make_account(s, admin=admin)
        people = {}
        for role in (Role.LEAD, Role.TEAM, Role.MENTOR, Role.SPONSOR):
            vendor = role.side.value == "vendor"
            people[role] = factories.make_user(
                s, workspace=workspace if vendor else None, password=None
            )
            factories.add_member(s, account=account, user=people[role], role=role, by=admin)
        memberships = {
            role: accounts_repo.active_membership(
                s, account_id=account.id or 0, user_id=user.id or 0
            )
            for role, user in people.items()
        }
        sent_by_team = OutboxMessage(
            to_address="x@client.example",
            subject="s",
            body_text="b",
            sender_id=people[Role.TEAM].id,
        )
        sent_by_admin = OutboxMessage(
            to_address="y@client.example", subject="s", body_text="b", sender_id=admin.id
        )

        def decision(role: Role | None, message: OutboxMessage) -> Decision:
            user = admin if role is None else people[role]
            access = AccountAccess(
                account=account,
                membership=None if role is None else memberships[role],
                is_workspace_admin=role is None,
            )
            return decide(Actor.of(user), access, Verb.MAIL_SEND_AGAIN, message)

        # The person who sent it, whatever their vendor role now; the lead and admins: any.
        assert decision(Role.TEAM, sent_by_team) is Decision.ALLOW
        assert decision(Role.LEAD, sent_by_admin) is Decision.ALLOW
        assert decision(None, sent_by_team) is Decision.ALLOW
        assert decision(Role.TEAM, sent_by_admin) is Decision.FORBIDDEN
        assert decision(Role.MENTOR, sent_by_admin) is Decision.FORBIDDEN
        # The client side: mail is internal, it cannot even learn of it.
        assert decision(Role.SPONSOR, sent_by_admin) is Decision.NOT_FOUND
        s.rollback()
