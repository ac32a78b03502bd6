"""A first visit that takes a minute (issue 12, point 2), on a phone (390x844) at a human pace:
a lead invites a new client person, the e-mail arrives over real SMTP, the person accepts,
states three priorities and rates the relationship, and reads them on the plan. At most three
page loads counting the invitation page, the first input in view without scrolling, and no
more than 60 seconds."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page, expect

from tests.browser.support import ARTIFACTS, PHONE, NewContext, account_id, settled, sign_in
from tests.live import LiveServer, Mailbox

NEWCOMER = "fiona.first@harbor.example"
NAME = "Fiona First"
PASSWORD = "harbour-tide-2027"
PRIORITIES = ("Faster customs", "Cheaper freight", "Fewer delays")
KEY_DELAY_MS = 200  # five characters a second
BEFORE_CLICK_MS = 1000  # a second to find each button


def type_slowly(field: Locator, text: str) -> None:
    field.click()
    field.press_sequentially(text, delay=KEY_DELAY_MS)


def click_slowly(page: Page, target: Locator) -> None:
    page.wait_for_timeout(BEFORE_CLICK_MS)
    target.click()


def in_view_without_scrolling(page: Page, field: Locator) -> None:
    assert page.evaluate("window.scrollY") == 0
    box = field.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"], box


def shoot(page: Page, name: str) -> None:
    """A screenshot for a reviewer to look at (not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def invitation_link(demo_data: LiveServer, mailbox: Mailbox, page: Page) -> str:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    panel = page.locator("#invite-panel")
    panel.get_by_label("E-mail address").fill(NEWCOMER)
    panel.get_by_label("Role").select_option(label="Client member")
    panel.get_by_role("button", name="Send invitation").click()
    expect(panel.get_by_role("status")).to_have_text(f"Invitation sent to {NEWCOMER}.")
    message = mailbox.wait_for(to=NEWCOMER)
    found = re.search(rf"{re.escape(demo_data.url)}/invitations/\S+", mailbox.body(message))
    assert found, mailbox.body(message)
    return found.group(0)


def test_a_new_client_states_priorities_and_value_within_a_minute_on_a_phone(
    demo_data: LiveServer, mailbox: Mailbox, page: Page, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    link = invitation_link(demo_data, mailbox, page)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    loads: list[str] = []
    phone.on("load", lambda: loads.append(phone.url))
    started = time.monotonic()

    # 1. The invitation page: name and password, as the app asks of a new person.
    phone.goto(link)
    name = phone.get_by_label("Your name")
    in_view_without_scrolling(phone, name)
    type_slowly(name, NAME)
    type_slowly(phone.get_by_label("Choose a password"), PASSWORD)
    type_slowly(phone.get_by_label("The password again"), PASSWORD)
    click_slowly(phone, phone.get_by_role("button", name="Accept and create my login"))

    # 2. Straight to the short path: the first priority's box is in view, no scrolling.
    expect(phone).to_have_url(f"{demo_data.url}/accounts/{harbor}/welcome")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your top priorities")
    first = phone.get_by_label("Priority 1", exact=True)
    in_view_without_scrolling(phone, first)
    shoot(phone, "first-visit-step-1-phone")
    for number, title in enumerate(PRIORITIES, start=1):
        type_slowly(phone.get_by_label(f"Priority {number}", exact=True), title)
    click_slowly(phone, phone.get_by_role("button", name="Save and continue"))

    # Step 2 swaps in on the same page.
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "How valuable is this relationship to you?"
    )
    expect(phone).to_have_url(f"{demo_data.url}/accounts/{harbor}/welcome/value")
    settled(phone)
    shoot(phone, "first-visit-step-2-phone")
    today = phone.get_by_role("group", name=re.compile("^Today, overall"))
    click_slowly(phone, today.get_by_role("radio", name="8", exact=True))
    click_slowly(phone, phone.get_by_role("button", name="Save and open the plan"))

    # 3. The plan, with what was stated.
    expect(phone).to_have_url(f"{demo_data.url}/accounts/{harbor}/plan")
    expect(phone.get_by_role("status").first).to_contain_text("your rating of 8 out of 10")
    elapsed = time.monotonic() - started
    priorities = phone.locator("#priorities")
    for title in PRIORITIES:
        expect(priorities).to_contain_text(title)
    expect(phone.locator("#value .value-number")).to_have_text("8")
    expect(phone.get_by_text("Finish setting up your plan")).to_have_count(0)

    assert len(loads) <= 3, loads
    assert elapsed <= 60, f"the first visit took {elapsed:.0f} s"


def test_a_new_client_who_skips_is_offered_to_finish_on_the_plan(
    demo_data: LiveServer, mailbox: Mailbox, page: Page, new_context: NewContext
) -> None:
    """Without JavaScript: plain forms, redirects; "Skip for now" moves on, and the plan offers
    to finish until the path is done."""
    harbor = account_id(demo_data.db, "Harbor Logistics")
    link = invitation_link(demo_data, mailbox, page)
    phone = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    phone.goto(link)
    phone.get_by_label("Your name").fill(NAME)
    phone.get_by_label("Choose a password").fill(PASSWORD)
    phone.get_by_label("The password again").fill(PASSWORD)
    phone.get_by_role("button", name="Accept and create my login").click()
    expect(phone).to_have_url(f"{demo_data.url}/accounts/{harbor}/welcome")

    # Too few: refused, what was typed kept.
    phone.get_by_label("Priority 1", exact=True).fill("Only this one")
    phone.get_by_label("Place of priority 1").fill("7")
    phone.get_by_role("button", name="Save and continue").click()
    expect(phone.locator("#w-order-one-error")).to_have_text("Give a place from 1 to 5.")
    expect(phone.get_by_label("Priority 1", exact=True)).to_have_value("Only this one")

    phone.get_by_role("button", name="Skip for now").click()
    expect(phone).to_have_url(f"{demo_data.url}/accounts/{harbor}/welcome/value")
    phone.goto(f"/accounts/{harbor}/plan")
    resume = phone.get_by_role("link", name="Finish setting up your plan")
    expect(resume).to_have_attribute("href", f"/accounts/{harbor}/welcome/value")
    resume.click()
    today = phone.get_by_role("group", name=re.compile("^Today, overall"))
    today.get_by_role("radio", name="6", exact=True).check()
    phone.get_by_label(re.compile(r"^What must Brightwell .* do to succeed with you\?")).fill(
        "Call us first"
    )
    phone.get_by_role("button", name="Save and open the plan").click()
    expect(phone).to_have_url(f"{demo_data.url}/accounts/{harbor}/plan")
    expect(phone.locator("#value")).to_contain_text("Call us first")
    expect(phone.get_by_role("link", name="Finish setting up your plan")).to_have_count(0)
