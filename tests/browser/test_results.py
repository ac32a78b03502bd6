"""The account's own results in the browser (issue 15 §6), on the demo: Harbor's quarterly
actuals and its bid lost on price show on its Results page and on the portfolio; the lead
records the current quarter again with the keyboard, and the client side never gets the tab."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.support import DESKTOP, NewContext, account_id, sign_in
from tests.live import LiveServer


def test_quarterly_actuals_and_a_lost_bid_show_on_the_account_and_the_portfolio(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    lead = new_context(viewport=DESKTOP).new_page()
    sign_in(lead, "lead@brightwell.example")
    lead.goto(f"/accounts/{harbor}")
    nav = lead.get_by_role("navigation", name="Account pages")
    nav.get_by_role("link", name="Results").click()
    expect(lead.get_by_role("heading", name="Goals and results")).to_be_visible()
    chart = lead.get_by_role("img", name="Revenue per quarter against the goal")
    expect(chart).to_be_visible()
    bids = lead.locator("#bids")
    expect(bids.locator("tr", has_text="Returns-handling platform")).to_contain_text("Price")
    expect(bids).to_contain_text("Lost to Parcelnet")
    expect(bids.get_by_text("Price: 1 bid")).to_be_visible()

    # The current quarter corrected with the keyboard: its form opens, the figure is saved in
    # place (htmx) and the focus stays on the page.
    current = lead.locator("details.results-quarter").last
    current.locator("summary").focus()
    lead.keyboard.press("Enter")
    revenue = current.get_by_label("Revenue", exact=True)
    revenue.fill("250,000")
    revenue.press("Enter")
    expect(lead.locator("#results").get_by_role("status")).to_contain_text("Saved the actuals")
    expect(lead.locator(".results-quarters")).to_contain_text("€250,000")

    lead.goto("/portfolio")
    row = lead.locator(f"#results-{harbor}")
    expect(row).to_contain_text("€1,200,000")
    expect(row).to_contain_text("won of")
    expect(lead.locator("#results-totals")).to_be_visible()

    sponsor = new_context(viewport=DESKTOP).new_page()
    sign_in(sponsor, "sponsor@harbor.example")
    sponsor.goto(f"/accounts/{harbor}/plan")
    expect(sponsor.get_by_role("navigation", name="Account pages")).not_to_contain_text("Results")
