"""A period rollover in the browser (issue 11 §4): Lena Lead starts Harbor's FY2028, leaving
one open action behind after the confirmation says what carries over; the carried items are in
the new period, whose agreement is empty; FY2027 stays, read-only, for Sam Sponsor too (on a
phone)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer

PRIORITY = "Cut cost per delivery by 8%"
LEFT = "Give Brightwell read access to the Gothenburg dispatch database"


def test_lead_rolls_the_plan_over_and_the_old_period_stays_read_only(
    demo_data: LiveServer, page: Page, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    page.get_by_role("link", name="Start the next period").click()

    page.get_by_label("Name of the new period").fill("FY2028")
    page.get_by_label("First day").fill("2028-01-01")
    page.get_by_label("Last day").fill("2028-12-31")
    page.get_by_label(re.compile(f"Leave behind: {LEFT}")).check()
    page.get_by_role("button", name="Review what will carry over").click()

    # The confirmation says what will carry and what stays; nothing has changed yet.
    expect(page.get_by_role("heading", name="Start FY2028?")).to_be_visible()
    expect(page.locator(".carried-priority")).to_contain_text(PRIORITY)
    expect(page.locator(".left-action")).to_contain_text(LEFT)
    expect(page.locator(".carried-action")).not_to_contain_text(LEFT)
    page.get_by_role("button", name="Start FY2028 now").click()

    # The new period: carried items, a link back to their discussion, an empty agreement.
    expect(page).to_have_url(re.compile(f"/accounts/{harbor}/plan$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan FY2028")
    expect(page.get_by_text("Started the period FY2028.")).to_be_visible()
    expect(page.locator("#priorities")).to_contain_text(PRIORITY)
    expect(page.locator("#priorities .carried-from").first).to_contain_text(
        "Carried over from FY2027"
    )
    expect(page.locator("#agreement")).to_contain_text("Draft: not agreed yet.")
    expect(page.locator("#actions")).not_to_contain_text(LEFT)

    # The old period, from the switcher: as it was, read-only.
    page.get_by_role("navigation", name="Periods of the plan").get_by_role(
        "link", name="FY2027"
    ).click()
    expect(page).to_have_url(re.compile(f"/accounts/{harbor}/plans/\\d+$"))
    expect(page.locator("#period-closed")).to_contain_text("FY2027 is a closed period")
    expect(page.locator("#actions")).to_contain_text(LEFT)
    expect(page.locator("#agreement")).to_contain_text("Agreed as version 1")
    expect(page.get_by_role("heading", name="Add a priority")).to_have_count(0)
    expect(page.get_by_role("link", name="Start the next period")).to_have_count(0)
    expect(page.locator("#priorities").get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.locator("#actions").get_by_role("button")).to_have_count(0)
    old_period = page.url

    # Sam reads it too, on his phone: read-only, and it fits the screen.
    phone = new_context(viewport=PHONE).new_page()
    sign_in(phone, "sponsor@harbor.example")
    phone.goto(old_period)
    expect(phone.locator("#period-closed")).to_contain_text("FY2027 is a closed period")
    expect(phone.get_by_role("heading", name="Add a priority")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
