"""The demo sponsor's "Waiting for you" on a phone and a laptop: on the first screen, nothing
wider than the screen, and each item one keyboard press away from where it is answered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, DESKTOP, PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_the_sponsor_finds_what_waits_for_him_and_gets_there_by_keyboard(
    demo_data: LiveServer, new_context: NewContext, viewport: dict[str, int]
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=viewport).new_page()
    sign_in(page, "sponsor@harbor.example")

    waiting = page.locator("#waiting")
    expect(waiting.get_by_role("heading", name=re.compile("Waiting for you"))).to_be_in_viewport()
    expect(waiting.get_by_role("link", name="1 suggested priority to answer")).to_be_visible()
    expect(waiting.get_by_role("link", name="1 proposal to answer")).to_be_visible()
    expect(
        waiting.get_by_role("link", name="2 items about your company wait for your check")
    ).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the home is {width}px wide"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"waiting-home-{viewport['width']}.png", full_page=True)

    # Keyboard only: Tab to the suggestion itself, Enter, and the plan opens at it.
    suggestion = waiting.locator(".waiting-suggestions .waiting-items a").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if suggestion.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the suggestion's link is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/{harbor}/plan#suggestion-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{anchor}")).to_be_in_viewport()
    expect(
        page.locator(f"#{anchor}").get_by_role("button", name=re.compile("^Accept as worded"))
    ).to_be_visible()


def test_the_sponsor_answers_a_suggestion_and_a_check_from_the_home_on_a_phone(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, "sponsor@harbor.example")
    home = page.url
    waiting = page.locator("#waiting")
    suggestion = waiting.locator(".waiting-suggestions .waiting-items a").first
    title = suggestion.inner_text().strip()

    # Accept the suggestion where it stands: the panel comes back without it, the page stays.
    waiting.get_by_role("button", name=f"Accept: {title}").click()
    expect(waiting.get_by_role("status")).to_contain_text(f"Accepted “{title}” as priority")
    expect(page.locator("#toasts .toast")).to_contain_text(f"Accepted “{title}”")
    expect(waiting.locator(".waiting-suggestions")).to_have_count(0)
    assert page.url == home

    # Confirm an item about the company by keyboard: its count drops from 2 to 1.
    check = waiting.locator(".waiting-check .waiting-items li").first
    name = check.locator("a").first.inner_text().strip()
    confirm = waiting.get_by_role("button", name=f"Confirm: {name}")
    confirm.focus()
    page.keyboard.press("Enter")
    expect(waiting.get_by_role("status")).to_contain_text("Thank you: you confirmed")
    expect(
        waiting.get_by_role("link", name="1 item about your company waits for your check")
    ).to_be_visible()
    # The keyboard is not dropped at the top of the page: it is on the message.
    assert page.evaluate("document.activeElement.getAttribute('role')") == "status"

    # A correction needs a text: asked for in place, then sent.
    other = waiting.locator(".waiting-check .waiting-items li").first
    other_name = other.locator("a").first.inner_text().strip()
    waiting.locator("summary", has_text="Correct…").first.click()
    waiting.get_by_role("button", name=f"Send the correction: {other_name}").click()
    expect(waiting.locator('[aria-invalid="true"]')).to_have_count(1)
    waiting.get_by_role("textbox").first.fill("Our fleet is 140 trucks, not 120.")
    waiting.get_by_role("button", name=f"Send the correction: {other_name}").click()
    expect(waiting.get_by_role("status")).to_contain_text("your correction of")
    expect(waiting.locator(".waiting-check")).to_have_count(0)
    assert page.url == home
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the home is {width}px wide"
