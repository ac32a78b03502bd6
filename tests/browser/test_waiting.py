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
