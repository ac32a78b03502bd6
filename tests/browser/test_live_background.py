"""The plan page's own live requests in the browser: a section fetch that fails (the server
away, an error answer) shows no toast; the next event fetches the section again."""

from __future__ import annotations

from playwright.sync_api import Page, Route
from sqlmodel import select

from app.db import Database, run_after_commit
from app.models import User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests.browser.support import NewContext, account_id, sign_in
from tests.live import LiveServer


def _add_priorities(db: Database, account: int, titles: list[str]) -> None:
    """The sponsor adds priorities in one change (their events arrive together)."""
    with db.session() as session:
        sponsor = session.exec(select(User).where(User.email == "sponsor@harbor.example")).one()
        plan = plans_repo.current(session, account_id=account)
        assert plan is not None
        for title in titles:
            priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title=title))
        session.commit()
    run_after_commit(session)


def _lead_on_the_plan(demo_data: LiveServer, new_context: NewContext) -> tuple[Page, int]:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    page = new_context().new_page()
    sign_in(page, "lead@brightwell.example")
    page.goto(f"/accounts/{harbor}/plan")
    page.wait_for_function("() => !!document.querySelector('#live')")
    page.wait_for_timeout(500)  # the stream is open
    return page, harbor


def test_a_failing_section_fetch_shows_no_toast(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    page, harbor = _lead_on_the_plan(demo_data, new_context)
    answered: list[str] = []

    def unavailable(route: Route) -> None:
        answered.append(route.request.url)
        if len(answered) == 1:  # the server is away
            route.abort()
            return
        route.fulfill(  # the server answers with its error toast, as it does for htmx
            status=503,
            headers={"HX-Reswap": "none"},
            body='<div id="toasts" hx-swap-oob="beforeend"><div class="toast toast-error" '
            'role="alert"><span>Unavailable</span></div></div>',
        )

    page.route("**/plan/sections/**", unavailable)
    _add_priorities(demo_data.db, harbor, ["While away"])
    page.wait_for_timeout(1000)
    _add_priorities(demo_data.db, harbor, ["Still away"])
    page.wait_for_timeout(1000)
    assert len(answered) >= 2, answered
    assert page.locator("#toasts .toast").count() == 0  # now: a toast expires by itself
    assert "While away" not in page.locator("#priorities").inner_text()
