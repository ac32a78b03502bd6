"""What a person is told, and how, on a phone and from the keyboard: Sam turns a reminder off
and the page keeps the choice; an unsubscribe link, opened with no session, asks first."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import select

from app.mail import unsubscribe
from app.models import NoticePreference, User
from tests.browser.support import PHONE, NewContext, sign_in
from tests.browser.test_layout import assert_no_horizontal_scroll, screenshot
from tests.live import LiveServer


def test_sam_turns_a_reminder_off_from_the_keyboard_and_unsubscribes_from_a_link(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto("/me")
    page.get_by_role("link", name="What you are told, and how").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What you are told, and how")
    assert_no_horizontal_scroll(page, "preferences page")
    # Only the client's kinds; the demo's choices show (Sam takes mentions in a daily digest).
    expect(page.get_by_text("A plan review is due in 14 days")).to_have_count(0)
    mentions = page.get_by_role("group", name="Someone mentions you in a comment")
    expect(mentions.get_by_role("radio", name="Daily digest")).to_be_checked()

    due_soon = page.get_by_role("group", name="An action of yours is due in 3 days")
    due_soon.get_by_role("radio", name="Right away").focus()
    page.keyboard.press("ArrowLeft")  # from the first option, round to the last: Off
    expect(due_soon.get_by_role("radio", name="Off")).to_be_checked()
    page.get_by_role("button", name="Save my choices").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    expect(due_soon.get_by_role("radio", name="Off")).to_be_checked()
    screenshot(page, "notice-preferences-phone.png")

    with demo_data.db.session() as session:
        sam = session.exec(select(User).where(User.email == "sponsor@harbor.example")).one()
        token = unsubscribe.token(
            demo_data.settings.resolved_secret_key, kind="mention", user_id=sam.id or 0
        )
    link = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    link.goto(f"/unsubscribe/{token}")
    expect(link.get_by_role("heading", level=1)).to_have_text("Stop these e-mails?")
    assert_no_horizontal_scroll(link, "unsubscribe page")
    link.get_by_role("button", name="Unsubscribe").click()
    expect(link.get_by_role("status")).to_contain_text("gets no more e-mails")
    with demo_data.db.session() as session:
        rows = session.exec(
            select(NoticePreference.kind, NoticePreference.delivery).where(
                NoticePreference.user_id == sam.id
            )
        ).all()
    assert ("mention", "off") in rows
    assert ("action.due_soon", "off") in rows
