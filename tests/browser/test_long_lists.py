"""A long list of actions in a browser (app/kit/window.py): the plan shows the first page,
"Show more" brings the next page in place of its button with the keyboard on its first row, and
a link to an action the page did not render (a notification's, a reminder's) still lands on it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import select

from app.actions import service
from app.actions.schemas import CheckedAction, Link
from app.db import Database, run_after_commit
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.kit.window import PAGE
from app.models import (
    Action,
    ActionStatus,
    Initiative,
    InitiativeStatus,
    User,
    utcnow,
)
from app.plans import repository as plans_repo
from tests.browser.support import (
    DESKTOP,
    NewContext,
    account_id,
    redraw_when_sent,
    redrawn,
    settled,
    sign_in,
)
from tests.live import LiveServer

EXTRA = PAGE + 5


def test_show_more_and_a_link_to_an_action_not_rendered(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    with demo_data.db.session() as session:
        lead = session.exec(select(User).where(User.email == "lead@brightwell.example")).one()
        plan = plans_repo.current(session, account_id=harbor)
        assert plan is not None
        far = utcnow().date() + timedelta(days=300)
        for i in range(EXTRA):
            due = far + timedelta(days=i)
            checked = CheckedAction(f"Later step {i:02}", "", None, due, "not_started", Link())
            service.create(session, actor=lead, plan=plan, checked=checked)
        session.commit()
        last = session.exec(
            select(Action).where(Action.title == f"Later step {EXTRA - 1:02}")
        ).one()

    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    rows = page.locator("#actions-open-list > li.action")
    expect(rows).to_have_count(PAGE)
    total = int(page.locator(".actions-summary").inner_text().split(" open")[0])
    more = page.locator("#actions-open-list-more a")
    expect(more).to_contain_text("Show")
    more.focus()
    page.keyboard.press("Enter")
    settled(page)
    expect(rows).to_have_count(min(total, 2 * PAGE))
    # The keyboard goes on to the first row brought in, not back to the top of the page.
    focused = page.evaluate("document.activeElement.id")
    assert focused == rows.nth(PAGE).get_attribute("id")

    # Someone else's change refreshes the section live: the rows opened stay open.
    with demo_data.db.session() as session:
        sponsor = session.exec(select(User).where(User.email == "sponsor@harbor.example")).one()
        changed = session.exec(select(Action).where(Action.title == "Later step 00")).one()
        service.change_status(
            session,
            actor=sponsor,
            action=changed,
            status=ActionStatus.BLOCKED,
            expected_version=changed.version,
        )
        session.commit()
    run_after_commit(session)
    expect(page.locator(f"#action-{changed.id} .badge")).to_have_text("Blocked")
    expect(rows).to_have_count(min(total, 2 * PAGE))

    # A status change that leaves an action open swaps its row alone: the rows opened below it
    # stay, its badge and the notice say what changed, the keyboard stays on its status.
    row = rows.nth(PAGE + 1)
    row_id = row.get_attribute("id")
    assert row_id is not None
    row.locator("select[name=status]").select_option(label="In progress")
    row.get_by_role("button", name="Set the status").press("Enter")
    settled(page)
    expect(page.locator(f"#{row_id} .action-facts .badge")).to_have_text("In progress")
    expect(page.locator("#actions-notice [role=status]")).to_contain_text("is now in progress.")
    expect(rows).to_have_count(min(total, 2 * PAGE))
    assert page.evaluate("document.activeElement.id") == row_id.replace("action-", "action-status-")

    # A live redraw of the section (someone else's change) can land while a change is on its
    # way: the answer's row then goes in place of the row on the page, not of the one the
    # redraw took away. Here the redraw is played in the page: the section replaced by a copy
    # of itself once the request has gone.
    other = rows.nth(PAGE + 2)
    other_id = other.get_attribute("id")
    assert other_id is not None
    redraw_when_sent(page, "actions", "/status")
    other.locator("select[name=status]").select_option(label="Blocked")
    other.get_by_role("button", name="Set the status").press("Enter")
    settled(page)
    expect(page.locator("#actions-notice [role=status]")).to_contain_text("is now blocked.")
    assert redrawn(page)
    expect(page.locator(f"#{other_id} .action-facts .badge")).to_have_text("Blocked")
    status = other_id.replace("action-", "action-status-")
    assert page.evaluate("document.activeElement.id") == status
    expect(rows).to_have_count(min(total, 2 * PAGE))

    # A link to an action past the first page (as a notification has) loads the whole list.
    page.goto("/")
    page.goto(f"/accounts/{harbor}/plan#action-{last.id}")
    # (It cannot know which list holds it: every list that shows more on demand is opened.)
    every = "initiatives_parked=all&initiatives_declined=all&actions=all&actions_closed=all"
    expect(page).to_have_url(re.compile(rf"/plan\?{every}#action-{last.id}$"))
    expect(page.locator(f"#action-{last.id}")).to_be_in_viewport()
    expect(rows).to_have_count(total)


def _parked(db: Database, account: int, title: str) -> Initiative:
    """A proposal of the lead's on the account's plan, which the sponsor parked."""
    with db.session() as session:
        lead = session.exec(select(User).where(User.email == "lead@brightwell.example")).one()
        sponsor = session.exec(select(User).where(User.email == "sponsor@harbor.example")).one()
        plan = plans_repo.current(session, account_id=account)
        assert plan is not None
        made = initiatives.create(
            session, actor=lead, plan=plan, values=InitiativeValues(title=title, owner_id=lead.id)
        )
        initiatives.propose(session, actor=lead, initiative=made, expected_version=made.version)
        initiatives.answer(
            session,
            actor=sponsor,
            initiative=made,
            status=InitiativeStatus.PARKED,
            reason="After the merger",
            expected_version=made.version,
        )
        session.commit()
    run_after_commit(session)
    return made


def test_parked_initiatives_open_on_demand_and_stay_open_through_a_live_update(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    first = _parked(demo_data.db, harbor, "Parked pilot")

    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    group = page.locator("#initiatives-parked-group")
    expect(group).not_to_have_attribute("open", "")
    expect(page.locator(f"#initiative-{first.id}")).to_have_count(0)
    group.locator("summary").focus()
    page.keyboard.press("Enter")  # the keyboard opens it, as a click would
    expect(page.locator(f"#initiative-{first.id}")).to_be_visible()
    settled(page)

    # The sponsor parks another: the section comes again live, the group still open with both.
    second = _parked(demo_data.db, harbor, "Parked follow-up")
    expect(page.locator(f"#initiative-{second.id}")).to_be_visible()
    expect(page.locator(f"#initiative-{first.id}")).to_be_visible()
    expect(group).to_have_attribute("open", "")


def test_a_status_change_keeps_the_keyboard_on_its_status_past_a_refused_form(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    """An answer swaps several parts (out of band, then its own) and static/app.js hears each:
    once one put the keyboard where the answer named, a field left invalid elsewhere (the add
    form just refused) does not take it."""
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    section = page.locator("#actions")
    section.locator(".action-form").get_by_role("button", name="Add action").click()
    settled(page)
    expect(section.locator('.action-form [aria-invalid="true"]').first).to_be_visible()
    row = page.locator("#actions-open-list > li.action").first
    row_id = row.get_attribute("id")
    assert row_id is not None
    status = row.locator("select[name=status]")
    status.select_option("blocked" if status.input_value() != "blocked" else "in_progress")
    row.get_by_role("button", name="Set the status").press("Enter")
    settled(page)
    expect(page.locator("#actions-notice [role=status]")).to_contain_text("is now")
    assert page.evaluate("document.activeElement.id") == row_id.replace("action-", "action-status-")
