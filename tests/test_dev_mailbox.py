"""The development mailbox shows every e-mail, password-reset links included, so it must be
impossible to reach by accident: it exists only when turned on (``JP_DEV_MAILBOX=1``) in
development without SMTP, and then answers only a workspace admin on the loopback address.
Everyone else gets the 404 of an unknown address. Without it and without SMTP, mail stays
queued (never lost) and the server says so once."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.config import Settings
from app.mail.dispatcher import MailDispatcher
from app.main import create_app
from app.models import OutboxMessage, OutboxStatus, User
from tests.conftest import CSRF, RollbackDatabase
from tests.factories import World, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

LOOPBACK = ("127.0.0.1", 50000)
LOOPBACK_V6 = ("::1", 50000)
ELSEWHERE = ("192.0.2.10", 50000)
RESET_LINK = re.compile(r"http://testserver/password/reset/[\w-]+")


def _settings(**given: object) -> Settings:
    """Development as the README starts it (no SMTP), with ``given`` on top."""
    values: dict[str, object] = {
        "environment": "development",
        "base_url": "http://testserver",
        "secret_key": "d" * 64,
        "smtp_host": "",
    }
    return Settings(**(values | given))


def _browser(app: FastAPI, client: tuple[str, int] = LOOPBACK) -> TestClient:
    browser = TestClient(app, base_url="http://testserver", follow_redirects=False, client=client)
    browser.cookies.set("jp_csrf", CSRF)
    return browser


def _ask_for_reset(app: FastAPI, db: RollbackDatabase, settings: Settings, email: str) -> None:
    """An anonymous visitor asks for someone's password reset; the dispatcher runs."""
    with _browser(app) as anonymous:
        asked = anonymous.post(
            "/password/forgot", data={"email": email}, headers={"X-CSRF-Token": CSRF}
        )
    assert asked.status_code == 200
    MailDispatcher(db, settings).deliver_due()


def test_the_account_takeover_of_issue_9_fails(db: RollbackDatabase, world: World) -> None:
    """Started as the README says (development, no SMTP), an anonymous visitor asks for the
    admin's password reset and opens /dev/mailbox: not found, and no link anywhere."""
    settings = _settings()
    app = create_app(settings, db, run_mailer=False)
    _ask_for_reset(app, db, settings, world.admin.email)
    with _browser(app) as anonymous:
        page = anonymous.get("/dev/mailbox")
        unknown = anonymous.get("/dev/no-such-page")
    assert page.status_code == 404
    assert unmasked(page.text) == unmasked(unknown.text)
    assert not RESET_LINK.search(page.text)
    assert "/dev/mailbox" not in page.text


def test_the_mailbox_is_off_unless_turned_on(
    db: RollbackDatabase, session: Session, world: World
) -> None:
    app = create_app(_settings(), db, run_mailer=False)
    with _browser(app) as admin:
        sign_in(admin, session, world.admin)
        assert admin.get("/dev/mailbox").status_code == 404
        home = admin.get("/")
    assert home.status_code == 200
    assert "/dev/mailbox" not in home.text


@pytest.mark.parametrize(
    ("who", "client", "headers"),
    [
        pytest.param(None, LOOPBACK, {}, id="anonymous-on-this-machine"),
        pytest.param("sponsor", LOOPBACK, {}, id="client-sponsor-on-this-machine"),
        pytest.param("lead", LOOPBACK, {}, id="account-lead-on-this-machine"),
        pytest.param("admin", ELSEWHERE, {}, id="workspace-admin-from-elsewhere"),
        pytest.param("admin", ("testclient", 50000), {}, id="workspace-admin-no-address"),
        pytest.param(
            "admin", LOOPBACK, {"X-Forwarded-For": "192.0.2.10"}, id="workspace-admin-via-proxy"
        ),
    ],
)
def test_when_on_everyone_else_gets_the_404_of_an_unknown_address(
    db: RollbackDatabase,
    session: Session,
    world: World,
    who: str | None,
    client: tuple[str, int],
    headers: dict[str, str],
) -> None:
    settings = _settings(dev_mailbox=True)  # as `make run` starts it
    app = create_app(settings, db, run_mailer=False)
    _ask_for_reset(app, db, settings, world.admin.email)
    with _browser(app, client) as browser:
        if who is not None:
            user = world.admin if who == "admin" else world.members[who]
            sign_in(browser, session, user)
        page = browser.get("/dev/mailbox", headers=headers)
        unknown = browser.get("/dev/no-such-page", headers=headers)
        home = browser.get("/login" if who is None else "/", headers=headers)
    assert page.status_code == 404
    assert unmasked(page.text) == unmasked(
        unknown.text
    )  # byte for byte: nothing tells that the page exists
    assert not RESET_LINK.search(page.text)
    assert "/dev/mailbox" not in home.text  # and no link to it


@pytest.mark.parametrize("client", [LOOPBACK, LOOPBACK_V6], ids=["ipv4", "ipv6"])
def test_when_on_a_workspace_admin_on_this_machine_reads_the_mail(
    db: RollbackDatabase, session: Session, world: World, client: tuple[str, int]
) -> None:
    settings = _settings(dev_mailbox=True)
    app = create_app(settings, db, run_mailer=False)
    _ask_for_reset(app, db, settings, world.members["member"].email)
    with _browser(app, client) as admin:
        sign_in(admin, session, world.admin)
        page = admin.get("/dev/mailbox")
        home = admin.get("/")
    assert page.status_code == 200
    assert re.search(r'<a href="http://testserver/password/reset/[\w-]+">', page.text)
    assert '<a href="/dev/mailbox">' in home.text
    sent = session.exec(select(OutboxMessage)).all()
    assert {(m.status, m.transport) for m in sent} == {(OutboxStatus.SENT, "dev-mailbox")}


def _admin_from_this_machine(app: FastAPI, session: Session, admin: User) -> int:
    with _browser(app) as browser:
        sign_in(browser, session, admin)
        return browser.get("/dev/mailbox").status_code


def test_the_mailbox_does_not_exist_outside_development(
    db: RollbackDatabase, session: Session, world: World
) -> None:
    app = create_app(_settings(environment="test", dev_mailbox=True), db, run_mailer=False)
    assert _admin_from_this_machine(app, session, world.admin) == 404


def test_the_mailbox_does_not_exist_when_smtp_is_configured(
    db: RollbackDatabase, session: Session, world: World
) -> None:
    settings = _settings(dev_mailbox=True, smtp_host="127.0.0.1", smtp_port=2525)
    app = create_app(settings, db, run_mailer=False)
    assert _admin_from_this_machine(app, session, world.admin) == 404


def test_without_smtp_or_mailbox_mail_stays_queued_and_the_log_says_so_once(
    db: RollbackDatabase, session: Session, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings()
    app = create_app(settings, db, run_mailer=False)
    dispatcher = MailDispatcher(db, settings)
    with caplog.at_level(logging.WARNING, logger="app.mail.dispatcher"):
        _ask_for_reset(app, db, settings, world.admin.email)  # runs a dispatcher of its own
        assert dispatcher.deliver_due() == 0
        assert dispatcher.deliver_due() == 0
    queued = session.exec(select(OutboxMessage)).all()
    assert queued
    assert {m.status for m in queued} == {OutboxStatus.PENDING}
    assert all(m.attempts == 0 for m in queued)
    said = [r.getMessage() for r in caplog.records if r.name == "app.mail.dispatcher"]
    # Once per dispatcher (one per server process): the helper's, then this one's.
    assert len(said) == 2
    assert said[0].startswith("e-mail is queued, not sent: JP_SMTP_HOST is not set")
    assert "JP_DEV_MAILBOX=1" in said[0]


def test_the_demo_sign_in_text_says_where_the_mailbox_is() -> None:
    from app import demo

    text = demo.sign_in_text("http://127.0.0.1:8000", dev_mailbox=True)
    assert "http://127.0.0.1:8000/dev/mailbox" in text
    assert demo.PEOPLE[0][0] in text
    assert "/dev/mailbox" not in demo.sign_in_text("http://127.0.0.1:8000")
