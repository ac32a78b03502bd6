"""The client's validation page: the profile sections the vendor sent for the client's check
(only the text as sent, never the vendor's working text) and the client's answers. Every role of
both sides reads it (the vendor side as a preview of what the client sees); the client's sponsor
and members confirm or correct. An unsent section, or another account's, is not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.models import ProfileKind, ProfileSection, Validation
from app.permissions.guards import ValidationAnswerer, ValidationReader, enforce_item
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.profile import repository as profile_repo
from app.profile import service as profile_service
from app.profile.view import SentView
from app.stakeholders import repository as stakeholders_repo
from app.stakeholders.view import SentPerson, shared_names
from app.validation.schemas import AnswerForm
from app.web.errors import ANSWER_GONE, NotFoundError
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]


def validation_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries. Each part of the page is one
    key (``sent_sections`` for the profile; the stakeholder facts sent for confirmation join
    as ``sent_stakeholders``); none of them carries a field that was not sent."""
    sent = [
        SentView.of(row) for row in profile_repo.sent_sections(db, account_id=access.account_id)
    ]
    rows = stakeholders_repo.sent_for_confirmation(db, account_id=access.account_id)
    names = shared_names(rows)
    people = [SentPerson.of(row, names) for row in rows]
    return {
        "access": access,
        "account": access.account,
        "is_preview": access.is_vendor,
        "can_answer": may(actor, access, Verb.VALIDATION_ANSWER),
        "sent_sections": sent,
        "sent_stakeholders": people,
        "waiting": sum(s.is_pending for s in sent) + sum(p.is_pending for p in people),
        "oob": False,
    }


def render_validation(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    section_id: int | None = None,
    *,
    status_code: int = 200,
    **changes: Any,
) -> Response:
    """The page, or (for htmx, when ``section_id`` is given) that section alone with the
    count of what still waits. ``changes`` set what its answer form shows."""
    context = validation_context(db, actor, access)
    if section_id is not None:
        current = next((s for s in context["sent_sections"] if s.id == section_id), None)
        if current is None:
            raise NotFoundError()
        for name, value in changes.items():
            setattr(current, name, value)
        if is_htmx(request):
            context |= {"item": current, "oob": True}
            return get_templates(request).render(
                request, "validation/_profile_section.html", context, status_code=status_code
            )
    return get_templates(request).render(
        request, "validation/show.html", context, status_code=status_code
    )


def _sent_section(
    db: DbSession, actor: Actor, access: AccountAccess, section_id: int
) -> ProfileSection:
    section = profile_repo.get_by_id(db, account_id=access.account_id, section_id=section_id)
    if section is None:
        raise NotFoundError()
    # Unsent sections are internal: not found for the client side, like a missing id.
    enforce_item(actor, access, Verb.VALIDATION_ANSWER, section)
    return section


@router.get("/accounts/{account_id}/validation")
def show_validation(
    request: Request, actor: CurrentActor, access: ValidationReader, db: DbSession
) -> Response:
    return render_validation(request, db, actor, access)


@router.post("/accounts/{account_id}/validation/profile/{section_id}")
def answer_section(
    request: Request,
    actor: CurrentActor,
    access: ValidationAnswerer,
    db: DbSession,
    settings: SettingsDep,
    section_id: int,
    decision: Text = "",
    correction: Text = "",
    version: Text = "",
) -> Response:
    try:
        section = _sent_section(db, actor, access, section_id)
    except NotFoundError:
        # Withdrawn meanwhile, or never there (the same answer either way): keep the text.
        raise NotFoundError(ANSWER_GONE, kept=correction) from None
    form = AnswerForm(decision, correction)
    errors, answer = form.check()
    typed = correction if decision == "correct" else None
    if errors or answer is None:
        return render_validation(
            request, db, actor, access, section_id, status_code=422, typed=typed, errors=errors
        )
    try:
        profile_service.answer(
            db,
            actor=actor.user,
            section=section,
            decision=answer,
            correction=form.correction,
            expected_version=version.strip(),
            base_url=settings.base_url,
        )
    except profile_service.StaleEdit as stale:
        # Nothing was saved; a typed correction stays in the form, next to what is there now.
        return render_validation(
            request, db, actor, access, section_id, status_code=409, typed=typed, stale=stale.who
        )
    label = ProfileKind(section.kind).label
    if answer is Validation.CONFIRMED:
        notice = f"Thank you: you confirmed “{label}”. Your account team is told."
    else:
        notice = f"Thank you: your correction of “{label}” is sent to your account team."
    if is_htmx(request):
        return render_validation(request, db, actor, access, section_id, notice=notice)
    response = RedirectResponse(
        f"/accounts/{access.account_id}/validation#validation-profile-{section_id}",
        status_code=303,
    )
    get_templates(request).flash(response, notice)
    return response
