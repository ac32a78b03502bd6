"""The invitation story: the lead invites a client person from the account page (htmx), the
e-mail reaches a real SMTP server, the invitee opens the link in their own browser and joins."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import NewContext, SameDocument, account_id, open_account, sign_in
from tests.live import LiveServer, Mailbox

NEWCOMER = "nora.newcomer@harbor.example"
NEWCOMER_NAME = "Nora Newcomer"
NEWCOMER_PASSWORD = "harbour-lights-2027"


def invite(page: Page, email: str, role: str) -> None:
    panel = page.locator("#invite-panel")
    panel.get_by_label("E-mail address").fill(email)
    panel.get_by_label("Role").select_option(label=role)
    panel.get_by_role("button", name="Send invitation").click()


def test_lead_invites_a_client_member_who_joins_from_the_email(
    demo_data: LiveServer, mailbox: Mailbox, page: Page, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    open_account(page, "Harbor Logistics")
    expect(page).to_have_url(f"{demo_data.url}/accounts/{harbor}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account and members")

    # The htmx form replaces the invitations panel in place and says what happened.
    same = SameDocument(page)
    invite(page, NEWCOMER, "Client member")
    panel = page.locator("#invite-panel")
    expect(panel.get_by_role("status")).to_have_text(f"Invitation sent to {NEWCOMER}.")
    expect(panel.get_by_role("listitem").filter(has_text=NEWCOMER)).to_contain_text("Client member")
    expect(panel.get_by_label("E-mail address")).to_have_value("")
    same.check()

    # A second invitation to the same address is refused inline, keeping what was typed.
    invite(page, NEWCOMER, "Client member")
    email_field = panel.get_by_label("E-mail address")
    expect(email_field).to_have_attribute("aria-invalid", "true")
    expect(email_field).to_have_value(NEWCOMER)
    expect(email_field).to_be_focused()
    expect(panel.locator("#f-email-error")).to_contain_text(f"{NEWCOMER} was already invited")
    expect(panel.get_by_role("status")).to_have_count(0)
    expect(panel.get_by_role("listitem").filter(has_text=NEWCOMER)).to_have_count(1)
    same.check()

    # The e-mail went through real SMTP and carries a working link.
    message = mailbox.wait_for(to=NEWCOMER)
    assert message["Subject"] == "Lena Lead invited you to the Harbor Logistics account plan"
    match = re.search(rf"{re.escape(demo_data.url)}/invitations/\S+", mailbox.body(message))
    assert match, mailbox.body(message)
    link = match.group(0)

    # The invitee, in a browser of their own, accepts and lands on the account as a member.
    invitee = new_context().new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(
        "Join the Harbor Logistics account plan"
    )
    expect(invitee.locator("main")).to_contain_text(f"This invitation is for {NEWCOMER}.")
    invitee.get_by_label("Your name").fill(NEWCOMER_NAME)
    invitee.get_by_label("Choose a password").fill(NEWCOMER_PASSWORD)
    invitee.get_by_label("The password again").fill(NEWCOMER_PASSWORD)
    invitee.get_by_role("button", name="Accept and create my login").click()

    # A client contributor goes on to the first visit's short path (tests/browser/
    # test_first_visit.py); the account page is one link away.
    expect(invitee).to_have_url(f"{demo_data.url}/accounts/{harbor}/welcome")
    expect(invitee.get_by_role("status").first).to_have_text(
        "Welcome to the Harbor Logistics account plan."
    )
    invitee.goto(f"/accounts/{harbor}")
    expect(invitee.get_by_role("navigation", name="Main")).to_contain_text(NEWCOMER_NAME)
    expect(invitee.locator(".page-head")).to_contain_text("your role: Client member")
    members = invitee.locator("#members")
    expect(members.get_by_role("heading", name="Members")).to_be_visible()
    newcomer_row = members.get_by_role("row").filter(has_text=NEWCOMER)
    expect(newcomer_row).to_contain_text(NEWCOMER_NAME)
    expect(newcomer_row).to_contain_text("Client member")
    expect(members.get_by_role("row").filter(has_text="Lena Lead")).to_be_visible()
    # A client member reads the members list but manages nothing and sees no invitations.
    expect(members.get_by_role("button")).to_have_count(0)
    expect(invitee.locator("#invite-panel")).to_have_count(0)

    # Back in the lead's browser: the newcomer is a member now, so inviting again says so.
    invite(page, NEWCOMER, "Client member")
    expect(panel.locator("#f-email-error")).to_have_text(
        f"{NEWCOMER} is already a member of this account."
    )
    expect(panel.get_by_label("E-mail address")).to_have_value(NEWCOMER)
    same.check()
    page.reload()
    expect(page.locator("#members").get_by_role("row").filter(has_text=NEWCOMER)).to_be_visible()
    expect(page.locator("#invite-panel").get_by_text(NEWCOMER)).to_have_count(0)
