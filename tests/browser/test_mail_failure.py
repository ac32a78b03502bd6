"""An invitation whose e-mail could not be delivered, in a real browser: the lead sees it on the
invitation list and sends it again in place (htmx); it reaches the SMTP server once it is back.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect
from sqlmodel import select

from app.models import OutboxMessage, OutboxStatus
from tests import test_mail_failures
from tests.browser.support import SameDocument, account_id, sign_in
from tests.live import LiveServer
from tests.test_mail_failures import FlakySmtp

# The SMTP server that can be down, and the live server's short retries.
smtp = test_mail_failures.smtp
live_settings = test_mail_failures.live_settings

INVITEE = "olga.offline@harbor.example"


def wait_for_status(live: LiveServer, status: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with live.db.session(writes=False) as s:
            row = s.exec(select(OutboxMessage).where(OutboxMessage.to_address == INVITEE)).one()
        if row.status == status:
            return
        assert time.monotonic() < deadline, f"the invitation's e-mail is {row.status}"
        time.sleep(0.05)


def test_lead_sends_an_undelivered_invitation_again(
    demo_data: LiveServer, smtp: FlakySmtp, page: Page
) -> None:
    smtp.down = True
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    panel = page.locator("#invite-panel")
    panel.get_by_label("E-mail address").fill(INVITEE)
    panel.get_by_label("Role").select_option(label="Client member")
    panel.get_by_role("button", name="Send invitation").click()
    expect(panel.get_by_role("status")).to_have_text(f"Invitation sent to {INVITEE}.")
    wait_for_status(demo_data, OutboxStatus.FAILED)

    page.reload()
    item = page.locator("#invite-panel").get_by_role("listitem").filter(has_text=INVITEE)
    expect(item).to_contain_text("e-mail not delivered")
    expect(item).to_contain_text("451")
    expect(item).not_to_contain_text("expires")

    smtp.down = False
    same = SameDocument(page)
    item.get_by_role("button", name="Send again").click()
    panel = page.locator("#invite-panel")
    expect(panel.get_by_role("status")).to_have_text(
        f"The invitation e-mail to {INVITEE} is being sent again."
    )
    same.check()
    message = smtp.wait_for(to=INVITEE, timeout=30)
    assert message["Subject"] == "Lena Lead invited you to the Harbor Logistics account plan"
    wait_for_status(demo_data, OutboxStatus.SENT)

    page.reload()
    item = page.locator("#invite-panel").get_by_role("listitem").filter(has_text=INVITEE)
    expect(item).to_contain_text("expires on")  # a week from now
    expect(item).not_to_contain_text("not delivered")
    expect(item.get_by_role("button", name="Send again")).to_have_count(0)
