"""The first visit's short path (issue 12, point 2): a client contributor who accepts an
invitation goes to their top priorities, then how valuable the relationship is to them, then
the plan. Saved through the plan's own services; skippable, resumable, without JavaScript."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from app.invitations import service as invitations
from app.models import (
    AuditEvent,
    Membership,
    Priority,
    PriorityStatus,
    Role,
    StrategyEntry,
    ValueRating,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def step_one(*titles: str, order: tuple[str, ...] = ()) -> dict[str, object]:
    padded = [*titles, *[""] * 5][:5]
    return {"title": padded, "order": list(order) or ["1", "2", "3", "4", "5"]}


def ranked(session: Session, world: World) -> list[str]:
    session.expire_all()
    rows = session.exec(
        select(Priority)
        .where(Priority.account_id == world.account.id)
        .where(Priority.status == PriorityStatus.ACTIVE)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank))
    ).all()
    return [p.title for p in rows]


def place(session: Session, world: World, role: str) -> str | None:
    session.expire_all()
    membership = session.get(Membership, world.memberships[role].id)
    assert membership is not None
    return membership.welcome


def set_place(session: Session, world: World, role: str, step: str | None) -> None:
    membership = session.get(Membership, world.memberships[role].id)
    assert membership is not None
    membership.welcome = step
    session.add(membership)
    session.commit()


def invite_and_accept(client: TestClient, session: Session, world: World, role: Role) -> str:
    """A new person accepts an invitation as ``role``; where the app sends them."""
    email = f"new-{role.value}@{'client' if role.side.value == 'client' else 'vendor'}.example"
    sent = invitations.invite(
        session,
        inviter=world.members["lead"],
        account=world.account,
        email=email,
        role=role,
        days=7,
    )
    session.commit()
    response = client.post(
        "/invitations/" + sent.link.rsplit("/", 1)[-1],
        data={
            "display_name": "New Person",
            "password": "a long enough passphrase",
            "password_confirm": "a long enough passphrase",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


@pytest.mark.parametrize("role", [Role.SPONSOR, Role.MEMBER])
def test_a_new_client_contributor_goes_from_the_invitation_to_the_path(
    client: TestClient, session: Session, world: World, role: Role
) -> None:
    assert invite_and_accept(client, session, world, role) == url(world, "/welcome")
    membership = session.exec(
        select(Membership)
        .where(Membership.account_id == world.account.id)
        .where(Membership.role == role.value)
        .order_by(col(Membership.created_at).desc())
    ).first()
    assert membership is not None
    assert membership.welcome == "priorities"
    page = client.get(url(world, "/welcome"))
    assert page.status_code == 200
    assert "Your top priorities" in page.text
    assert page.text.count('name="title"') == 5


@pytest.mark.parametrize("role", [Role.VIEWER, Role.TEAM, Role.MENTOR])
def test_vendor_people_and_client_viewers_go_to_the_account_as_before(
    client: TestClient, session: Session, world: World, role: Role
) -> None:
    assert invite_and_accept(client, session, world, role) == url(world)
    assert session.exec(select(Membership).where(col(Membership.welcome).is_not(None))).all() == []


def test_step_one_saves_the_priorities_in_the_order_given_through_the_priorities_service(
    client: TestClient, session: Session, world: World
) -> None:
    set_place(session, world, "sponsor", "priorities")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/welcome/priorities"),
        data=step_one(
            "Grow in Asia", "Cut costs", "Hire engineers", order=("3", "1", "2", "4", "5")
        )
        | {"csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"] == url(world, "/welcome/value")
    assert ranked(session, world) == ["Cut costs", "Hire engineers", "Grow in Asia"]
    created = session.exec(select(AuditEvent).where(AuditEvent.verb == "priority.created")).all()
    assert len(created) == 3
    assert {e.visibility for e in created} == {"shared"}
    assert place(session, world, "sponsor") == "value"
    page = client.get(url(world, "/welcome/value"))
    assert "How valuable is this relationship to you?" in page.text
    assert "Saved your 3 top priorities." in page.text
    assert "And in the future: how much value do you expect" in page.text


def test_step_one_refuses_too_few_or_bad_entries_and_keeps_what_was_typed(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, "/welcome/priorities"),
        data=step_one("Only one & a half", "", "", order=("1", "9", "3", "4", "5"))
        | {"csrf_token": CSRF},
    )
    assert response.status_code == 422
    assert "Type at least 3 priorities" in response.text
    assert 'value="Only one &amp; a half"' in response.text
    bad = client.post(
        url(world, "/welcome/priorities"),
        data=step_one("One", "Two", "Three\u202eevil", order=("1", "x", "3", "4", "5"))
        | {"csrf_token": CSRF},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "<html" not in bad.text
    assert 'id="welcome"' in bad.text
    assert 'id="w-order-two-error"' in bad.text
    assert 'id="w-title-three-error"' in bad.text
    assert 'value="One"' in bad.text
    assert 'value="x"' in bad.text
    assert ranked(session, world) == []


def test_with_priorities_on_the_plan_one_more_is_enough_and_goes_below_them(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    for title in ("First", "Second", "Third"):
        priorities.create(
            session, actor=world.members["sponsor"], plan=plan, values=PriorityValues(title)
        )
    session.commit()
    sign_in(client, session, world.members["member"])
    page = client.get(url(world, "/welcome"))
    assert "Already on the plan, and kept above yours: 1. First; 2. Second; 3. Third." in page.text
    response = client.post(
        url(world, "/welcome/priorities"), data=step_one("Fourth") | {"csrf_token": CSRF}
    )
    assert response.status_code == 303
    assert ranked(session, world) == ["First", "Second", "Third", "Fourth"]


def test_step_two_rates_and_puts_the_advice_in_its_section_of_the_plan(
    client: TestClient, session: Session, world: World
) -> None:
    set_place(session, world, "sponsor", "value")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/welcome/value"),
        data={
            "overall": "8",
            "future_overall": "10",
            "advice": "Bring ideas before we ask",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == url(world, "/plan")
    (rating,) = session.exec(select(ValueRating)).all()
    assert (rating.overall, rating.scores, rating.rated_by_id, rating.future_overall) == (
        8,
        {},
        world.members["sponsor"].id,
        10,
    )
    (advice,) = session.exec(select(StrategyEntry)).all()
    assert (advice.kind, advice.text) == ("advice", "Bring ideas before we ask")
    verbs = {e.verb for e in session.exec(select(AuditEvent)).all()}
    assert {"value.rated", "strategy.added"} <= verbs
    assert place(session, world, "sponsor") == "finished"
    plan = client.get(url(world, "/plan")).text
    assert "your rating of 8 out of 10 is saved" in plan
    assert "Bring ideas before we ask" in plan
    assert "Finish setting up your plan" not in plan


def test_step_two_without_a_rating_is_refused_with_the_advice_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/welcome/value"),
        data={"overall": "", "advice": "Listen <more>", "csrf_token": CSRF},
    )
    assert response.status_code == 422
    assert "Choose an overall rating from 0 to 10." in response.text
    assert "Listen &lt;more&gt;" in response.text
    assert session.exec(select(ValueRating)).all() == []
    assert session.exec(select(StrategyEntry)).all() == []


def test_with_htmx_the_path_is_one_page_load_step_two_swaps_in_then_the_plan(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["member"])
    one = client.post(url(world, "/welcome/priorities"), data=step_one("A", "B", "C"), headers=HTMX)
    assert one.status_code == 200
    assert one.headers["HX-Push-Url"] == url(world, "/welcome/value")
    assert "<html" not in one.text
    assert "Step 2 of 2" in one.text
    two = client.post(url(world, "/welcome/value"), data={"overall": "6"}, headers=HTMX)
    assert two.status_code == 200
    assert two.headers["HX-Redirect"] == url(world, "/plan")
    assert "your rating of 6 out of 10 is saved" in client.get(url(world, "/plan")).text


def test_skip_for_now_moves_on_and_the_plan_offers_to_finish_until_skipped(
    client: TestClient, session: Session, world: World
) -> None:
    set_place(session, world, "member", "priorities")
    sign_in(client, session, world.members["member"])
    plan = client.get(url(world, "/plan")).text
    assert re.search(r'href="/accounts/\d+/welcome">Finish setting up your plan', plan)
    skipped = client.post(
        url(world, "/welcome/skip"), data={"step": "priorities", "csrf_token": CSRF}
    )
    assert skipped.headers["location"] == url(world, "/welcome/value")
    assert place(session, world, "member") == "value"
    assert (
        f'href="/accounts/{world.account.id}/welcome/value"' in client.get(url(world, "/plan")).text
    )
    done = client.post(url(world, "/welcome/skip"), data={"step": "value"}, headers=HTMX)
    assert done.headers["HX-Redirect"] == url(world, "/plan")
    assert place(session, world, "member") == "skipped"
    assert "Finish setting up your plan" not in client.get(url(world, "/plan")).text
    assert ranked(session, world) == []
    assert session.exec(select(ValueRating)).all() == []
    again = client.post(url(world, "/welcome/skip"), data={"step": "elsewhere", "csrf_token": CSRF})
    assert again.status_code == 400


def test_the_plan_offers_nothing_to_people_without_a_path(
    client: TestClient, session: Session, world: World
) -> None:
    set_place(session, world, "viewer", "priorities")  # say the role changed since
    for role in ("sponsor", "viewer", "lead"):
        sign_in(client, session, world.members[role])
        assert "Finish setting up your plan" not in client.get(url(world, "/plan")).text


def test_the_first_step_costs_the_same_queries_whatever_the_plan_holds(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.members["sponsor"])

    def queries() -> int:
        count_queries.statements.clear()
        assert client.get(url(world, "/welcome")).status_code == 200
        return count_queries.count

    small = queries()
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    for n in range(12):
        priorities.create(
            session, actor=world.members["sponsor"], plan=plan, values=PriorityValues(f"P{n}")
        )
    session.commit()
    assert queries() == small
