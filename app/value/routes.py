"""Rating the relationship: a client contributor (``ValueRater``) adds a rating; ratings are
never edited, each new one is kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.permissions.guards import ValueRater
from app.plans import repository as plans_repo
from app.plans.page import back_to_plan, render_plan
from app.strategy.routes import render_section
from app.value import service
from app.value.schemas import RatingForm
from app.web.errors import NotFoundError
from app.web.templating import is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Texts = Annotated[list[str] | None, Form()]


@router.post("/accounts/{account_id}/ratings")
def add_rating(
    request: Request,
    actor: CurrentActor,
    access: ValueRater,
    db: DbSession,
    settings: SettingsDep,
    overall: Text = "",
    comment: Text = "",
    dimension: Texts = None,  # the names, in the order of the score fields
    score: Texts = None,
) -> Response:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    form = RatingForm.of(
        overall=overall, dimensions=dimension or [], scores=score or [], comment=comment
    )
    errors, value, scores = form.check(access.account.workspace.value_dimensions)
    if errors:
        typed: dict[str, Any] = {"value_form": form, "value_errors": errors}
        if is_htmx(request):
            return render_section(
                request, db, actor, access, "value/_section.html", status_code=422, **typed
            )
        return render_plan(request, db, actor, access, status_code=422, **typed)
    service.rate(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        overall=value,
        scores=scores,
        comment=form.comment,
        base_url=settings.base_url,
    )
    notice = f"Thank you: your rating of {value} out of 10 is saved."
    if is_htmx(request):
        return render_section(
            request, db, actor, access, "value/_section.html", value_notice=notice
        )
    return back_to_plan(request, access, notice, "value")
