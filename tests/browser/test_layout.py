"""The pages fit a phone: no sideways scrolling, and the members table becomes stacked rows.

Both tests leave screenshots of the account page in ``test-artifacts/`` to look at.
"""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect

from tests.browser.support import ARTIFACTS, DESKTOP, PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer

STACKING = """(table) => {
  const rows = [...table.querySelectorAll("tbody tr:not(.group-row)")];
  return {
    thead: getComputedStyle(table.querySelector("thead")).display,
    rows: rows.map((row) => ({
      display: getComputedStyle(row).display,
      cells: [...row.querySelectorAll("td")].map((td) => {
        const box = td.getBoundingClientRect();
        return {display: getComputedStyle(td).display, top: box.top, bottom: box.bottom,
                left: box.left, right: box.right};
      }),
    })),
  };
}"""


def assert_no_horizontal_scroll(page: Page, what: str) -> None:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{what}: the page is {width}px wide in a {inner}px window"
    # A phone browser zooms out to fit content that is too wide, widening innerWidth with it.
    assert page.viewport_size is not None
    assert inner == page.viewport_size["width"], f"{what}: zoomed out to {inner}px"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def test_phone_pages_fit_the_screen_and_the_members_table_stacks(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()

    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in to Jointplan")).to_be_visible()
    assert_no_horizontal_scroll(page, "sign-in page")
    screenshot(page, "login-phone.png")

    sign_in(page, "lead@brightwell.example")
    assert_no_horizontal_scroll(page, "home page")
    page.goto(f"/accounts/{harbor}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account and members")
    assert_no_horizontal_scroll(page, "account page")

    table = page.locator("#members table")
    layout = table.evaluate(STACKING)
    assert layout["thead"] == "none"
    assert len(layout["rows"]) == 6
    for row in layout["rows"]:
        assert row["display"] == "block", row
        cells = row["cells"]
        assert all(cell["display"] == "block" for cell in cells), row
        for above, below in itertools.pairwise(cells):
            assert below["top"] >= above["bottom"] - 1, row  # one under the other
        assert all(cell["left"] >= 0 and cell["right"] <= PHONE["width"] for cell in cells), row
    # Stacked cells say what they are.
    label = table.locator("td[data-label='E-mail']").first.evaluate(
        "(td) => getComputedStyle(td, '::before').content"
    )
    assert "E-mail" in label, label
    screenshot(page, "account-phone.png")

    # A long address, and an error in the invitation form, must not widen the page either.
    page.locator("#invite-panel").get_by_label("E-mail address").fill(
        "averyveryverylongaddressthatkeepsgoingandgoing@clientwithaverylongdomainname.example"
    )
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invite-panel").get_by_role("status")).to_be_visible()
    assert_no_horizontal_scroll(page, "account page with a long address in the invitations")
    page.locator("#invite-panel").get_by_label("E-mail address").fill("member@harbor.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#f-email-error")).to_be_visible()
    assert_no_horizontal_scroll(page, "account page with an invitation and an error")
    screenshot(page, "account-phone-invite-error.png")

    # The client side's view of the same account fits too.
    client = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(client, "member@harbor.example")
    assert_no_horizontal_scroll(client, "client home page")
    client.goto(f"/accounts/{harbor}")
    assert_no_horizontal_scroll(client, "client account page")
    screenshot(client, "account-phone-client.png")


def test_desktop_account_page_keeps_the_table(demo_data: LiveServer, page: Page) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    assert page.viewport_size == DESKTOP
    assert_no_horizontal_scroll(page, "desktop account page")
    layout = page.locator("#members table").evaluate(STACKING)
    assert layout["thead"] == "table-header-group"
    assert {row["display"] for row in layout["rows"]} == {"table-row"}
    screenshot(page, "account-desktop.png")


def test_a_person_chooses_their_time_zone_on_a_phone_and_reads_times_in_it(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    """The viewer chose no zone: they read times in Brightwell's (the workspace of the account
    they joined); they choose Tokyo on their profile, and the plan's times follow."""
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "viewer@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")
    shown = page.locator("main time[title]").first
    expect(shown).to_have_attribute("title", re.compile(r" (GMT|BST)$"))

    page.goto("/me")
    assert_no_horizontal_scroll(page, "profile page")
    zone = page.get_by_label("Time zone")
    expect(zone.locator("option:checked")).to_have_text(
        "The default: Europe/London, the zone of the first account you joined"
    )
    zone.select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("status")).to_contain_text("Your time zone is now Asia/Tokyo")
    expect(zone).to_have_value("Asia/Tokyo")
    assert_no_horizontal_scroll(page, "profile page after saving")

    page.goto(f"/accounts/{harbor}/plan")
    expect(shown).to_have_attribute("title", re.compile(r" JST$"))
    expect(shown.locator(".visually-hidden")).to_have_text(re.compile(r"^ \(.* JST\)$"))
