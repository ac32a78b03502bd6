"""What a request reads once (``app.db.memo``): the current plan its guard locked is not read
again by its handler, and is never trusted past its transaction or past the start of the next
period."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.db import memo
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.plans import repository as plans_repo
from tests.conftest import QueryCounter, RollbackDatabase
from tests.factories import World


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
    assert not inspect.iscoroutinefunction(optional_actor)  # it reads the session: off the loop
    # The session is made on the loop (no I/O) and ended in a worker thread (commit, close).
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
