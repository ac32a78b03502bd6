"""The plan page's query budget (DESIGN.md §7): at most 10 SQL queries, whatever the plan's size.

A plan with 30 priorities, 60 initiatives, 300 actions and 2,000 comments is built with plain
inserts (the services' behaviour is tested elsewhere; here only the reading side matters; the
comment tallies are made again from the comments) and
read by each side. The count must be the same as for an almost empty plan, so nothing is loaded
per item.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.comments import repository as comments_repo
from app.models import (
    Action,
    ActionStatus,
    Comment,
    Initiative,
    InitiativePriority,
    InitiativeStatus,
    Plan,
    Priority,
    StrategyEntry,
    StrategyKind,
    ValueRating,
    Visibility,
    utcnow,
)
from app.periods import repository as periods_repo
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.plans import repository as plans_repo
from app.priorities import repository as priorities_repo
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

BUDGET = 10


def _plan(session: Session, world: World) -> Plan:
    assert world.account.id is not None
    plan = plans_repo.current(session, account_id=world.account.id)
    assert plan is not None
    assert plan.id is not None
    return plan


def fill_plan(
    session: Session,
    world: World,
    *,
    priorities: int,
    initiatives: int,
    actions: int,
    comments: int,
) -> None:
    """Add items of every kind to the own account's plan, linked the way real plans are."""
    plan = _plan(session, world)
    assert plan.id is not None
    account_id = plan.account_id
    sponsor, lead = world.members["sponsor"], world.members["lead"]
    start = priorities_repo.last_rank(session, plan_id=plan.id)
    rows: list[Priority] = [
        Priority(
            account_id=account_id,
            plan_id=plan.id,
            rank=start + i + 1,
            title=f"Priority {i}",
            description="Why it matters " * 10,
            owner_id=sponsor.id,
            created_by_id=sponsor.id,
        )
        for i in range(priorities)
    ]
    session.add_all(rows)
    for kind in StrategyKind:
        session.add(
            StrategyEntry(account_id=account_id, plan_id=plan.id, kind=kind, text=f"{kind} entry")
        )
    for overall in (5, 6, 7):
        session.add(
            ValueRating(
                account_id=account_id,
                plan_id=plan.id,
                overall=overall,
                scores={"Responsiveness": overall},
                rated_by_id=sponsor.id,
            )
        )
    session.flush()
    inits: list[Initiative] = []
    statuses = list(InitiativeStatus)
    for i in range(initiatives):
        status = statuses[i % len(statuses)]
        inits.append(
            Initiative(
                account_id=account_id,
                plan_id=plan.id,
                title=f"Initiative {i}",
                status=status,
                visibility=Visibility.INTERNAL
                if status is InitiativeStatus.DRAFT
                else Visibility.SHARED,
                owner_id=lead.id,
                created_by_id=lead.id,
            )
        )
    session.add_all(inits)
    session.flush()
    for i, initiative in enumerate(inits):
        for priority in rows[i % max(len(rows), 1) :][:2]:
            session.add(
                InitiativePriority(
                    initiative_id=initiative.id,  # type: ignore[arg-type]
                    priority_id=priority.id,  # type: ignore[arg-type]
                    account_id=account_id,
                )
            )
    shared_inits = [i for i in inits if i.visibility == Visibility.SHARED]
    acts: list[Action] = []
    for i in range(actions):
        acts.append(
            Action(
                account_id=account_id,
                plan_id=plan.id,
                title=f"Action {i}",
                outcome="Measured by something" if i % 3 else "",
                owner_id=(lead.id if i % 2 else sponsor.id) if i % 5 else None,
                due_on=utcnow().date() + timedelta(days=i - 50) if i % 4 else None,
                status=list(ActionStatus)[i % len(ActionStatus)],
                priority_id=rows[i % len(rows)].id if rows and i % 2 else None,
                initiative_id=shared_inits[i % len(shared_inits)].id
                if shared_inits and not i % 2
                else None,
                created_by_id=lead.id,
            )
        )
    session.add_all(acts)
    session.flush()
    targets: list[dict[str, object]] = (
        [{"priority_id": p.id} for p in rows]
        + [{"initiative_id": i.id} for i in inits]
        + [{"action_id": a.id} for a in acts]
        + [{"strategy_kind": StrategyKind.GOAL.value}]
    )
    session.add_all(
        Comment(
            account_id=account_id,
            plan_id=plan.id,
            author_id=(lead.id if n % 2 else sponsor.id),  # type: ignore[arg-type]
            body=f"Comment {n} @Client sponsor",
            visibility=Visibility.INTERNAL if n % 7 == 0 else Visibility.SHARED,
            **targets[n % len(targets)],  # type: ignore[arg-type]
        )
        for n in range(comments)
    )
    session.flush()
    comments_repo.recount(session, plan_id=plan.id)  # inserted without the service
    session.commit()


def _count(client: TestClient, path: str, counter: QueryCounter) -> int:
    client.get(path)  # warm-up: the session's last-seen touch, template compilation
    counter.statements.clear()
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return counter.count


@pytest.mark.parametrize("role", ["lead", "sponsor", "viewer"])
def test_plan_page_query_count_is_constant_and_within_budget(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    role: str,
) -> None:
    path = f"/accounts/{world.account.id}/plan"
    sign_in(client, session, world.members[role])
    fill_plan(session, world, priorities=1, initiatives=2, actions=2, comments=3)
    small = _count(client, path, count_queries)
    fill_plan(session, world, priorities=29, initiatives=58, actions=298, comments=1997)
    large = _count(client, path, count_queries)
    assert large == small, "\n".join(count_queries.statements)
    assert large <= BUDGET, "\n".join(count_queries.statements)


def _comment_on(session: Session, world: World, priority: Priority, count: int) -> None:
    """``count`` comments on ``priority``'s thread, each naming someone (so that the members
    who may be named are read for every page of it), one in five team-only."""
    session.add_all(
        Comment(
            account_id=priority.account_id,
            plan_id=priority.plan_id,
            priority_id=priority.id,
            author_id=world.members["lead" if n % 2 else "sponsor"].id,  # type: ignore[arg-type]
            body=f"On the first priority, {n}, @Client sponsor",
            visibility=Visibility.INTERNAL if n % 5 == 4 else Visibility.SHARED,
        )
        for n in range(count)
    )
    session.flush()
    comments_repo.recount(session, plan_id=priority.plan_id)  # inserted without the service
    session.commit()


@pytest.mark.parametrize("role", ["lead", "sponsor"])
def test_partials_query_count_is_constant_and_within_budget(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    role: str,
) -> None:
    """The plan's lazily loaded partials: a comment thread and the "changes since" line."""
    sign_in(client, session, world.members[role])
    fill_plan(session, world, priorities=1, initiatives=2, actions=2, comments=3)
    plan = _plan(session, world)
    first = priorities_repo.ranked(session, plan_id=plan.id)[0][0]  # type: ignore[arg-type]
    _comment_on(session, world, first, 1)
    base = f"/accounts/{world.account.id}"
    paths = [f"{base}/threads/priority/{first.id}", f"{base}/plan/changes?summary=1"]
    client.headers["HX-Request"] = "true"
    small = [_count(client, path, count_queries) for path in paths]
    # 2,000 more comments across the plan, and 300 on the thread that is read
    fill_plan(session, world, priorities=29, initiatives=58, actions=298, comments=1997)
    _comment_on(session, world, first, 300)
    large = [_count(client, path, count_queries) for path in paths]
    assert large == small, "\n".join(count_queries.statements)
    assert max(large) <= BUDGET, "\n".join(count_queries.statements)


@pytest.mark.parametrize("role", ["lead", "sponsor"])
def test_a_closed_period_page_runs_as_few_queries(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    role: str,
) -> None:
    """A closed period's page (the full-size plan, read-only) costs what the current plan's
    page costs, and so does the new period's, whatever either holds."""
    sign_in(client, session, world.members[role])
    fill_plan(session, world, priorities=30, initiatives=60, actions=300, comments=2000)
    old = _plan(session, world)
    assert old.id is not None
    left = periods_repo.candidates(session, plan_id=old.id).ids()
    values = NextPeriod("Next", date(2099, 1, 1), date(2099, 12, 31), old.id, frozenset(left))
    periods.start_next(session, actor=world.members["lead"], current=old, values=values)
    session.commit()
    closed = _count(client, f"/accounts/{world.account.id}/plans/{old.id}", count_queries)
    assert closed <= BUDGET, "\n".join(count_queries.statements)
    current = _count(client, f"/accounts/{world.account.id}/plan", count_queries)
    assert current == closed, "\n".join(count_queries.statements)
