"""Rating the relationship: a client contributor (``ValueRater``) adds a rating; ratings are
never edited, each new one is kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Fragment
from app.permissions.guards import ValueRater
from app.plans.page import current_plan, plan_page
from app.value import service
from app.value.schemas import RatingForm
from app.web.errors import NotFoundError
from app.web.forms import FormErrors

router = APIRouter()
SECTION = Fragment("value/_section.html")


@router.post("/accounts/{account_id}/ratings")
def add_rating(
    request: Request,
    actor: CurrentActor,
    access: ValueRater,
    db: DbSession,
    form: Annotated[RatingForm, FormOf(RatingForm)],
) -> Response:
    plan = current_plan(db, access)
    page = plan_page(request, db, actor, access)
    values = form.check(access.account.workspace.value_dimensions)
    if isinstance(values, FormErrors):
        return page.refused(422, SECTION, value_form=form, value_errors=values)
    try:
        service.rate(
            db,
            actor=actor.user,
            account=access.account,
            plan=plan,
            overall=values.overall,
            scores=values.scores,
            comment=values.comment,
            future_overall=values.future_overall,
            future_scores=values.future_scores,
        )
    except service.NotThisAccount:
        raise NotFoundError() from None
    notice = f"Thank you: your rating of {values.overall} out of 10 is saved."
    return page.done(notice, SECTION, anchor="value", notice_as="value_notice")
