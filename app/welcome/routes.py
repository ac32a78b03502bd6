"""The short path's two screens. Plain forms that post and redirect (it works without
JavaScript); with htmx, step 1 swaps in step 2 and step 2 goes on to the plan, so the whole
path is one page load after the invitation's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Fragment, Page, redirect, render
from app.kit.words import plural
from app.permissions.guards import PriorityWriter, ValueRater, enforce
from app.permissions.policy import AccountAccess, Actor, Verb, decide
from app.plans.page import current_plan, plan_url
from app.priorities import repository as priorities_repo
from app.value.schemas import SCORES
from app.web.errors import AppError
from app.web.forms import FormErrors, Text
from app.web.templating import get_templates, is_htmx
from app.welcome import progress, service
from app.welcome.progress import Step
from app.welcome.schemas import PrioritiesStep, ValueStep

router = APIRouter()
TEMPLATE = "welcome/path.html"
STEP = Fragment(TEMPLATE, "step")
PATH = "/accounts/{account_id}/welcome"


def _context(db: Any, actor: Actor, access: AccountAccess, step: Step) -> dict[str, Any]:
    plan = current_plan(db, access)
    assert plan.id is not None
    return {
        "account": access.account,
        "step": step.value,
        "existing": list(priorities_repo.active(db, plan_id=plan.id)),
        "priorities_form": PrioritiesStep(),
        "value_form": ValueStep(),
        "scores": SCORES,
        "errors": FormErrors(),
        "notice": "",
    }


def _page(request: Request, db: Any, actor: Actor, access: AccountAccess, step: Step) -> Page:
    return Page(
        request,
        TEMPLATE,
        lambda: _context(db, actor, access, step),
        url=progress.url(access.account_id, step),
    )


def _to_step_two(
    request: Request, db: Any, actor: Actor, access: AccountAccess, notice: str
) -> Response:
    """After step 1: step 2 in its place (htmx, with its address), or a redirect to it."""
    url = progress.url(access.account_id, Step.VALUE)
    if not is_htmx(request):
        return redirect(request, url, notice)
    context = _context(db, actor, access, Step.VALUE) | {"notice": notice}
    return render(request, STEP, context, headers={"HX-Push-Url": url})


def _to_plan(request: Request, access: AccountAccess, notice: str) -> Response:
    """The end of the path: the plan page, a whole page load either way."""
    url = plan_url(access)
    if not is_htmx(request):
        return redirect(request, url, notice)
    response = Response(status_code=200, headers={"HX-Redirect": url})
    get_templates(request).flash(response, notice)
    return response


@router.get(PATH)
def priorities_step(
    request: Request, actor: CurrentActor, access: PriorityWriter, db: DbSession
) -> Response:
    return _page(request, db, actor, access, Step.PRIORITIES).render()


@router.get(PATH + "/value")
def value_step(
    request: Request, actor: CurrentActor, access: ValueRater, db: DbSession
) -> Response:
    return _page(request, db, actor, access, Step.VALUE).render()


@router.post(PATH + "/priorities")
def state_priorities(
    request: Request,
    actor: CurrentActor,
    access: PriorityWriter,
    db: DbSession,
    form: Annotated[PrioritiesStep, FormOf(PrioritiesStep)],
) -> Response:
    plan = current_plan(db, access)
    assert plan.id is not None
    existing = len(priorities_repo.active(db, plan_id=plan.id))
    checked = form.check(existing=existing)
    if isinstance(checked, FormErrors):
        page = _page(request, db, actor, access, Step.PRIORITIES)
        return page.refused(422, "step", priorities_form=form, errors=checked)
    added = service.state_priorities(
        db, actor=actor.user, plan=plan, membership=access.membership, values=checked
    )
    notice = f"Saved your {plural(len(added), 'top priority', 'top priorities')}."
    return _to_step_two(request, db, actor, access, notice)


@router.post(PATH + "/value")
def rate(
    request: Request,
    actor: CurrentActor,
    access: ValueRater,
    db: DbSession,
    form: Annotated[ValueStep, FormOf(ValueStep)],
) -> Response:
    plan = current_plan(db, access)
    checked = form.check(access.account.workspace.value_dimensions)
    if isinstance(checked, FormErrors):
        page = _page(request, db, actor, access, Step.VALUE)
        return page.refused(422, "step", value_form=form, errors=checked)
    if checked.advice is not None:  # an entry of the client's strategy: its writers only
        enforce(decide(actor, access, Verb.STRATEGY_WRITE))
    service.rate(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        membership=access.membership,
        values=checked,
    )
    overall = checked.rating.overall
    return _to_plan(request, access, f"Thank you: your rating of {overall} out of 10 is saved.")


@router.post(PATH + "/skip")
def skip(
    request: Request, actor: CurrentActor, access: PriorityWriter, db: DbSession, step: Text = ""
) -> Response:
    """ "Skip for now": from step 1 on to step 2, from step 2 on to the plan."""
    if step not in (Step.PRIORITIES, Step.VALUE):
        raise AppError("Choose a step of the path to skip.")
    following = service.skip(db, membership=access.membership, step=Step(step))
    if following is Step.VALUE:
        return _to_step_two(request, db, actor, access, "")
    return _to_plan(
        request, access, "Your plan is ready to read. Finish setting it up whenever you like."
    )
