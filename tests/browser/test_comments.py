"""A comment thread in the browser: opening "Comments" loads the thread in place, a comment
with an @mention appears without a reload, the count follows, and the mentioned person sees
it in their inbox; on a phone too. A further comment goes at the end of the list, the form
comes back empty and without the message a refused one left. A long thread shows its latest comments and the earlier ones
on demand, and an earlier comment is edited in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from app.comments import repository as comments_repo
from app.comments import service as comments
from app.models import User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests.browser.support import (
    DESKTOP,
    PHONE,
    NewContext,
    SameDocument,
    account_id,
    redraw_when_sent,
    redrawn,
    sign_in,
)
from tests.live import LiveServer


def add_priority(server: LiveServer, account: int) -> int:
    with server.db.session() as session:
        sponsor = session.exec(select(User).where(User.email == "sponsor@harbor.example")).one()
        plan = plans_repo.current(session, account_id=account)
        assert plan is not None
        priority = priorities.create(
            session,
            actor=sponsor,
            plan=plan,
            values=PriorityValues(title="Cut dock waiting times"),
        )
        session.commit()
        assert priority.id is not None
        return priority.id


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_comment_with_a_mention_in_place(
    demo_data: LiveServer, new_context: NewContext, viewport: dict[str, int]
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    priority = add_priority(demo_data, harbor)
    page = new_context(viewport=viewport).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    same = SameDocument(page)
    thread = page.locator(f"#thread-priority-{priority}")
    thread.get_by_text("Comments (0)").click()
    box = thread.get_by_label("Add a comment")
    expect(box).to_be_visible()
    expect(thread.get_by_text("No comments yet.")).to_be_visible()
    box.fill("@Sam Sponsor which docks are worst?")
    thread.get_by_role("button", name="Comment").click()
    expect(thread.locator(".mention")).to_have_text("@Sam Sponsor")
    expect(thread.get_by_role("status")).to_have_text("Comment added.")
    expect(thread.locator("> summary")).to_have_text("Comments (1)")
    expect(box).to_have_value("")
    # A second comment, first sent empty: the message, then the comment at the end of the
    # list with the form fresh (the message gone), one notice, the keyboard on it.
    thread.get_by_role("button", name="Comment").click()
    expect(thread.locator("p.error")).to_be_visible()
    thread.get_by_label("Add a comment").fill("And which shifts?")
    # Someone else's change redraws the section while this comment is on its way: the comment
    # still goes to the end of the list on the page (not of the list the redraw took away).
    section = thread.evaluate("t => t.closest('section.panel').id")
    redraw_when_sent(page, section, f"/threads/priority/{priority}")
    thread.get_by_role("button", name="Comment").click()
    expect(thread.locator("li.comment")).to_have_count(2)
    assert redrawn(page)
    expect(thread.locator("li.comment").last).to_contain_text("And which shifts?")
    expect(thread.get_by_role("status")).to_have_text("Comment added.")
    expect(thread.get_by_role("status")).to_be_focused()
    expect(thread.locator("p.error, [aria-invalid]")).to_have_count(0)
    expect(thread.locator("> summary")).to_have_text("Comments (2)")
    expect(thread.get_by_label("Add a comment")).to_have_value("")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the thread overflows the screen"
    same.check()

    sponsor = new_context(viewport=viewport).new_page()
    sign_in(sponsor, "sponsor@harbor.example")
    # The mention, and the demo's profile section still waiting for Sam's check.
    expect(sponsor.locator(".badge-count")).to_contain_text("2")
    sponsor.get_by_role("link", name="Inbox").click()
    sponsor.get_by_role("button", name="Unread: Lena Lead mentioned you").click()
    expect(sponsor.locator(".mention")).to_have_text("@Sam Sponsor")
    expect(sponsor.locator(".badge-count")).to_contain_text("1")


def test_a_long_thread_loads_earlier_comments_and_edits_one_in_place(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    priority = add_priority(demo_data, harbor)
    total = comments_repo.PAGE + 5
    with demo_data.db.session() as session:
        lead = session.exec(select(User).where(User.email == "lead@brightwell.example")).one()
        target = comments_repo.find_target(
            session, account_id=harbor, item_type="priority", item_id=priority
        )
        assert target is not None
        for i in range(total):
            comments.add(
                session, actor=lead, target=target, body=f"Note {i:02}", team_only=False, people=[]
            )
        session.commit()
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    same = SameDocument(page)
    thread = page.locator(f"#thread-priority-{priority}")
    thread.get_by_text(f"Comments ({total})").click()
    listed = thread.locator("li.comment")
    expect(listed).to_have_count(comments_repo.PAGE)
    expect(listed.first).to_contain_text("Note 05")
    thread.get_by_role("link", name="Show earlier comments").click()
    expect(listed).to_have_count(total)
    expect(listed.first).to_contain_text("Note 00")
    expect(thread.get_by_role("link", name="Show earlier comments")).to_have_count(0)

    oldest = listed.first
    oldest.get_by_text("Edit").click()
    oldest.get_by_label("Your comment").fill("Note 00, corrected")
    oldest.get_by_role("button", name="Save").click()
    expect(thread.locator("li.comment").first).to_contain_text("Note 00, corrected")
    expect(thread.get_by_role("status")).to_have_text("Comment saved.")
    expect(thread.locator("li.comment")).to_have_count(total)  # the rest stays as it was
    expect(thread.locator("> summary")).to_have_text(f"Comments ({total})")
    same.check()
