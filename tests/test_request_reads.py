"""What a request reads once (``app.db.memo``): the current plan its guard locked is not read
again by its handler, and is never trusted past its transaction or past the start of the next
period; the person's access to the account in the address is read with their session, and the
account's guard takes it from there without a query or a worker thread of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import anyio.to_thread
import pytest
from sqlmodel import Session
from starlette.requests import Request

from app.accounts import repository as accounts_repo
from app.auth.deps import account_in_path
from app.db import after_commit, ends_without_waiting, memo
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.permissions import guards
from app.permissions.policy import Actor, Verb
from app.plans import repository as plans_repo
from app.web.errors import NotFoundError
from tests.conftest import BACKEND, QueryCounter, RollbackDatabase
from tests.factories import World, sign_in
from tests.testclient import TestClient


def _locked(session: Session, world: World) -> int | None:
    plan = plans_repo.current(session, account_id=world.account.id or 0, lock=True)
    return plan.id if plan is not None else None


def test_the_locked_current_plan_is_read_once_per_transaction(
    session: Session, world: World, count_queries: QueryCounter
) -> None:
    count_queries.statements.clear()
    first = _locked(session, world)
    assert count_queries.count == 1
    assert _locked(session, world) == first
    unlocked = plans_repo.current(session, account_id=world.account.id or 0)
    assert unlocked is not None
    assert unlocked.id == first
    assert count_queries.count == 1, count_queries.statements


def test_an_unlocked_read_is_not_kept(
    session: Session, world: World, count_queries: QueryCounter
) -> None:
    """A writer needs the row lock: a plan read without it is read again, locked."""
    count_queries.statements.clear()
    plans_repo.current(session, account_id=world.account.id or 0)
    _locked(session, world)
    assert count_queries.count == 2


def test_a_read_only_session_keeps_nothing(
    db: RollbackDatabase, world: World, count_queries: QueryCounter
) -> None:
    with db.session(writes=False) as reading:
        count_queries.statements.clear()
        _locked(reading, world)
        _locked(reading, world)
        assert count_queries.count == 2


def test_what_was_kept_ends_with_the_transaction(
    session: Session, world: World, count_queries: QueryCounter
) -> None:
    _locked(session, world)
    session.commit()
    assert memo(session, "current_plan") == {}
    count_queries.statements.clear()
    _locked(session, world)
    assert count_queries.count == 1


def test_a_flush_keeps_it(session: Session, world: World, count_queries: QueryCounter) -> None:
    """Every flush opens and ends a subtransaction of its own: that is not the end."""
    plan = plans_repo.current(session, account_id=world.account.id or 0, lock=True)
    assert plan is not None
    plan.period = "FY2030"
    session.add(plan)
    session.flush()
    count_queries.statements.clear()
    assert _locked(session, world) == plan.id
    assert count_queries.count == 0


def test_the_next_period_started_in_the_transaction_is_the_current_plan(
    session: Session, world: World
) -> None:
    old = plans_repo.current(session, account_id=world.account.id or 0, lock=True)
    assert old is not None
    assert old.id is not None
    values = NextPeriod("FY2031", date(2031, 1, 1), date(2031, 12, 31), old.id, frozenset())
    started = periods.start_next(session, actor=world.admin, current=old, values=values)
    session.flush()
    assert started.plan.id != old.id
    assert _locked(session, world) == started.plan.id


def test_the_dependencies_every_request_passes_that_only_read_it_take_no_worker_thread() -> None:
    """FastAPI runs a plain ``def`` dependency in a worker thread: a hop that costs more than
    these checks do. Those that query the database (the session, the guards) stay plain."""
    import inspect

    from app.auth.deps import current_actor, get_settings, optional_actor
    from app.db import request_session
    from app.web.forms import form_is_text, ids_in_range
    from app.web.security import csrf_protect

    for dependency in (csrf_protect, form_is_text, ids_in_range, get_settings, current_actor):
        assert inspect.iscoroutinefunction(dependency), dependency.__name__
    # The account's guard decides on what the look-up read (its own read is a hop it makes).
    assert inspect.iscoroutinefunction(guards.AccountGuard.__call__)
    assert not inspect.iscoroutinefunction(optional_actor)  # it reads the session: off the loop
    # The session is made on the loop (no I/O) and ended in a worker thread (commit, close),
    # or on the loop where that waits for nothing (``ends_without_waiting``: SQLite, reads).
    assert inspect.isasyncgenfunction(request_session)


def _samples(path: str) -> list[str]:
    """Paths ``path`` answers: each parameter as a number, and as a word."""
    import re

    parameter = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
    return [parameter.sub("12345", path), parameter.sub(lambda m: f"x{m.group(1)}", path)]


def test_no_two_routers_answer_the_same_request() -> None:
    """The routers are tried in the order of ``app.main`` (the busiest first, for speed): that
    order must decide nothing, so no route of one router may answer a request another
    router's route answers."""
    from fastapi.routing import APIRoute

    from app import main

    routers = [*main.PUBLIC_ROUTERS, *main.DEV_ROUTERS, *main.PRIVATE_ROUTERS]
    routes = [
        (index, route)
        for index, router in enumerate(routers)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    assert len(routes) > 100
    both = [
        (mine.path, theirs.path)
        for index, mine in routes
        for other, theirs in routes
        if index != other
        and mine.methods & theirs.methods
        and any(theirs.path_regex.match(sample) for sample in _samples(mine.path))
    ]
    assert both == []


def _hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of what each hop to a worker thread runs, from now on."""
    ran: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **options: Any) -> Any:
        named = getattr(func, "func", func)  # FastAPI hands over a functools.partial
        ran.append(getattr(named, "__name__", type(named).__name__))
        return await run_sync(func, *args, **options)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return ran


def test_the_access_is_read_with_the_session_and_the_guard_takes_no_worker_thread(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The plan page, behind ``AccountGuard``: the person's look-up with their access to the
    account, the page, and on PostgreSQL the end of the request's transaction (on SQLite a
    reading transaction ends on the event loop: ``ends_without_waiting``), but no hop for the
    guard; and the access is read once, right after the session."""
    sign_in(client, session, world.members["lead"])
    hops = _hops(monkeypatch)
    count_queries.statements.clear()
    assert client.get(f"/accounts/{world.account.id}/plan").status_code == 200
    assert hops[0] == "optional_actor", hops
    assert len(hops) == (2 if BACKEND == "sqlite" else 3), hops
    assert ("_finish" in hops) is (BACKEND == "postgresql"), hops
    statements = [s for s in count_queries.statements if s.startswith("SELECT")]
    lookup = next(i for i, s in enumerate(statements) if "FROM user_session" in s)
    access = [i for i, s in enumerate(statements) if s.startswith("SELECT account.id")]
    assert access == [lookup + 1], statements


def test_someone_who_is_not_on_the_account_is_refused_on_what_was_read_with_the_session(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    foreign = client.get(f"/accounts/{world.foreign_account.id}/plan")
    assert foreign.status_code == 404
    assert client.get(f"/accounts/{world.account.id}/plan").status_code == 200


def test_the_guard_reads_the_access_itself_when_the_look_up_did_not(
    session: Session, world: World, count_queries: QueryCounter
) -> None:
    """Nothing was read with the person (an address whose account the look-up could not
    tell): the guard reads the access in a worker thread, once for the transaction."""
    lead = Actor.of(world.members["lead"])
    guard = guards.AccountGuard(Verb.PLAN_VIEW)
    account_id = world.account.id or 0
    count_queries.statements.clear()
    access = asyncio.run(guard(account_id, lead, session))
    assert access.account_id == account_id
    assert count_queries.count == 1
    assert asyncio.run(guard(account_id, lead, session)) == access
    assert count_queries.count == 1
    with pytest.raises(NotFoundError):
        asyncio.run(guard(world.foreign_account.id or 0, lead, session))
    assert count_queries.count == 2


def test_what_was_read_for_one_person_is_not_anothers(session: Session, world: World) -> None:
    lead, outsider = world.members["lead"], world.outsider or world.other_admin
    account_id = world.account.id or 0
    found = accounts_repo.load_access(session, account_id=account_id, user_id=lead.id or 0)
    accounts_repo.remember_access(
        session, account_id=account_id, user_id=lead.id or 0, access=found
    )
    kept = accounts_repo.remembered_access(session, account_id=account_id, user_id=outsider.id or 0)
    assert kept is accounts_repo.NOT_READ
    theirs = guards.load_access(session, account_id=account_id, actor=Actor.of(outsider))
    assert found is not None
    assert found.membership is not None
    assert theirs is not None
    assert theirs.membership is None  # read for them: not a member of it


@pytest.mark.parametrize(
    ("value", "account_id"),
    [
        ("12", 12),
        ("007", 7),
        ("abc", None),
        ("", None),
        ("0", None),
        ("-3", None),
        ("1e3", None),
        ("\u0661\u0662", None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_the_account_in_the_address_is_a_number_a_row_can_have(
    value: str, account_id: int | None
) -> None:
    request = Request({"type": "http", "path_params": {"account_id": value}})
    assert account_in_path(request) == account_id


def test_an_address_without_an_account_names_none() -> None:
    assert account_in_path(Request({"type": "http", "path_params": {}})) is None


def test_a_change_committed_before_its_answer_ends_on_the_event_loop_on_sqlite(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A comment (``commit_before_answer``, then its answer read): its commit wakes this
    instance's live streams (only a wake-up), so the request ends without a worker thread on
    SQLite; PostgreSQL's commit is a round trip, in a worker thread."""
    from tests.test_comments import post, thread_path

    thread = thread_path(session, world, "priority")
    sign_in(client, session, world.members["lead"])
    assert client.get(thread, headers={"HX-Request": "true"}).status_code == 200  # a first touch
    hops = _hops(monkeypatch)
    posted = post(client, thread, "On the loop.", htmx=True)
    assert posted.status_code == 200, posted.text
    assert "On the loop." in posted.text
    assert ("_finish" in hops) is (BACKEND == "postgresql"), hops


def test_a_session_ends_on_the_loop_only_when_that_waits_for_nothing(
    db: RollbackDatabase,
) -> None:
    sqlite = BACKEND == "sqlite"
    with db.session(writes=False) as reading:
        assert ends_without_waiting(reading) is sqlite
        after_commit(reading, lambda: None, only_wakes=True)
        assert ends_without_waiting(reading) is sqlite
        after_commit(reading, lambda: None)  # e.g. a session's activity written down
        assert ends_without_waiting(reading) is False
    with db.session() as writing:  # its COMMIT writes
        assert ends_without_waiting(writing) is False
