"""A joint review from scheduling to frozen minutes (issue 11 §3): the lead schedules it from the
plan in another time zone, the invitation arrives with its calendar part and the page offers
the same .ics (both read with a calendar library: time zone, local start, UID); the lead
minutes a decision, the sponsor re-rates on a phone (the rating is stamped with the review);
once the meeting has begun the lead closes it, and the sponsor reads the frozen minutes from
the plan."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlmodel import select

from app.kit import numbers
from app.kit.clock import clock, now
from app.models import JointReview, ValueRating
from tests.browser.support import PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer, Mailbox

ZONE = "Asia/Tokyo"


def calendar_part(message: object) -> str:
    for part in message.walk():  # type: ignore[attr-defined]
        if part.get_content_type() == "text/calendar" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            assert part.get_param("method") == "REQUEST"
            return payload.decode()
    raise AssertionError("the invitation has no calendar part")


def check_ics(text: str, review: JointReview, start_hhmm: str) -> None:
    calendar = Calendar.from_ical(text)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == review.uid
    assert event["DTSTART"].params["TZID"] == ZONE
    start = event.decoded("DTSTART")
    assert start.tzinfo.key == ZONE
    assert f"{start:%H:%M}" == start_hhmm
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [ZONE]


def test_a_joint_review_from_scheduling_to_frozen_minutes(
    demo_data: LiveServer, mailbox: Mailbox, page: Page, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    start = (now() + timedelta(minutes=65)).astimezone(ZoneInfo(ZONE))
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    page.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Joint reviews"
    ).click()
    expect(page.get_by_role("heading", name="Schedule a review")).to_be_visible()
    page.get_by_label("Date").fill(f"{start:%Y-%m-%d}")
    page.get_by_label("Time", exact=True).fill(f"{start:%H:%M}")
    page.get_by_label("Minutes").fill("60")
    page.get_by_label("Time zone").fill(ZONE)
    page.get_by_role("button", name="Schedule and send the invitations").click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled the joint review")
    with demo_data.db.session() as session:
        review = session.exec(
            select(JointReview)
            .where(JointReview.account_id == harbor)
            .where(JointReview.time_zone == ZONE)
        ).one()
    review_path = f"/accounts/{harbor}/joint-reviews/{review.id}"
    expect(page).to_have_url(f"{demo_data.url}{review_path}")

    # The sponsor's invitation, and the page's download: the same calendar entry.
    check_ics(calendar_part(mailbox.wait_for("sponsor@harbor.example")), review, f"{start:%H:%M}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    check_ics(download.value.path().read_text(), review, f"{start:%H:%M}")

    # The minutes: the lead records a decision in place.
    page.get_by_label("New decision").fill("Extend the pilot to two more depots")
    page.get_by_role("button", name="Add the decision").click()
    expect(page.locator("#minutes").get_by_role("status")).to_have_text(
        "Added the decision to the minutes."
    )

    # The sponsor, on a phone, rates the relationship again in the review.
    sponsor = new_context(viewport=PHONE).new_page()
    sign_in(sponsor, "sponsor@harbor.example")
    sponsor.goto(review_path)
    expect(sponsor.get_by_label("Decision", exact=False).first).to_be_visible()
    today = sponsor.get_by_role("group", name=re.compile("^Today, overall"))
    today.get_by_role("radio", name="8", exact=True).check()
    sponsor.get_by_role("button", name="Save my rating").click()
    expect(sponsor.locator("#minutes")).to_contain_text("8 out of 10")
    assert sponsor.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The meeting has begun: the lead closes the review, after confirming.
    clock.advance(timedelta(minutes=70))
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the review and freeze the minutes").click()
    expect(page.get_by_role("status")).to_contain_text("its minutes are frozen")

    # The sponsor reads the frozen minutes from the plan.
    sponsor.goto(f"/accounts/{harbor}/plan")
    sponsor.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Joint reviews"
    ).click()
    sponsor.get_by_role("link", name=f"Review of {numbers.date(start)}").click()
    minutes = sponsor.locator("#minutes")
    expect(minutes).to_contain_text("Extend the pilot to two more depots")
    expect(minutes).to_contain_text("8 out of 10, rated in this review by Sam Sponsor")
    expect(minutes.get_by_text("frozen")).to_be_visible()
    expect(minutes.get_by_role("button")).to_have_count(0)
    with demo_data.db.session() as session:
        rating = session.exec(
            select(ValueRating).where(ValueRating.joint_review_id == review.id)
        ).one()
        assert rating.overall == 8
