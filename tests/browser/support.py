"""Helpers for the browser tests: sizes, where artifacts go, and a person's way of signing in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import BrowserContext, Dialog, Page, expect
from sqlmodel import select

from app import demo
from app.db import Database
from app.demo.stage import today as demo_today
from app.models import Account

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
HOME = re.compile(r"/$")

# The ``new_context`` fixture: a fresh browser context (its own cookies) on the live server.
NewContext = Callable[..., BrowserContext]


def settled(page: Page) -> None:
    """Wait until htmx has finished settling what it swapped in: it wires up new forms and
    buttons only then (``defaultSettleDelay``), so a key pressed on a just-swapped button
    earlier submits the form the old way, as a whole page."""
    expect(page.locator(".htmx-settling")).to_have_count(0)


# The redraw ``redraw_when_sent`` plays: the section replaced by a copy of itself (its ids, the
# lists and threads opened in it), as live.js replaces a section someone else changed. The copy
# is not handed to htmx: its own loads (a thread open in it fetches its comments again) would
# race the answer under test.
_REDRAW = """([id, end]) => {
  const redraw = (event) => {
    const sent = event.detail.requestConfig;
    if (sent.verb !== "post" || !sent.path.endsWith(end)) return;
    document.body.removeEventListener("htmx:beforeSend", redraw);
    const section = document.getElementById(id);
    const redrawn = section.cloneNode(true);
    section.replaceWith(redrawn);
    window.jpRedrawn = true;
  };
  document.body.addEventListener("htmx:beforeSend", redraw);
}"""


def redraw_when_sent(page: Page, section: str, path_end: str) -> None:
    """Once the next htmx post to an address ending in ``path_end`` has gone, the section
    ``section`` (its id) is redrawn as a live update redraws it: a redraw landing while the
    change is on its way, which leaves the form that sent it detached from the page. Then
    ``redrawn(page)`` is true."""
    page.evaluate(_REDRAW, [section, path_end])


def redrawn(page: Page) -> bool:
    return page.evaluate("window.jpRedrawn === true") is True


def sign_in(page: Page, email: str, password: str = demo.PASSWORD) -> None:
    """Sign in through the form, like a person would, and wait for the home page."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(HOME)


def open_account(page: Page, name: str) -> None:
    """From the home page, open an account by its card (under "Accounts", or "Your plans" for a
    client), not by its heading in "Waiting for you"."""
    cards = page.locator(
        "main section", has=page.get_by_role("heading", name=re.compile(r"^(Accounts|Your plans)$"))
    )
    cards.get_by_role("link", name=name).click()


def account_id(db: Database, name: str) -> int:
    with db.session() as session:
        account = session.exec(select(Account).where(Account.name == name)).one()
        assert account.id is not None
        return account.id


class SameDocument:
    """Proves an htmx action swapped part of the page instead of loading a new one: a mark left
    on ``window`` survives only as long as the document does."""

    def __init__(self, page: Page) -> None:
        self.page = page
        page.evaluate("window.__jpSameDocument = true")

    def check(self) -> None:
        assert self.page.evaluate("window.__jpSameDocument === true"), "the page was reloaded"


def confirm_next(page: Page, expected: str | re.Pattern[str]) -> None:
    """Accept the next confirmation dialog, checking that it asks ``expected`` (the text, or a
    pattern it matches in full)."""

    def handle(dialog: Dialog) -> None:
        assert dialog.type == "confirm"
        if isinstance(expected, str):
            assert dialog.message == expected, dialog.message
        else:
            assert expected.fullmatch(dialog.message), dialog.message
        dialog.accept()

    page.once("dialog", handle)


def add_contact(page: Page, name: str, who: str, strength: str) -> None:
    """On the relationship map, someone of the team in contact with ``name``, added from the
    person's row of the table (last contact twelve days ago)."""
    row = page.locator("#stakeholders tbody tr").filter(
        has=page.locator("td.person-cell strong", has_text=name)
    )
    adding = row.locator("details.contact-add")
    adding.locator("summary").click()
    adding.get_by_label("Who on the team").select_option(label=who)
    adding.get_by_label("Strength").select_option(label=strength)
    adding.get_by_label("Last contact").fill((demo_today() - timedelta(days=12)).isoformat())
    adding.get_by_role("button", name="Add the contact").click()
    expect(page.locator("#relationships").get_by_role("status")).to_have_text(
        f"Added {who} as a contact of {name}."
    )
