"""Periods: the page of a closed period (read-only, for both sides), and the lead's form that
starts the next period, with a confirmation step that says what will carry over."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts import repository as accounts_repo
from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Page, redirect
from app.models import Plan
from app.periods import repository, service
from app.periods.repository import Candidates
from app.periods.schemas import CONFIRM, EDIT, NextPeriodForm
from app.permissions.guards import PlanReader, PlanRollover
from app.permissions.policy import AccountAccess
from app.plans import repository as plans_repo
from app.plans.page import current_plan, plan_page, plan_url
from app.web.errors import ConflictError
from app.web.forms import FormErrors, as_int

router = APIRouter()
Form_ = Annotated[NextPeriodForm, FormOf(NextPeriodForm)]


def _started_meanwhile(current: Plan) -> ConflictError:
    return ConflictError(
        f"The next period, “{current.period}”, was started meanwhile: nothing was done. "
        "Open the plan to see it."
    )


def _next_page(
    request: Request, db: DbSession, access: AccountAccess, current: Plan, found: Candidates
) -> Page:
    """The form that starts the next period, and its confirmation step."""

    def context() -> dict[str, Any]:
        return {
            "access": access,
            "account": access.account,
            "plan": current,
            "found": found,
            "people": {m.user_id: m.user for m in _members(db, access)},
            "form": NextPeriodForm(from_plan=str(current.id)),
            "errors": FormErrors(),
            "confirming": False,
        }

    return Page(request, "periods/next.html", context, url=f"{plan_url(access)}/next")


def _members(db: DbSession, access: AccountAccess) -> Any:
    return accounts_repo.list_members(db, account_id=access.account_id)


@router.get("/accounts/{account_id}/plan/next")
def next_period(request: Request, access: PlanRollover, db: DbSession) -> Response:
    current = current_plan(db, access)
    assert current.id is not None
    found = repository.candidates(db, plan_id=current.id)
    return _next_page(request, db, access, current, found).render()


@router.post("/accounts/{account_id}/plan/next")
def start_next_period(
    request: Request,
    actor: CurrentActor,
    access: PlanRollover,
    db: DbSession,
    form: Form_,
) -> Response:
    """Without ``step=confirm``: what will happen, to confirm (nothing is written). With it:
    start the period, under the lock of the current plan (``current_plan`` in a writing
    request): of two simultaneous starts, the second finds the period started (409)."""
    current = current_plan(db, access)
    assert current.id is not None
    if as_int(form.from_plan) not in (None, current.id):
        raise _started_meanwhile(current)
    found = repository.candidates(db, plan_id=current.id)
    page = _next_page(request, db, access, current, found)
    if form.step == EDIT:  # back from the confirmation, to change the choices
        return page.render(form=form)
    taken = [p.period for p in plans_repo.periods(db, account_id=access.account_id)]
    values = form.check(taken=taken, open_ids=found.ids())
    if isinstance(values, FormErrors):
        return page.refused(422, form=form, errors=values)
    if form.step != CONFIRM:
        return page.render(form=form, values=values, confirming=True)
    try:
        result = service.start_next(db, actor=actor.user, current=current, values=values)
    except service.AlreadyStarted as started:
        raise _started_meanwhile(started.current) from None
    notice = (
        f"Started the period {result.plan.period}. {result.previous.period} is closed: "
        "it stays readable from the periods above the plan."
        + (
            " The joint review still to be held moves with the plan."
            if result.moved_reviews
            else ""
        )
    )
    return redirect(request, plan_url(access), notice)


@router.get("/accounts/{account_id}/plans/{plan_id}")
def show_period(
    request: Request, actor: CurrentActor, access: PlanReader, db: DbSession, plan_id: int
) -> Response:
    """A period of the plan (404 unless it is one of the account's): a closed one read-only,
    with its agreement and versions; the plan page finds it among the account's periods."""
    return plan_page(request, db, actor, access, plan_id).render()
