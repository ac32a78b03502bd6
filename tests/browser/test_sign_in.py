"""Every demo person signs in through the form, sees the home page their side expects, signs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app import demo
from tests.browser.support import sign_in
from tests.live import LiveServer

CLIENTS = {"sponsor@harbor.example", "member@harbor.example", "viewer@harbor.example"}
OTHER_WORKSPACE = "admin@kestrel.example"


@pytest.mark.parametrize(("email", "name"), [(e, n) for e, n, _ in demo.PEOPLE])
def test_each_demo_person_signs_in_sees_their_home_and_signs_out(
    demo_data: LiveServer, page: Page, email: str, name: str
) -> None:
    sign_in(page, email)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    main = page.locator("main")
    headings = main.get_by_role("heading", level=2)
    waiting = re.compile(r"^Waiting for you")  # first, on every home (with its count)
    if email in CLIENTS:
        expect(headings).to_have_text([waiting, "Your plans"])
        plans = main.locator("section", has=page.get_by_role("heading", name="Your plans"))
        expect(plans.get_by_role("link", name="Harbor Logistics")).to_be_visible()
    else:
        expect(headings).to_have_text([waiting, "Accounts"])
        accounts = main.locator("section", has=page.get_by_role("heading", name="Accounts"))
        harbor = accounts.get_by_role("link", name="Harbor Logistics")
        if email == OTHER_WORKSPACE:
            expect(accounts.get_by_role("link", name="Northpeak Foods")).to_be_visible()
            expect(harbor).to_have_count(0)
            expect(page.get_by_text("Harbor Logistics")).to_have_count(0)
        else:
            expect(harbor).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=name)).to_be_visible()
    nav.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{demo_data.url}/login")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    # Signed out means signed out: the home page sends them back to the sign-in form.
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to Jointplan")).to_be_visible()
