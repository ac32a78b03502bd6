"""The value section on a phone (390x844): the 0-10 scale stays on one row and works from the
keyboard with a focus ring one can see, and the trend chart places the demo's ratings by date.

Leaves a screenshot of the value section in ``test-artifacts/`` to look at."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from app.models import ValueRating
from tests.browser.support import ARTIFACTS, PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer

BOXES = """(labels) => labels.map((label) => {
  const box = label.getBoundingClientRect();
  return {text: label.textContent.trim(), top: box.top, bottom: box.bottom, left: box.left,
          right: box.right, width: box.width, height: box.height};
})"""

FOCUS = """() => {
  const input = document.activeElement;
  const label = input.closest("label");
  const style = getComputedStyle(label);
  return {name: input.name, value: input.value, checked: input.checked,
          focusVisible: input.matches(":focus-visible"), outlineStyle: style.outlineStyle,
          outlineWidth: parseFloat(style.outlineWidth)};
}"""


def test_the_0_to_10_scale_stays_on_one_row_on_a_phone(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")
    # Today's overall scale (the future's, below it, has "No view" too).
    today = page.locator("#value .rating-form fieldset", has=page.locator("input[name=overall]"))
    options = today.locator("label.scale-option")
    expect(options).to_have_count(11)
    options.first.scroll_into_view_if_needed()

    boxes = options.evaluate_all(BOXES)
    assert [b["text"] for b in boxes] == [str(n) for n in range(11)]
    first = boxes[0]
    for box in boxes:
        assert abs(box["top"] - first["top"]) <= 1, boxes  # one row: none wrapped
        assert abs(box["bottom"] - first["bottom"]) <= 1, boxes
        assert box["width"] >= 24, box  # still a target for a finger
        assert box["height"] >= 44, box
    for left, right in itertools.pairwise(boxes):
        assert left["right"] <= right["left"], boxes  # side by side, in order
    assert first["left"] >= 0, boxes
    assert boxes[-1]["right"] <= PHONE["width"], boxes
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")

    # From the keyboard: arrows move the choice, and the focused number is visibly marked.
    page.locator("#value input[name=overall][value='5']").focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate(FOCUS)
    assert (focused["name"], focused["value"], focused["checked"]) == ("overall", "6", True)
    assert focused["focusVisible"], focused
    assert focused["outlineStyle"] != "none", focused
    assert focused["outlineWidth"] >= 2, focused

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#value").screenshot(path=ARTIFACTS / "value-phone.png")


def ratings_of_the_current_plan(server: LiveServer, account: int) -> list[datetime]:
    with server.db.session() as session:
        ratings = session.exec(
            select(ValueRating)
            .where(ValueRating.account_id == account)
            .order_by(col(ValueRating.rated_at))
        ).all()
        current = ratings[-1].plan_id
        return [r.rated_at for r in ratings if r.plan_id == current]


def test_the_chart_places_the_ratings_by_date(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    """The demo's ratings were given months apart, unevenly: each circle sits where its date
    puts it, not evenly spaced."""
    harbor = account_id(demo_data.db, "Harbor Logistics")
    moments = ratings_of_the_current_plan(demo_data, harbor)
    assert len(moments) >= 3
    page = new_context(viewport=PHONE, is_mobile=True).new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")
    points = page.locator("#value svg .chart-brand circle")
    expect(points).to_have_count(len(moments))
    xs = points.evaluate_all("(circles) => circles.map((c) => c.cx.baseVal.value)")
    span = (moments[-1] - moments[0]).total_seconds()
    shares = [(m - moments[0]).total_seconds() / span for m in moments]
    assert shares != [i / (len(shares) - 1) for i in range(len(shares))]  # uneven dates
    for x, share in zip(xs, shares, strict=True):
        assert (x - xs[0]) / (xs[-1] - xs[0]) == pytest.approx(share, abs=0.005), (xs, shares)
    dates = page.locator("#value svg .chart-dates text").all_text_contents()
    assert len(dates) >= 2, dates
