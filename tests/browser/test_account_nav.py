"""The account navigation stands in the same place on every account page, on a phone and on a
desktop; on a phone its tab row and the plan's section links scroll sideways and show it (fading
edges), and the org chart pans inside its own frame, opening on its top box."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from app.models import JointReview, Plan
from tests.browser.support import DESKTOP, PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer

INTERNAL = ("/scorecard", "/profile", "/relationships", "/opportunities", "/results", "/reviews")
INTERNAL += ("/perception",)
NAV_TOP = "() => document.getElementById('account-nav').getBoundingClientRect().top + scrollY"
ROW = """(row) => ({scrolls: row.scrollWidth > row.clientWidth + 1,
  overflowX: getComputedStyle(row).overflowX,
  fades: (getComputedStyle(row).backgroundImage.match(/linear-gradient/g) || []).length})"""
# The frame of the org chart, and its top box (the head of the first tree), in the viewport.
ORG = """() => {
  const frame = document.querySelector('.org-chart-scroll');
  const boxes = [...frame.querySelectorAll('.org-node > rect:not([stroke-dasharray])')];
  const top = boxes.reduce((a, b) => (+b.getAttribute('y') < +a.getAttribute('y') ? b : a));
  const f = frame.getBoundingClientRect(), t = top.getBoundingClientRect();
  return {frame: [f.left, f.right], box: [t.left, t.right], overflowX: getComputedStyle(frame).overflowX,
          scrolls: frame.scrollWidth > frame.clientWidth, left: frame.scrollLeft,
          page: document.scrollingElement.scrollWidth, window: innerWidth};
}"""


def pages_of(server: LiveServer) -> tuple[int, list[str], list[str]]:
    """Harbor's id, its shared pages and the vendor's internal ones."""
    harbor = account_id(server.db, "Harbor Logistics")
    with server.db.session() as session:
        review = session.exec(
            select(JointReview).where(JointReview.account_id == harbor).limit(1)
        ).one()
        closed = session.exec(
            select(Plan).where(Plan.account_id == harbor, col(Plan.closed_at).is_not(None))
        ).first()
    assert closed is not None
    base = f"/accounts/{harbor}"
    shared = [
        f"{base}/plan",
        f"{base}/plans/{closed.id}",
        base,
        f"{base}/joint-reviews",
        f"{base}/joint-reviews/{review.id}",
        f"{base}/audit",
    ]
    return harbor, shared, [base + tail for tail in INTERNAL]


def tops(page: Page, urls: list[str]) -> dict[str, float]:
    found: dict[str, float] = {}
    for url in urls:
        page.goto(url)
        expect(page.locator("#account-nav")).to_be_visible()
        found[url] = page.evaluate(NAV_TOP)
    return found


def assert_same_place(found: dict[str, float]) -> None:
    first = next(iter(found.values()))
    off = {url: y for url, y in found.items() if abs(y - first) > 3}
    assert not off, f"the navigation is at {first:.0f}px on the first page, elsewhere on {off}"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_navigation_is_in_the_same_place_on_every_account_page(
    demo_data: LiveServer, new_context: NewContext, size: dict[str, int]
) -> None:
    harbor, shared, internal = pages_of(demo_data)
    lead = new_context(viewport=size).new_page()
    sign_in(lead, "lead@brightwell.example")
    assert_same_place(tops(lead, [*shared, f"/accounts/{harbor}/plan/next", *internal]))
    sponsor = new_context(viewport=size).new_page()
    sign_in(sponsor, "sponsor@harbor.example")
    found = tops(sponsor, shared)
    assert_same_place(found)
    assert abs(next(iter(found.values())) - lead.evaluate(NAV_TOP)) <= 3  # both sides alike
    nav = sponsor.get_by_role("navigation", name="Account pages")
    expect(nav.get_by_role("link")).to_have_text(
        ["Joint plan", "Joint reviews", "Account and members"]
    )
    expect(nav).not_to_contain_text("nternal")


def test_on_a_phone_the_rows_scroll_and_show_it(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor, _, _ = pages_of(demo_data)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    nav = page.get_by_role("navigation", name="Account pages")
    expect(nav.get_by_text("only your side")).to_be_visible()
    current = nav.get_by_role("link", name="Joint plan")
    expect(current).to_have_attribute("aria-current", "page")
    for row in (page.locator(".account-nav-internal ul"), page.locator(".plan-nav ul")):
        shape: dict[str, Any] = row.evaluate(ROW)
        assert shape == {"scrolls": True, "overflowX": "auto", "fades": 4}, shape
    page_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert page_width <= PHONE["width"], "the rows widen the page instead of scrolling"
    # The last tab is reached by scrolling the row, and then shown whole.
    last = nav.get_by_role("link", name="Perception gap")
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"] + 1


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_org_chart_pans_in_its_frame_and_opens_on_its_top_box(
    demo_data: LiveServer, new_context: NewContext, size: dict[str, int]
) -> None:
    harbor, _, _ = pages_of(demo_data)
    page = new_context(viewport=size).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/relationships")
    frame = page.get_by_role("group", name="Org chart: pan it inside this frame")
    expect(frame).to_have_attribute("tabindex", "0")
    org: dict[str, Any] = page.evaluate(ORG)
    assert org["overflowX"] == "auto"
    assert org["page"] <= org["window"], "the page scrolls sideways, not the chart's frame"
    (f_left, f_right), (b_left, b_right) = org["frame"], org["box"]
    assert f_left <= b_left, f"top box {org['box']} outside {org['frame']}"
    assert b_right <= f_right, f"top box {org['box']} outside {org['frame']}"
    if org["scrolls"]:  # the keyboard pans it too
        frame.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(before) => document.querySelector('.org-chart-scroll').scrollLeft > before",
            arg=org["left"],
        )
    if size is PHONE:
        assert org["scrolls"], "Harbor's chart is wider than a phone: it must pan"
