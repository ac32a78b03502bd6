"""The plan at a glance (issue 12, point 3): the plan page opens with a summary written for the
reader's side. The client's says what waits for it here (the same kinds and counts as its
home's "Waiting for you" for this account), its priorities in order, its latest rating and
trend, the next review, and no focus figure; the vendor's gives the focus figures with a
plain sentence whose numbers agree with the figures. Sections fold (``?fold=all``), rarely used
controls sit in a per-item menu, and the page keeps its query budget."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.kit.clock import clock
from app.periods import repository as periods_repo
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.value import service as value
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.test_plan_scale import BUDGET, fill_plan
from tests.test_waiting import NOW, kinds, plan_of, plant
from tests.testclient import TestClient

FOLD = re.compile(r'<details class="fold" id="([a-z]+)-body" data-fold="[a-z]+"( open)?>')


@pytest.fixture(autouse=True)
def _fixed_clock() -> None:
    clock.set(NOW)


def summary_of(html: str) -> str:
    """The summary section of a plan page (it holds no nested section)."""
    start = html.index('id="summary"')
    return html[start : html.index("</section>", start)]


def plan_url(world: World) -> str:
    return f"/accounts/{world.account.id}/plan"


def test_the_sponsors_summary_says_what_waits_as_the_home_does_and_shows_no_figures(
    client: TestClient, session: Session, world: World
) -> None:
    planted = plant(session, world, world.account)
    sign_in(client, session, world.members["sponsor"])
    home = kinds(client.get("/").text)
    page = client.get(plan_url(world))
    assert page.status_code == 200
    summary = summary_of(page.text)
    assert kinds(summary) == home
    assert home == {
        "approval": 1,
        "suggestions": 1,
        "proposals": 1,
        "check": 1,
        "rating": 1,
        "actions": 2,
        "mentions": 1,
    }
    assert 'data-count="8"' in summary  # the total, as on the home
    assert "2 open actions of yours, 1 overdue" in summary
    assert f'href="/accounts/{world.account.id}/validation"' in summary
    # The summary comes before every section of the plan.
    assert page.text.index('id="summary"') < page.text.index('id="agreement"')
    # Written for the client: no focus figure, nothing internal.
    assert "data-figure" not in summary
    assert "Client focus" not in summary
    assert "%" not in summary
    assert "DRAFT-INTERNAL" not in page.text
    assert f"initiative-{planted.draft}" not in summary
    assert "Your priorities, in order" in summary
    assert "Next review" in summary


def test_each_side_and_role_gets_its_own_waiting_and_the_vendor_its_figures(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world, world.account)
    for role in ("lead", "member", "viewer", "team"):
        sign_in(client, session, world.members[role])
        home = kinds(client.get("/").text)
        summary = summary_of(client.get(plan_url(world)).text)
        assert kinds(summary) == home, role
    sign_in(client, session, world.members["lead"])
    summary = summary_of(client.get(plan_url(world)).text)
    assert kinds(summary) == {"approval": 1}
    for key in ("client-focus", "coverage", "validation"):
        assert f'data-figure="{key}"' in summary
    assert "Your priorities" not in summary
    assert "Your latest value rating" not in summary


def _figure(html: str, key: str) -> str:
    found = re.search(
        rf'data-figure="{key}">\s*<dt>[^<]*<strong class="summary-figure">([^<]+)<', html
    )
    assert found is not None, key
    return found.group(1)


def test_the_vendors_figures_agree_with_the_focus_section_and_name_the_same_top(
    client: TestClient, session: Session, world: World
) -> None:
    """Three ranked priorities: "top 3" everywhere, never "top 5" next to "3 of 3"."""
    plant(session, world, world.account)
    plan = plan_of(session, world.account)
    for title in ("Cut cost", "On-time delivery", "Visibility"):
        priorities.create(
            session, actor=world.members["sponsor"], plan=plan, values=PriorityValues(title=title)
        )
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(plan_url(world)).text
    summary = summary_of(page)
    focus = page[page.index('id="focus"') :]
    figures = re.findall(r'<dd class="figure">([^<]+)</dd>', focus)
    assert figures[:3] == [_figure(summary, k) for k in ("client-focus", "coverage", "validation")]
    assert "the client&#39;s top 3 priorities" in summary
    assert "top 5" not in summary
    assert "Of the client's top 3 priorities (its top 5, when it ranks that many)" in focus
    # 3 ranked and 1 suggestion waiting: 3 of 4 are the client's own, 1 still waits; and the
    # world's profile section sent for validation, not confirmed yet: 3 of 5 in all.
    assert "3 of the 5 things the plan rests on are the client&#39;s own or" in summary
    assert "(1 vendor suggestion waiting for an answer); 0 of 1 profile section confirmed" in (
        summary
    )


def test_the_sponsor_sees_its_top_priorities_in_order_and_its_rating_trend(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    plan = plan_of(session, world.account)
    titles = [f"Priority number {n}" for n in range(1, 8)]
    for title in titles:
        priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title=title))
    for days, overall in ((3, 6), (0, 8)):
        clock.set(NOW - timedelta(days=days))  # one after the other, never at the same time
        value.rate(
            session,
            actor=sponsor,
            account=world.account,
            plan=plan,
            overall=overall,
            scores={},
            comment="",
        )
    session.commit()
    sign_in(client, session, sponsor)
    summary = summary_of(client.get(plan_url(world)).text)
    shown = re.findall(r'<li><a href="#priority-\d+">([^<]+)</a></li>', summary)
    assert shown == titles[:5]
    assert "All 7 priorities" in summary
    assert '<strong class="summary-figure">8</strong> out of 10' in summary
    assert "Up 2 on the rating before" in summary
    assert "trend-up" in summary


def test_sections_fold_with_fold_all_and_the_one_asked_for_stays_open(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    sections = ["agreement", "focus", "strategy", "priorities", "value", "initiatives", "actions"]
    opened = dict(FOLD.findall(client.get(plan_url(world)).text))
    assert sorted(opened) == sorted(sections)
    # Open by default; the focus figures folded for the client, whose summary is about it.
    assert {s for s, o in opened.items() if o} == set(sections) - {"focus"}
    folded = client.get(plan_url(world) + "?fold=all").text
    assert {s for s, o in FOLD.findall(folded) if o} == set()
    # The nav then links to the page with that section open.
    assert 'href="?fold=all&amp;open=value#value"' in folded
    one = client.get(plan_url(world) + "?fold=all&open=value").text
    assert {s for s, o in FOLD.findall(one) if o} == {"value"}
    # The h2 of a folded section stays outside its details (headings navigation, axe).
    assert re.search(r'<h2 id="value-title">[^<]*</h2>\s*<details class="fold"', folded)
    sign_in(client, session, world.members["lead"])
    vendor = dict(FOLD.findall(client.get(plan_url(world)).text))
    assert vendor["focus"] == " open"


def test_move_edit_and_remove_sit_in_the_items_menu_and_remove_still_asks(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    plan = plan_of(session, world.account)
    for title in ("First", "Second"):
        priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title=title))
    session.commit()
    sign_in(client, session, sponsor)
    page = client.get(plan_url(world)).text
    first = re.search(r'<details class="menu" id="priority-menu-(\d+)">(.*?)</details>', page, re.S)
    assert first is not None
    menu = first.group(2)
    assert 'aria-label="More for “First”"' in menu
    assert "Move down: First" in menu
    assert f"/priorities/{first.group(1)}/edit" in menu
    assert 'data-confirm="Remove the priority “First”?"' in menu
    assert ">Remove</button>" in menu
    # Outside the menus, the list shows no Remove, Edit or arrow of its own.
    ranked = page[
        page.index('<ol class="priorities"') : page.index(
            "</ol>", page.index('<ol class="priorities"')
        )
    ]
    assert ranked.count(">Remove</button>") == ranked.count('<details class="menu"') == 2


def test_a_strategy_entry_keeps_its_menu_open_after_a_move_from_the_keyboard(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    plan = plan_of(session, world.account)
    first, second = (
        strategy.create(session, actor=sponsor, plan=plan, values=StrategyValues("goal", text))
        for text in ("Grow in the Nordics", "Halve empty kilometres")
    )
    session.commit()
    sign_in(client, session, sponsor)
    page = client.get(plan_url(world)).text
    assert f'<details class="menu" id="strategy-menu-{second.id}">' in page
    moved = client.post(
        f"/accounts/{world.account.id}/strategy/{second.id}/move",
        data={"csrf_token": CSRF, "direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert moved.status_code == 200, moved.text[:300]
    assert f'<details class="menu" id="strategy-menu-{second.id}" open>' in moved.text
    assert f'<details class="menu" id="strategy-menu-{first.id}">' in moved.text


@pytest.mark.parametrize("role", ["sponsor", "lead"])
def test_the_plan_page_keeps_its_query_budget_with_the_summary(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    role: str,
) -> None:
    sign_in(client, session, world.members[role])
    client.get(plan_url(world))  # warm-up
    count_queries.statements.clear()
    assert client.get(plan_url(world)).status_code == 200
    empty = count_queries.count
    plant(session, world, world.account)
    fill_plan(session, world, priorities=12, initiatives=10, actions=30, comments=40)
    client.get(plan_url(world))
    count_queries.statements.clear()
    assert client.get(plan_url(world) + "?fold=all").status_code == 200
    assert count_queries.count == empty, "\n".join(count_queries.statements)
    assert count_queries.count <= BUDGET, "\n".join(count_queries.statements)


def test_a_closed_periods_summary_sends_the_reader_to_the_current_plan(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world, world.account)
    old = plan_of(session, world.account)
    assert old.id is not None
    left = periods_repo.candidates(session, plan_id=old.id).ids()
    values = NextPeriod("Next", date(2099, 1, 1), date(2099, 12, 31), old.id, frozenset(left))
    periods.start_next(session, actor=world.members["lead"], current=old, values=values)
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    summary = summary_of(client.get(f"/accounts/{world.account.id}/plans/{old.id}").text)
    assert kinds(summary) == {}
    assert "This period is closed" in summary
    assert f'href="/accounts/{world.account.id}/plan"' in summary
    assert "Next review" not in summary


def test_a_change_sends_the_summary_again_out_of_band(
    client: TestClient, session: Session, world: World
) -> None:
    """Accepting the suggestion (htmx) answers with the priorities and, out of band, the summary
    without it; a whole page never carries a second summary."""
    planted = plant(session, world, world.account)
    sign_in(client, session, world.members["sponsor"])
    assert kinds(summary_of(client.get(plan_url(world)).text))["suggestions"] == 1
    answered = client.post(
        f"/accounts/{world.account.id}/suggestions/{planted.suggestion}/accept",
        data={"csrf_token": CSRF, "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert answered.status_code == 200, answered.text[:300]
    assert answered.text.count('id="summary"') == 1
    assert 'id="summary" aria-labelledby="summary-title" hx-swap-oob="true"' in answered.text
    assert "fold.js" not in answered.text  # the page has it once already
    assert "suggestions" not in kinds(summary_of(answered.text))
    assert "Suggested: faster depots" in summary_of(answered.text)  # now one of its priorities
    page = client.get(plan_url(world)).text
    assert page.count('id="summary"') == 1
    assert "hx-swap-oob" not in summary_of(page)
