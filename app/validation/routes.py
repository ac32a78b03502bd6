"""The client's validation page: the profile sections the vendor sent for the client's check
(only the text as sent, never the vendor's working text) and the client's answers. Every role of
both sides reads it (the vendor side as a preview of what the client sees); the client's sponsor
and members confirm or correct. An unsent section, or another account's, is not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Page
from app.models import ProfileKind, ProfileSection, Validation
from app.permissions.guards import ValidationAnswerer, account_page
from app.permissions.policy import Verb
from app.profile import service as profile_service
from app.validation.page import PROFILE_SECTION, answered_item, validation_page
from app.validation.schemas import AnswerForm
from app.web.forms import FormErrors, Text

router = APIRouter()


account_page(
    router,
    "/accounts/{account_id}/validation",
    Verb.VALIDATION_VIEW,
    validation_page,
    name="show_validation",
)


@router.post("/accounts/{account_id}/validation/profile/{section_id}")
def answer_section(
    request: Request,
    actor: CurrentActor,
    access: ValidationAnswerer,
    db: DbSession,
    section_id: int,
    form: Annotated[AnswerForm, FormOf(AnswerForm)],
    version: Text = "",
) -> Response:
    section = answered_item(db, actor, access, ProfileSection, section_id, kept=form.correction)
    answer = form.check()

    def page(**changes: Any) -> Page:
        return validation_page(
            request, db, actor, access, answering=True, section_id=section_id, **changes
        )

    if isinstance(answer, FormErrors):
        return page(typed=form.typed, errors=answer).refused(422, PROFILE_SECTION)
    try:
        profile_service.answer(
            db,
            actor=actor.user,
            section=section,
            decision=answer.decision,
            correction=answer.correction,
            expected_version=version.strip(),
        )
    except profile_service.StaleEdit as stale:
        # Nothing was saved; a typed correction stays in the form, next to what is there now.
        return page(typed=form.typed, stale=stale.who).refused(409, PROFILE_SECTION)
    label = ProfileKind(section.kind).label
    if answer.decision is Validation.CONFIRMED:
        notice = f"Thank you: you confirmed “{label}”. Your account team is told."
    else:
        notice = f"Thank you: your correction of “{label}” is sent to your account team."
    anchor = f"validation-profile-{section_id}"
    return page(notice=notice).done(notice, PROFILE_SECTION, anchor=anchor)
