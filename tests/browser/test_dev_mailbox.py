"""The account takeover of issue 9, tried in a browser against the app as ``make run`` starts it
(development, no SMTP, the development mailbox turned on): a stranger asks for the admin's
password reset and opens /dev/mailbox; a client member tries too; only the workspace admin, on
this machine, reads the mail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.config import Settings
from tests.browser.support import NewContext, sign_in
from tests.live import LiveServer, free_port

ADMIN = "admin@brightwell.example"


@pytest.fixture
def live_settings() -> Settings:
    port = free_port()
    return Settings(
        environment="development",
        dev_mailbox=True,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="l" * 64,
        database_url="sqlite://",
        smtp_host="",
    )


def test_only_the_workspace_admin_on_this_machine_reads_the_mailbox(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    stranger = new_context().new_page()
    stranger.goto("/password/forgot")
    stranger.get_by_label("E-mail address").fill(ADMIN)
    stranger.get_by_role("button", name="Send the link").click()
    expect(stranger.get_by_role("status")).to_contain_text("is on its way")
    answer = stranger.goto("/dev/mailbox")
    assert answer is not None
    assert answer.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(stranger.locator("a[href*='/password/reset/']")).to_have_count(0)
    expect(stranger.get_by_role("link", name="Development mailbox")).to_have_count(0)

    member = new_context().new_page()
    sign_in(member, "member@harbor.example")
    expect(member.get_by_role("link", name="Development mailbox")).to_have_count(0)
    answer = member.goto("/dev/mailbox")
    assert answer is not None
    assert answer.status == 404
    expect(member.locator("a[href*='/password/reset/']")).to_have_count(0)

    admin = new_context().new_page()
    sign_in(admin, ADMIN)
    admin.get_by_role("link", name="Development mailbox").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Development mailbox")
    expect(admin.locator("a[href*='/password/reset/']").first).to_be_visible()
