"""Removing a member asks first: with JavaScript the browser asks (hx-confirm), without it a page
does (``app.web.confirm``); dismissing or Cancel keeps them, accepting removes them."""

from __future__ import annotations

from playwright.sync_api import Dialog, Page, Request, expect
from sqlmodel import select

from app.models import Membership, User
from tests.browser.support import PHONE, NewContext, SameDocument, account_id, sign_in
from tests.live import LiveServer

QUESTION = "Remove Tom Team from Harbor Logistics? They lose access at once."


def tom_is_member(server: LiveServer, account: int) -> bool:
    with server.db.session() as session:
        membership = session.exec(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(User.email == "team@brightwell.example")
            .where(Membership.account_id == account)
        ).one()
        return membership.removed_at is None


def test_removing_a_member_asks_first(demo_data: LiveServer, page: Page) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    same = SameDocument(page)
    removals: list[Request] = []
    page.on("request", lambda r: removals.append(r) if r.url.endswith("/remove") else None)
    dialogs: list[str] = []

    def answer(accept: bool) -> None:
        def handle(dialog: Dialog) -> None:
            dialogs.append(f"{dialog.type}: {dialog.message}")
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        page.once("dialog", handle)

    members = page.locator("#members")
    tom = members.get_by_role("row").filter(has_text="Tom Team")

    # Dismissed: nothing is sent, Tom stays, on the page and in the database.
    answer(accept=False)
    tom.get_by_role("button", name="Remove").click()
    expect(tom).to_be_visible()
    assert dialogs == [f"confirm: {QUESTION}"]
    page.wait_for_timeout(300)  # a request would have left by now
    assert removals == []
    assert tom_is_member(demo_data, harbor)

    # Accepted: Tom is removed in place and the panel says so.
    answer(accept=True)
    tom.get_by_role("button", name="Remove").click()
    expect(members.get_by_role("status")).to_have_text("Tom Team was removed from the account.")
    expect(tom).to_have_count(0)
    assert dialogs == [f"confirm: {QUESTION}"] * 2
    assert len(removals) == 1
    assert not tom_is_member(demo_data, harbor)
    expect(members.get_by_role("row").filter(has_text="Lena Lead")).to_be_visible()
    same.check()


def test_without_javascript_removing_a_member_asks_on_a_page_first(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    tom = page.locator("#members").get_by_role("row").filter(has_text="Tom Team")

    # Remove: a page asks the question; nothing has changed yet.
    tom.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)
    expect(page).to_have_title("Remove? · Jointplan")
    assert tom_is_member(demo_data, harbor)

    # Cancel: back on the account's page, Tom still a member.
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{demo_data.url}/accounts/{harbor}")
    expect(tom).to_be_visible()
    assert tom_is_member(demo_data, harbor)

    # Remove, then the page's Remove (by keyboard): Tom is removed.
    tom.get_by_role("button", name="Remove").click()
    confirm = page.get_by_role("button", name="Remove", exact=True)
    confirm.focus()
    page.keyboard.press("Enter")
    removed = page.get_by_role("status").filter(has_text="Tom Team was removed from the account.")
    expect(removed).to_be_visible()
    expect(tom).to_have_count(0)
    assert not tom_is_member(demo_data, harbor)


def test_the_confirmation_page_fits_a_phone(demo_data: LiveServer, new_context: NewContext) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    tom = page.locator("#members").get_by_role("row").filter(has_text="Tom Team")
    tom.get_by_role("button", name="Remove").click()
    remove = page.get_by_role("button", name="Remove", exact=True)
    cancel = page.get_by_role("link", name="Cancel")
    expect(remove).to_be_in_viewport()
    expect(cancel).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert tom_is_member(demo_data, harbor)
