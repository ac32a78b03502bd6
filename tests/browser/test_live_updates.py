"""Live updates in the browser, across two instances on one database (one on SQLite, which
runs a single instance): the sponsor re-ranks a priority and comments on instance B; the lead's
page on instance A shows both within a second without a reload, while the comment the lead is
typing stays as typed. The lead's draft initiative and team-only comment send the sponsor's
page nothing. A section the lead is typing in is not replaced: it gets a notice instead."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from app.comments import repository as comments_repo
from app.comments import service as comments
from app.db import Database, run_after_commit
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.main import create_app
from app.models import Plan, Priority, PriorityStatus, User
from app.plans import repository as plans_repo
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.support import DESKTOP, NewContext, SameDocument, account_id, sign_in
from tests.conftest import BACKEND
from tests.live import LiveServer, free_port, serve

# Every message the page's event stream brings, recorded as "<type> <id>".
# How soon the other person's page must show a change: the other instance hears of it within
# a quarter second (SQLite's poll; PostgreSQL's NOTIFY at once), and a page whose stream broke
# would wait 10 s to reconnect; the margin is for a machine busy with the rest of the suite.
LIVE_MS = 3000

RECORD_EVENTS = """
(() => {
  window.__live = [];
  const Original = window.EventSource;
  window.EventSource = class extends Original {
    constructor(url, options) {
      super(url, options);
      for (const type of ["section", "reload", "presence"]) {
        this.addEventListener(type, (e) => window.__live.push(type + " " + e.lastEventId));
      }
    }
  };
})();
"""


@pytest.fixture
def instance_b(demo_data: LiveServer) -> Iterator[str]:
    """A second instance on the same database (PostgreSQL); on SQLite the same instance."""
    if BACKEND != "postgresql":
        yield demo_data.url
        return
    port = free_port()
    settings = demo_data.settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    app = create_app(settings, Database(demo_data.db.engine), run_mailer=False)
    with ExitStack() as stack:
        stack.enter_context(serve(app, port))
        yield settings.base_url


def _priorities(db: Database, account: int) -> list[Priority]:
    with db.session() as session:
        return list(
            session.exec(
                select(Priority)
                .join(Plan, col(Plan.id) == Priority.plan_id)
                .where(Priority.account_id == account, Priority.status == PriorityStatus.ACTIVE)
                .where(col(Plan.is_current))  # not the closed period's
                .where(col(Priority.removed_at).is_(None))
                .order_by(col(Priority.rank))
            ).all()
        )


def _internal_changes(db: Database, account: int) -> None:
    """The lead's draft initiative and a team-only comment on it, committed as a request does."""
    with db.session() as session:
        lead = session.exec(select(User).where(User.email == "lead@brightwell.example")).one()
        plan = plans_repo.current(session, account_id=account)
        assert plan is not None
        draft = initiatives.create(
            session, actor=lead, plan=plan, values=InitiativeValues(title="Quiet draft")
        )
        _team_only_comment(session, lead, account, draft.id)
        session.commit()
    run_after_commit(session)


def _team_only_comment(session: Session, lead: User, account: int, draft: int | None) -> None:
    assert draft is not None
    target = comments_repo.find_target(
        session, account_id=account, item_type="initiative", item_id=draft
    )
    assert target is not None
    comments.add(session, actor=lead, target=target, body="Only us", team_only=True, people=[])


def _sections(page: Page) -> list[str]:
    return [e for e in page.evaluate("window.__live") if e.startswith("section")]


def test_two_people_on_two_instances_see_each_other_change_the_plan(
    demo_data: LiveServer, instance_b: str, new_context: NewContext, browser: Browser
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    first, second = _priorities(demo_data.db, harbor)[:2]
    plan = f"/accounts/{harbor}/plan"

    lead = new_context().new_page()
    lead.add_init_script(RECORD_EVENTS)
    sign_in(lead, "lead@brightwell.example")
    lead.goto(plan)
    sponsor_context = browser.new_context(base_url=instance_b, viewport=DESKTOP)
    sponsor_context.set_default_timeout(TIMEOUT_MS)
    try:
        sponsor = sponsor_context.new_page()
        sponsor.add_init_script(RECORD_EVENTS)
        sign_in(sponsor, "sponsor@harbor.example")
        sponsor.goto(plan)
        # Each sees the other (presence, across the instances).
        expect(lead.locator("#presence")).to_have_text("Also here: Sam Sponsor")
        expect(sponsor.locator("#presence")).to_have_text("Also here: Lena Lead")
        same = SameDocument(lead)

        # The lead starts a comment on an action (another section than the priorities).
        thread = lead.locator("#actions details.thread-toggle").first
        thread.locator("> summary").click()
        box = thread.get_by_label("Add a comment")
        box.fill("Half a thought about")

        # The sponsor moves the second priority up, then comments on the first.
        sponsor.locator(f"#priority-menu-{second.id} > summary").click()  # its More menu
        sponsor.locator(f"#move-up-{second.id}").click()
        expect(sponsor.locator("ol.priorities > li").first).to_have_id(f"priority-{second.id}")
        expect(lead.locator("ol.priorities > li").first).to_have_id(
            f"priority-{second.id}", timeout=LIVE_MS
        )
        expect(lead.locator("#priorities")).to_have_class(re.compile("live-changed"))
        s_thread = sponsor.locator(f"#thread-priority-{first.id}")
        count = int(s_thread.locator(f"#comment-count-priority-{first.id}").inner_text())
        s_thread.locator("> summary").click()
        s_thread.get_by_label("Add a comment").fill("Dock times first, please.")
        s_thread.get_by_role("button", name="Comment").click()
        expect(s_thread.locator(f"#comment-count-priority-{first.id}")).to_have_text(str(count + 1))
        expect(lead.locator(f"#comment-count-priority-{first.id}")).to_have_text(
            str(count + 1), timeout=LIVE_MS
        )
        expect(box).to_have_value("Half a thought about")  # untouched, still there
        same.check()  # no reload

        # Now the lead types in the priorities: a change there brings a notice, not a swap.
        l_thread = lead.locator(f"#thread-priority-{first.id}")
        l_thread.locator("> summary").click()
        l_box = l_thread.get_by_label("Add a comment")
        l_box.fill("Agreed, and")
        sponsor.locator(f"#priority-menu-{first.id} > summary").click()  # its More menu
        sponsor.locator(f"#move-up-{first.id}").click()
        notice = lead.locator("#priorities .live-notice")
        expect(notice).to_contain_text("Sam Sponsor changed this just now", timeout=LIVE_MS)
        expect(l_box).to_have_value("Agreed, and")
        expect(lead.locator("ol.priorities > li").first).to_have_id(f"priority-{second.id}")
        notice.get_by_role("button", name="See the change").click()
        expect(lead.locator("ol.priorities > li").first).to_have_id(f"priority-{first.id}")

        # The lead's internal changes: the lead's page hears of them, the sponsor's does not.
        heard_by_lead, heard_by_sponsor = len(_sections(lead)), len(_sections(sponsor))
        _internal_changes(demo_data.db, harbor)
        lead.wait_for_function(  # a function, not an expression: the page's CSP forbids eval
            "(n) => window.__live.filter(e => e.startsWith('section')).length >= n",
            arg=heard_by_lead + 2,
        )
        sponsor.wait_for_timeout(1000)
        assert len(_sections(sponsor)) == heard_by_sponsor, _sections(sponsor)
        ids = [int(e.split(" c")[1]) for e in _sections(sponsor)]
        assert ids == list(range(ids[0], ids[0] + len(ids)))  # no gap for the client
    finally:
        sponsor_context.close()
