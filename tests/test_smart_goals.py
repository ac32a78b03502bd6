"""SMART goals, not only actions (issue 15, part 5): the client's goals (strategy entries of
the goals kind) and the vendor's account goals (the profile's "Company goals" section, one goal
per paragraph) get the SMART check of ``app.kit.smart`` beside each goal where it is listed and
edited: a goal without a date is flagged "No date: by when?"."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlmodel import Session

from app.actions.smart import Gap
from app.kit.smart import Letter, check_goal, has_date, has_measure
from app.models import ProfileKind
from app.plans import repository as plans_repo
from app.profile import service as profile
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

TODAY = date(2026, 12, 4)
NO_DATE = "No date: by when?"


def letters(text: str, detail: str = "") -> list[Letter]:
    return [p.letter for p in check_goal(text, detail=detail, today=TODAY)]


def test_a_smart_goal_has_no_prompt() -> None:
    assert letters("Grow revenue from services to 30% by 2028 through two new hubs") == []
    assert letters("Cut delivery lead time to 2 days", "Automate the picking by Q3 2027") == []


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Be the best", [Letter.SPECIFIC, Letter.MEASURABLE, Letter.ACHIEVABLE, Letter.TIME_BOUND]),
        ("Grow revenue from services to 30% through new hubs", [Letter.TIME_BOUND]),
        ("Grow revenue from services through new hubs by 2028", [Letter.MEASURABLE]),
        ("Grow revenue from services to 30% by 2028", [Letter.ACHIEVABLE]),
        ("Grow services revenue by 250% in 2027 through hubs", [Letter.REALISTIC]),
        ("Grow services revenue to 30% in 2025 through hubs", [Letter.REALISTIC]),
    ],
)
def test_each_missing_part_is_named(text: str, missing: list[Letter]) -> None:
    assert letters(text) == missing


def test_the_prompts_are_plain() -> None:
    prompts = {p.letter: p.text for p in check_goal("Be the best", today=TODAY)}
    assert prompts[Letter.TIME_BOUND] == NO_DATE
    assert prompts[Letter.MEASURABLE].startswith("No measure")
    passed = check_goal("Grow services to 30% in 2025 through hubs", today=TODAY)
    assert passed[0].text == "The date (2025) has passed: is it still realistic?"


def test_dates_and_measures_are_told_apart() -> None:
    assert has_date("within 6 months")
    assert has_date("by the end of next year")
    assert has_date("in March")
    assert has_date("Q3")
    assert has_date("2027-03-31")
    assert not has_date("grow revenue by 30%")
    assert not has_measure("by Q3 2027")
    assert not has_measure("within 6 months")
    assert has_measure("30% of revenue")
    assert has_measure("3 new depots by 2027")


def test_actions_name_the_letter_of_each_gap() -> None:
    assert Gap.DUE_DATE.letter is Letter.TIME_BOUND
    assert Gap.OUTCOME.letter is Letter.MEASURABLE
    assert Gap.OWNER.letter is Letter.ACHIEVABLE


def _goal(session: Session, world: World, text: str, detail: str = "") -> int:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    entry = strategy.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=StrategyValues(kind="goal", text=text, detail=detail, horizon="next"),
    )
    session.commit()
    assert entry.id is not None
    return entry.id


def _goal_item(page: str, entry_id: int) -> str:
    start = page.index(f'id="strategy-entry-{entry_id}"')
    return page[start : page.index("</li>", start)]


@pytest.mark.parametrize("role", ["sponsor", "lead"])
def test_the_plan_flags_a_client_goal_without_a_date(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    undated = _goal(session, world, "Grow revenue from services to 30% through new hubs")
    dated = _goal(session, world, "Grow revenue from services to 30% by 2099 through new hubs")
    sign_in(client, session, world.members[role])
    page = client.get(f"/accounts/{world.account.id}/plan").text
    assert NO_DATE in html.unescape(_goal_item(page, undated))
    assert "smart-flag" not in _goal_item(page, dated)


def test_a_goals_edit_page_shows_its_check(
    client: TestClient, session: Session, world: World
) -> None:
    entry_id = _goal(session, world, "Be the best")
    sign_in(client, session, world.members["sponsor"])
    page = html.unescape(client.get(f"/accounts/{world.account.id}/strategy/{entry_id}/edit").text)
    assert "this goal is not SMART yet" in page
    assert NO_DATE in page
    assert "Too vague" in page


def test_other_strategy_entries_are_not_checked(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    entry = strategy.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=StrategyValues(kind="challenge", text="Hard"),
    )
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    page = client.get(f"/accounts/{world.account.id}/plan").text
    assert "smart-flag" not in _goal_item(page, entry.id or 0)


def test_the_profile_checks_each_company_goal(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    """The vendor's account goals (the profile's "Company goals", one per paragraph): each
    flagged on its own; the page's queries do not grow with the goals."""
    path = f"/accounts/{world.account.id}/profile"
    sign_in(client, session, world.members["lead"])
    client.get(path)
    count_queries.statements.clear()
    client.get(path)
    before = count_queries.count
    body = (
        "Wants 30% of revenue from services by 2099 through acquisitions.\n\n"
        "Become the greenest logistics partner."
    )
    profile.save(
        session,
        actor=world.members["lead"],
        account_id=world.account.id,  # type: ignore[arg-type]
        kind=ProfileKind.GOALS,
        section=None,
        body=body,
        expected_version=0,
    )
    session.commit()
    count_queries.statements.clear()
    page = html.unescape(client.get(path).text)
    assert count_queries.count == before, count_queries.statements
    goals = page[page.index('class="profile-goal"') :]
    first, second = goals.split('class="profile-goal"')[1:3]
    assert "smart-flag" not in first
    assert NO_DATE in second
    assert "No measure" in second
