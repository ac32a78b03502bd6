"""The sign-in page works from the keyboard alone, with a focus ring one can see."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app import demo
from tests.browser.support import HOME

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.textContent || "").trim(),
    focusVisible: el.matches(":focus-visible"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor,
    onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
      && box.right <= window.innerWidth && box.bottom <= window.innerHeight,
  };
}"""


def tab(page: Page) -> dict[str, object]:
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert isinstance(focused, dict)
    return focused


def assert_visibly_focused(focused: dict[str, object]) -> None:
    assert focused["focusVisible"], focused
    assert focused["outlineStyle"] != "none", focused
    assert float(focused["outlineWidth"]) >= 2, focused  # type: ignore[arg-type]
    assert focused["onScreen"], focused


def test_skip_link_is_the_first_tab_stop_and_skips_to_the_form(
    demo_data: object, page: Page
) -> None:
    page.goto("/login")
    first = tab(page)
    assert (first["tag"], first["text"]) == ("a", "Skip to content")
    assert_visibly_focused(first)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login#main$"))
    expect(page.locator("main")).to_be_focused()
    assert tab(page)["id"] == "f-email"


def test_tab_reaches_email_password_and_button_in_order_and_enter_signs_in(
    demo_data: object, page: Page
) -> None:
    page.goto("/login")
    stops = [tab(page) for _ in range(5)]
    assert [(s["tag"], s["id"] or s["text"]) for s in stops] == [
        ("a", "Skip to content"),
        ("a", "Jointplan"),
        ("input", "f-email"),
        ("input", "f-password"),
        ("button", "Sign in"),
    ]
    for stop in stops:
        assert_visibly_focused(stop)

    # Back to the e-mail field, type, and press Enter in the password field.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type("member@harbor.example")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(demo.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mia Member")


def test_a_wrong_password_keeps_the_keyboard_user_in_the_form(
    demo_data: object, page: Page
) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill("member@harbor.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("E-mail address")).to_have_value("member@harbor.example")
    expect(page.get_by_label("Password")).to_have_value("")
