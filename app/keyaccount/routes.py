"""``POST /accounts/{id}/plan/key-account``: the client sponsor answers whether the client wants
a key-account relationship (``KeyAccountAnswerer``: the sponsor only); everyone on the plan
reads the answer in the plan's section."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.keyaccount import service
from app.keyaccount.schemas import AnswerForm
from app.kit.forms import FormOf
from app.kit.pages import Fragment
from app.permissions.guards import KeyAccountAnswerer
from app.plans.page import plan_page
from app.web.forms import FormErrors

router = APIRouter()
SECTION = Fragment("keyaccount/_section.html")


@router.post("/accounts/{account_id}/plan/key-account")
def answer(
    request: Request,
    actor: CurrentActor,
    access: KeyAccountAnswerer,
    db: DbSession,
    form: Annotated[AnswerForm, FormOf(AnswerForm)],
) -> Response:
    page = plan_page(request, db, actor, access)
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, SECTION, key_account_form=form, key_account_errors=values)
    try:
        changed = service.answer(
            db,
            actor=actor.user,
            account_id=access.account_id,
            values=values,
            based_on=form.version,
        )
    except service.StaleEdit as stale:
        # Shown the saved answer; the person's own choice and words stay in the form.
        saved = stale.current
        form.based_on = str(saved.version if saved else 0)
        return page.refused(
            409, SECTION, key_account_form=form, key_account_stale=stale.who or "Someone"
        )
    notice = (
        f"Thank you: your answer, “{values.answer.label}”, is saved."
        if changed
        else "Your answer is unchanged."
    )
    return page.done(notice, SECTION, anchor="key-account", notice_as="key_account_notice")
