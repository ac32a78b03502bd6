"""A workspace admin makes a webhook endpoint on a phone: the form's errors keep what was
typed, the secret is shown once, the endpoint's page lists its deliveries and fits the screen,
and "Send again" asks first. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from app.config import Settings
from app.models import User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.webhooks.dispatcher import WebhookDispatcher
from tests.browser.support import ARTIFACTS, PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer, Mailbox, free_port
from tests.webhook_receiver import Receiver, receiver

ADMIN = "admin@brightwell.example"


@pytest.fixture
def live_settings(mailbox: Mailbox) -> Settings:
    """The live server's settings, with webhooks allowed to this machine (the receiver)."""
    return Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{free_port()}",
        secret_key="l" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
        webhook_allow_local=True,
    )


def fits(page: Page, what: str) -> None:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{what}: the page is {width}px wide in a {inner}px window"
    assert inner == PHONE["width"], f"{what}: zoomed out to {inner}px"


def _an_event(live: LiveServer, hook: Receiver) -> None:
    """A priority added to Harbor Logistics' plan, and the dispatcher's round that sends it."""
    harbor = account_id(live.db, "Harbor Logistics")
    with live.db.session() as session:
        admin = session.exec(select(User).where(User.email == ADMIN)).one()
        plan = plans_repo.current(session, account_id=harbor)
        assert plan is not None
        values = PriorityValues(title="Webhook priority")
        priorities.create(session, actor=admin, plan=plan, values=values)
        session.commit()
    WebhookDispatcher(live.db, live.settings).deliver_due()
    assert len(hook.received) == 1


def test_an_admin_makes_a_webhook_on_a_phone_and_sends_an_event_again(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, ADMIN)
    page.goto("/admin/webhooks")
    expect(page.get_by_text("No webhooks yet")).to_be_visible()
    page.get_by_role("link", name="New endpoint").click()
    kind = page.get_by_role("checkbox", name=re.compile("Priorities and the vendor"))
    kind.check()
    page.get_by_label("Address").fill("https://10.0.0.1/hooks")
    page.get_by_role("button", name="Make the endpoint").click()
    expect(page.locator("#w-url-error")).to_contain_text("private network")
    expect(page.get_by_label("Address")).to_have_value("https://10.0.0.1/hooks")
    expect(kind).to_be_checked()
    fits(page, "the form with an error")

    with receiver() as hook:
        long_url = hook.url + "/a-rather-long-path/that-goes-on/" + "x" * 60
        page.get_by_label("Address").fill(long_url)
        page.get_by_role("button", name="Make the endpoint").click()
        expect(page.get_by_role("heading", name="The endpoint is made")).to_be_visible()
        secret = page.locator("#webhook-secret").input_value()
        assert secret.startswith("whsec_")
        fits(page, "the secret")
        page.get_by_role("link", name="Done").click()
        expect(page.get_by_text("Nothing was sent to this endpoint yet")).to_be_visible()

        _an_event(demo_data, hook)
        page.reload()
        row = page.locator("tr[id^=delivery-]")
        expect(row).to_contain_text("priority.created")
        expect(row).to_contain_text("HTTP 200")
        fits(page, "the endpoint's page")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "webhook-phone.png", full_page=True)
        assert secret not in page.content()

        questions: list[str] = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        row.get_by_role("button", name="Send again").click()
        expect(page.get_by_text("The event is being sent again.")).to_be_visible()
        assert questions
        assert "again" in questions[0]
        # The server's dispatcher was woken when the request committed.
        deadline = time.monotonic() + 10
        while len(hook.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(hook.received) == 2
        assert hook.received[0].body == hook.received[1].body
