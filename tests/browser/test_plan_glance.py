"""The plan at a glance on a phone (issue 12, point 3): as the demo's client sponsor at 390x844
the summary and its "Waiting for you" are on the first screen; with every section folded the
page is at most a third of its old height (16,100 px); a link to an item of a folded section
opens it; an item's More menu works from the keyboard, and its Remove still asks first."""

from __future__ import annotations

import re

from playwright.sync_api import Dialog, expect

from tests.browser.support import ARTIFACTS, PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer

SCREEN = PHONE["height"]
FOLDED_MAX = 16_100 // 3  # 5,366 px


def test_the_sponsor_sees_the_summary_first_and_the_folded_plan_is_short(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")

    summary = page.locator("#summary")
    expect(summary.get_by_role("heading", name="At a glance")).to_be_visible()
    waiting = page.locator("#summary-waiting")
    expect(
        waiting.get_by_role("heading", name=re.compile(r"^Waiting for you here"))
    ).to_be_visible()
    box = waiting.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= SCREEN, f"'Waiting for you' ends at {box}"
    # A client's summary has no focus figure.
    expect(summary.locator("[data-figure]")).to_have_count(0)

    page.goto(f"/accounts/{harbor}/plan?fold=all")
    expect(page.locator("details.fold[open]")).to_have_count(0)
    height = page.evaluate("document.scrollingElement.scrollHeight")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "plan-folded-phone.png", full_page=True)
    assert height <= FOLDED_MAX, f"the folded plan is {height}px tall"

    # A link of the summary to a priority opens the folded section it is in.
    first = summary.locator("ol.summary-list a").first
    title = first.inner_text()
    first.click()
    priorities = page.locator("#priorities")
    expect(priorities.locator("details.fold")).to_have_attribute("open", "")
    expect(priorities.get_by_role("heading", name=title, exact=True)).to_be_visible()

    # The section nav of the folded page opens the section it names.
    page.locator(".plan-nav").get_by_role("link", name="Value").click()
    expect(page.locator("#value details.fold")).to_have_attribute("open", "")
    expect(page.locator("#priorities details.fold")).not_to_have_attribute("open", "")


def test_an_items_more_menu_opens_by_keyboard_and_its_remove_still_asks(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")

    item = page.locator("#priorities ol.priorities > li").first
    title = item.get_by_role("heading", level=3).inner_text()
    more = item.locator("details.menu > summary")
    expect(more).to_have_attribute("aria-label", f"More for “{title}”")
    remove = item.get_by_role("button", name="Remove")
    expect(remove).to_be_hidden()
    more.focus()
    page.keyboard.press("Enter")
    expect(remove).to_be_visible()
    expect(item.get_by_role("link", name="Edit")).to_be_visible()
    # Escape closes it and gives the keyboard back to "More".
    page.keyboard.press("Escape")
    expect(remove).to_be_hidden()
    expect(more).to_be_focused()

    page.keyboard.press("Enter")
    questions: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    remove.focus()
    page.keyboard.press("Enter")
    expect(item.get_by_role("heading", level=3)).to_have_text(title)
    page.wait_for_timeout(300)  # a request would have gone by now
    assert questions == [f"Remove the priority “{title}”?"]
    expect(page.locator("#priorities ol.priorities > li").first).to_contain_text(title)


def test_a_section_the_person_folds_stays_folded_on_their_next_visit(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")
    strategy = page.locator("#strategy details.fold")
    expect(strategy).to_have_attribute("open", "")
    strategy.locator("> summary").click()
    expect(strategy).not_to_have_attribute("open", "")
    page.reload()
    expect(page.locator("#strategy details.fold")).not_to_have_attribute("open", "")
    expect(page.locator("#value details.fold")).to_have_attribute("open", "")
    # A link to it opens it again.
    page.locator(".plan-nav").get_by_role("link", name="Strategy").click()
    expect(page.locator("#strategy details.fold")).to_have_attribute("open", "")


def test_done_actions_are_fetched_when_their_list_opens(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    """Closed actions are not rendered with the page: opening their list fetches them once
    through the section's own route (issue 13: nothing rendered the reader has not opened)."""
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    closed = page.locator("#actions-closed")
    toggle = closed.locator(":scope > summary")
    expect(closed.locator("li.action")).to_have_count(0)
    counted = re.search(r"\((\d+)\)", toggle.inner_text())
    assert counted is not None
    with page.expect_response(re.compile(r"/plan/sections/actions\?closed=1$")) as fetched:
        toggle.click()
    assert fetched.value.status == 200
    expect(closed.locator("li.action")).to_have_count(int(counted.group(1)))
    # Closing and opening again fetches nothing more.
    toggle.click()
    toggle.click()
    expect(closed.locator("li.action")).to_have_count(int(counted.group(1)))
