"""Selection that acts (issue 15, part 2) in the browser, on the demo: Alex Admin finds
Brightwell's two objectives on the scorecard page, every attribute serving one, and adds an
attribute serving none, which the page then warns about. Lena Lead finds Harbor's treatment
on its scorecard page and plans next quarter's hours. Sam Sponsor, in his own browser, changes
his key-account answer in the plan to "Not now", in his words; Alex's portfolio then flags
Harbor as a Strategic account without the client's yes.
"""

from __future__ import annotations

from playwright.sync_api import expect

from app.demo.stage import today as demo_today
from app.scorecard.hours import quarters_from
from tests.browser.support import NewContext, account_id, settled, sign_in
from tests.live import LiveServer

ADMIN = "admin@brightwell.example"
LEAD = "lead@brightwell.example"
SPONSOR = "sponsor@harbor.example"


def test_objectives_treatment_hours_and_the_clients_answer(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")

    alex = new_context().new_page()
    sign_in(alex, ADMIN)
    alex.goto("/admin/scorecard")
    objectives = alex.locator("#objectives")
    expect(objectives).to_contain_text("Grow recurring revenue with Nordic carriers")
    expect(objectives).to_contain_text("Be the dispatch platform customers standardise on")
    expect(alex.locator("#attributes")).not_to_contain_text("serves no objective")
    add = alex.locator("#add-attribute")
    add.get_by_label("Name").fill("Strategic alignment")
    add.get_by_text("Future potential and fit").click()
    add.get_by_role("button", name="Add attribute").click()
    settled(alex)
    expect(alex.locator("#attributes")).to_contain_text(
        "1 attribute serves no objective: Strategic alignment"
    )

    lena = new_context().new_page()
    sign_in(lena, LEAD)
    lena.goto(f"/accounts/{harbor}/scorecard")
    expect(lena.locator("#treatment")).to_contain_text(
        "Strategic — treatment: quarterly review, mentor required."
    )
    next_quarter = quarters_from(demo_today())[1]
    hours = lena.locator("#hours")
    hours.get_by_label("Quarter").select_option(next_quarter)
    hours.get_by_label("Planned hours").fill("200")
    hours.get_by_role("button", name="Save the hours").click()
    settled(lena)
    expect(lena.locator("#hours")).to_contain_text(next_quarter)

    sam = new_context().new_page()
    sign_in(sam, SPONSOR)
    sam.goto(f"/accounts/{harbor}/plan")
    question = sam.locator("#key-account")
    expect(question).to_contain_text("Yes")
    question.get_by_label("Not now").check()
    question.get_by_label("In your own words").fill("Ask us again after the merger")
    question.get_by_role("button", name="Change my answer").click()
    settled(sam)
    expect(sam.locator("#key-account")).to_contain_text("Not now")
    expect(sam.locator("#key-account")).to_contain_text("Ask us again after the merger")
    expect(sam.locator("body")).not_to_contain_text("Grow recurring revenue")

    alex.goto("/portfolio")
    expect(alex.locator("#time")).to_contain_text(
        "Harbor Logistics: the client answered “Not now” to a key-account relationship"
    )
