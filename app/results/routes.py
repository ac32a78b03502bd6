"""The account's own goals and results (vendor only, internal): ``/accounts/N/results``.

Client roles are refused by the guards (403) before anything is loaded. The page reads the
year asked (``?year=``, the reader's current year by default); the lead, the team and admins
set the year's goals and record each quarter's actuals there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.versioned import StaleEdit
from app.permissions.guards import ResultsReader, ResultsWriter
from app.permissions.policy import Actor
from app.results import page as results_page
from app.results import service
from app.results.schemas import FIRST_YEAR, LAST_YEAR, ActualForm, GoalForm
from app.web.forms import FormErrors, Version, as_int

router = APIRouter()
BLOCK = "results"
Goals = Annotated[GoalForm, FormOf(GoalForm)]
Actuals = Annotated[ActualForm, FormOf(ActualForm)]


def _year(raw: str, actor: Actor) -> int:
    """The year asked for, or the reader's current one when none (or no sensible one) is."""
    year = as_int(raw.strip(), max_digits=4)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return actor.today().year
    return year


@router.get("/accounts/{account_id}/results", name="show_results")
def show_results(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    access: ResultsReader,
    year: Annotated[str, Query()] = "",
) -> Response:
    return results_page.page(request, db, actor, access, _year(year, actor)).render()


@router.post("/accounts/{account_id}/results/goals")
def set_goals(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    access: ResultsWriter,
    form: Goals,
    version: Version = 0,
) -> Response:
    values = form.check(actor.locale)
    year = values.year if not isinstance(values, FormErrors) else _year(form.year, actor)
    page = results_page.page(request, db, actor, access, year)
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, goal_errors=values, goal_form=form, goal_version=version)
    try:
        service.set_goals(
            db,
            actor=actor.user,
            account_id=access.account_id,
            values=values,
            expected_version=version,
        )
    except StaleEdit as stale:
        now = stale.current.version
        return page.refused(409, BLOCK, stale=stale, goal_form=form, goal_version=now)
    return page.done(f"Saved the goals for {year}.", BLOCK, anchor="goals")


@router.post("/accounts/{account_id}/results/actuals")
def record_actuals(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    access: ResultsWriter,
    form: Actuals,
    version: Version = 0,
) -> Response:
    values = form.check(actor.today(), actor.locale)
    year = values.year if not isinstance(values, FormErrors) else _year(form.year, actor)
    page = results_page.page(request, db, actor, access, year)
    kept = {"typed_quarter": as_int(form.quarter.strip(), max_digits=1) or 0, "typed_form": form}
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, actual_errors=values, typed_version=version, **kept)
    try:
        service.record_actuals(
            db,
            actor=actor.user,
            account_id=access.account_id,
            values=values,
            expected_version=version,
        )
    except StaleEdit as stale:
        now = stale.current.version
        return page.refused(409, BLOCK, stale=stale, typed_version=now, **kept)
    return page.done(
        f"Saved the actuals of Q{values.quarter} {values.year}.",
        BLOCK,
        anchor=f"q{values.quarter}",
    )
