"""The account profile (vendor only): eight sections of what the team knows about the client,
each of which the lead can send to the client for validation. Client roles are refused by the
guards (403) before anything is loaded; an unknown section kind is not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.models import ProfileKind, ProfileSection
from app.permissions.guards import InsightReader, InsightWriter, ValidationRequester
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.profile import repository, service, view
from app.profile.schemas import GUIDES, check_body, kind_of
from app.web.forms import FormErrors, as_int
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]


def profile_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows: one query for the sections and the people named on them."""
    views = view.profile_views(repository.sections(db, account_id=access.account_id))
    return {
        "access": access,
        "account": access.account,
        "sections": views,
        "validated": view.validated_count(views),
        "waiting": sum(1 for v in views if v.validation == "pending"),
        "total": len(views),
        "can_write": may(actor, access, Verb.INSIGHT_WRITE),
        "can_request": may(actor, access, Verb.VALIDATION_REQUEST),
        "oob": False,
    }


def render_profile(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    kind: ProfileKind | None = None,
    *,
    status_code: int = 200,
    **changes: Any,
) -> Response:
    """The page, or (for htmx, when ``kind`` is given) that section alone with the summary.
    ``changes`` set what the section's forms show (typed text, errors, a notice...)."""
    context = profile_context(db, actor, access)
    if kind is None:
        return get_templates(request).render(
            request, "profile/show.html", context, status_code=status_code
        )
    current = next(v for v in context["sections"] if v.kind is kind)
    for name, value in changes.items():
        setattr(current, name, value)
    if is_htmx(request):
        context |= {"view": current, "oob": True}
        return get_templates(request).render(
            request, "profile/_section.html", context, status_code=status_code
        )
    return get_templates(request).render(
        request, "profile/show.html", context, status_code=status_code
    )


def _done(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    kind: ProfileKind,
    notice: str,
) -> Response:
    """After a change: the section again for htmx, else back to it with a flash."""
    if is_htmx(request):
        return render_profile(request, db, actor, access, kind, notice=notice)
    response = RedirectResponse(
        f"/accounts/{access.account_id}/profile#{GUIDES[kind].anchor}", status_code=303
    )
    get_templates(request).flash(response, notice)
    return response


def _version(value: str) -> int:
    """The version a form was based on; anything unreadable is simply out of date."""
    number = as_int(value)
    return -1 if number is None else number


def _section(db: DbSession, access: AccountAccess, kind: ProfileKind) -> ProfileSection | None:
    return repository.get_for_write(db, account_id=access.account_id, kind=kind.value)


@router.get("/accounts/{account_id}/profile")
def show_profile(
    request: Request, actor: CurrentActor, access: InsightReader, db: DbSession
) -> Response:
    return render_profile(request, db, actor, access)


@router.post("/accounts/{account_id}/profile/{kind}")
def save_section(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    kind: str,
    body: Text = "",
    version: Text = "",
) -> Response:
    section_kind = kind_of(kind)
    errors = FormErrors()
    text = check_body(body, errors)
    if errors:
        return render_profile(
            request, db, actor, access, section_kind, status_code=422, typed=body, errors=errors
        )
    section = _section(db, access, section_kind)
    try:
        saved = service.save(
            db,
            actor=actor.user,
            account_id=access.account_id,
            kind=section_kind,
            section=section,
            body=text,
            expected_version=_version(version),
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        return render_profile(
            request, db, actor, access, section_kind, status_code=409, typed=body, stale=stale
        )
    label = section_kind.label
    notice = f"Saved “{label}”." if saved is not None else f"Nothing to save in “{label}”."
    return _done(request, db, actor, access, section_kind, notice)


@router.post("/accounts/{account_id}/profile/{kind}/share")
def share_section(
    request: Request,
    actor: CurrentActor,
    access: ValidationRequester,
    db: DbSession,
    settings: SettingsDep,
    kind: str,
    version: Text = "",
) -> Response:
    section_kind = kind_of(kind)
    section = _section(db, access, section_kind)
    try:
        if section is None:
            raise service.ProfileProblem(
                "Write this section before you send it: there is no text to check."
            )
        service.share(
            db,
            actor=actor.user,
            section=section,
            expected_version=_version(version),
            base_url=settings.base_url,
        )
    except service.StaleEdit as stale:
        problem = (
            f"{stale.who} changed this section meanwhile, so nothing was sent. Read the text as "
            "it is now, then send it again."
        )
        return render_profile(
            request, db, actor, access, section_kind, status_code=409, problem=problem
        )
    except service.ProfileProblem as problem:
        return render_profile(
            request, db, actor, access, section_kind, status_code=409, problem=problem.message
        )
    notice = (
        f"Sent “{section_kind.label}” to {access.account.client_org.name} for validation; "
        "their sponsor and members are told."
    )
    return _done(request, db, actor, access, section_kind, notice)


@router.post("/accounts/{account_id}/profile/{kind}/withdraw")
def withdraw_section(
    request: Request,
    actor: CurrentActor,
    access: ValidationRequester,
    db: DbSession,
    kind: str,
) -> Response:
    section_kind = kind_of(kind)
    section = _section(db, access, section_kind)
    try:
        if section is None:
            raise service.ProfileProblem("This section is not with the client.")
        service.withdraw(db, actor=actor.user, section=section)
    except service.ProfileProblem as problem:
        return render_profile(
            request, db, actor, access, section_kind, status_code=409, problem=problem.message
        )
    notice = f"Stopped asking the client about “{section_kind.label}”; it is internal again."
    return _done(request, db, actor, access, section_kind, notice)


@router.post("/accounts/{account_id}/profile/{kind}/adopt")
def adopt_correction(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    kind: str,
    version: Text = "",
) -> Response:
    section_kind = kind_of(kind)
    section = _section(db, access, section_kind)
    try:
        if section is None:
            raise service.ProfileProblem(
                "The client has not corrected this section, so there is nothing to use."
            )
        service.adopt_correction(
            db, actor=actor.user, section=section, expected_version=_version(version)
        )
    except service.StaleEdit as stale:
        problem = (
            f"{stale.who} changed this section meanwhile, so your text was not replaced. "
            "Read it as it is now, then decide again."
        )
        return render_profile(
            request, db, actor, access, section_kind, status_code=409, problem=problem
        )
    except service.ProfileProblem as problem:
        return render_profile(
            request, db, actor, access, section_kind, status_code=409, problem=problem.message
        )
    notice = f"“{section_kind.label}” now reads as the client corrected it."
    return _done(request, db, actor, access, section_kind, notice)
