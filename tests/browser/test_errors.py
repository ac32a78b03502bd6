"""What a person sees when they go where they may not, or when an action cannot be done."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    NewContext,
    SameDocument,
    account_id,
    redraw_when_sent,
    redrawn,
    sign_in,
)
from tests.live import LiveServer

NOT_FOUND = (404, "Not found", "There is nothing here, or you do not have access to it.")
# A client member asking for a vendor-only page of their own account, or for a workspace page
# (they have no workspace), gets the "not allowed" page: the permission policy answers 403 where
# the asker is a member but lacks the verb (DESIGN §2: allow | 404 | 403).
NOT_ALLOWED = (403, "Not allowed", "Your role in this account does not allow this.")


def expect_friendly_error(page: Page, path: str, status: int, title: str, message: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} answered {response.status}"
    expect(page.locator(".status-code")).to_have_text(str(status))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text(message)
    # Nothing of the vendor side shows, and a way back leads home, still signed in.
    for word in ("Alder", "Northpeak", "Brightwell", "Kestrel", "Invitations"):
        expect(page.locator("body")).not_to_contain_text(word)
    page.get_by_role("link", name="Go to your home page").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Mia Member")
    expect(page.get_by_role("heading", name="Your plans")).to_be_visible()


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/admin/users", NOT_ALLOWED),
        ("/accounts/new", NOT_ALLOWED),
        ("/accounts/{harbor}/audit/verify", NOT_ALLOWED),
        ("/dev/mailbox", NOT_FOUND),
        ("/accounts/{harbor}/secret-vendor-page", NOT_FOUND),
    ],
)
def test_a_client_typing_a_vendor_only_address_gets_a_friendly_page(
    demo_data: LiveServer, page: Page, path: str, answer: tuple[int, str, str]
) -> None:
    sign_in(page, "member@harbor.example")
    harbor = account_id(demo_data.db, "Harbor Logistics")
    expect_friendly_error(page, path.format(harbor=harbor), *answer)


@pytest.mark.parametrize("account", ["Alder Health", "Northpeak Foods", None])
def test_a_client_typing_another_accounts_address_gets_the_friendly_404(
    demo_data: LiveServer, page: Page, account: str | None
) -> None:
    sign_in(page, "member@harbor.example")
    other = account_id(demo_data.db, account) if account else 987654
    for path in (f"/accounts/{other}", f"/accounts/{other}/audit", f"/accounts/{other}/x"):
        expect_friendly_error(page, path, *NOT_FOUND)


def test_removing_the_last_lead_is_refused_inline_and_the_page_keeps_working(
    demo_data: LiveServer, page: Page
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    same = SameDocument(page)
    members = page.locator("#members")
    page.once("dialog", lambda dialog: dialog.accept())
    members.get_by_role("row").filter(has_text="Lena Lead").get_by_role(
        "button", name="Remove"
    ).click()

    expect(members.get_by_role("alert")).to_have_text(
        "An account needs a lead. Make someone else lead first."
    )
    expect(members.get_by_role("row").filter(has_text="Lena Lead")).to_be_visible()
    same.check()

    # The swapped-in panel works: another change goes through and the error gives way.
    tom = members.get_by_role("row").filter(has_text="Tom Team")
    tom.get_by_label("Role of Tom Team").select_option(label="Mentor")
    tom.get_by_role("button", name="Change").click()
    expect(members.get_by_role("status")).to_have_text("Tom Team is now mentor.")
    expect(members.get_by_role("alert")).to_have_count(0)
    same.check()


def test_an_action_on_something_gone_meanwhile_shows_a_toast(
    demo_data: LiveServer, page: Page, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    same = SameDocument(page)

    # Someone else removes Tom in their own browser while the lead's page is open.
    admin = new_context().new_page()
    sign_in(admin, "admin@brightwell.example")
    admin.goto(f"/accounts/{harbor}")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("#members").get_by_role("row").filter(has_text="Tom Team").get_by_role(
        "button", name="Remove"
    ).click()
    expect(admin.locator("#members").get_by_role("status")).to_have_text(
        "Tom Team was removed from the account."
    )

    page.once("dialog", lambda dialog: dialog.accept())
    members = page.locator("#members")
    # A live redraw of the section lands while the request is on its way (the form that sent
    # it is then off the page): the toast still comes.
    section = members.evaluate("m => m.closest('section.panel').id")
    redraw_when_sent(page, section, "/remove")
    members.get_by_role("row").filter(has_text="Tom Team").get_by_role(
        "button", name="Remove"
    ).click()
    toast = page.locator("#toasts").get_by_role("alert")
    expect(toast).to_contain_text("There is nothing here, or you do not have access to it.")
    assert redrawn(page)
    expect(toast).to_be_in_viewport()
    # The page itself is untouched and the toast can be dismissed.
    expect(members.get_by_role("heading", name="Members")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account and members")
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)
    same.check()


def test_an_unreachable_server_shows_a_toast(demo_data: LiveServer, page: Page) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}")
    same = SameDocument(page)
    page.route("**/invitations", lambda route: route.abort("connectionrefused"))
    page.locator("#invite-panel").get_by_label("E-mail address").fill("x@harbor.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#toasts").get_by_role("alert")).to_contain_text(
        "Jointplan cannot be reached"
    )
    expect(page.locator("#invite-panel").get_by_label("E-mail address")).to_have_value(
        "x@harbor.example"
    )
    same.check()
