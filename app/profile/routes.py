"""The account profile (vendor only): eight sections of what the team knows about the client,
each of which the lead can send to the client for validation. Client roles are refused by the
guards (403) before anything is loaded; an unknown section kind is not found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Fragment, Page
from app.models import ProfileKind, ProfileSection
from app.permissions.guards import InsightWriter, ValidationRequester, account_page
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.profile import repository, service, view
from app.profile.schemas import GUIDES, SectionForm, kind_of
from app.web.forms import FormErrors, as_int
from app.web.templating import is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
SECTION = Fragment("profile/_section.html")


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


def profile_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    kind: ProfileKind | None = None,
    **changes: Any,
) -> Page:
    """The page; with ``kind``, htmx gets that section alone (``SECTION``) with the summary
    out of band, and ``changes`` set what the section's forms show (typed text, errors, a
    notice...)."""

    def context() -> dict[str, Any]:
        context = profile_context(db, actor, access)
        if kind is not None:
            current = next(v for v in context["sections"] if v.kind is kind)
            for name, value in changes.items():
                setattr(current, name, value)
            if is_htmx(request):
                context |= {"view": current, "oob": True}
        return context

    url = f"/accounts/{access.account_id}/profile"
    return Page(request, "profile/show.html", context, url=url)


def _version(value: str) -> int:
    """The version a form was based on; anything unreadable is simply out of date."""
    number = as_int(value)
    return -1 if number is None else number


def _section(db: DbSession, access: AccountAccess, kind: ProfileKind) -> ProfileSection | None:
    return repository.get_for_write(db, account_id=access.account_id, kind=kind.value)


account_page(
    router, "/accounts/{account_id}/profile", Verb.INSIGHT_VIEW, profile_page, name="show_profile"
)


@router.post("/accounts/{account_id}/profile/{kind}")
def save_section(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    kind: str,
    form: Annotated[SectionForm, FormOf(SectionForm)],
    version: Text = "",
) -> Response:
    section_kind = kind_of(kind)
    checked = form.check()
    if isinstance(checked, FormErrors):
        return profile_page(
            request, db, actor, access, section_kind, typed=form.body, errors=checked
        ).refused(422, SECTION)
    section = _section(db, access, section_kind)
    try:
        saved = service.save(
            db,
            actor=actor.user,
            account_id=access.account_id,
            kind=section_kind,
            section=section,
            body=checked.body,
            expected_version=_version(version),
        )
    except service.StaleEdit as stale:
        return profile_page(
            request, db, actor, access, section_kind, typed=form.body, stale=stale
        ).refused(409, SECTION)
    label = section_kind.label
    notice = f"Saved “{label}”." if saved is not None else f"Nothing to save in “{label}”."
    page = profile_page(request, db, actor, access, section_kind, notice=notice)
    return page.done(notice, SECTION, anchor=GUIDES[section_kind].anchor)


def _section_change(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    kind: ProfileKind,
    change: Callable[[ProfileSection], object],
    *,
    notice: str,
    missing: str,
    stale: str = "",
) -> Response:
    """Make ``change`` to the section; when it cannot be made (no section: ``missing``; a
    ``ProfileProblem``; changed meanwhile: ``stale``), 409 with the reason, else ``notice``."""
    section = _section(db, access, kind)
    try:
        if section is None:
            raise service.ProfileProblem(missing)
        change(section)
    except service.StaleEdit as edit:
        problem = f"{edit.who} changed this section meanwhile, so {stale}"
        return profile_page(request, db, actor, access, kind, problem=problem).refused(409, SECTION)
    except service.ProfileProblem as problem:
        page = profile_page(request, db, actor, access, kind, problem=problem.message)
        return page.refused(409, SECTION)
    page = profile_page(request, db, actor, access, kind, notice=notice)
    return page.done(notice, SECTION, anchor=GUIDES[kind].anchor)


@router.post("/accounts/{account_id}/profile/{kind}/share")
def share_section(
    request: Request,
    actor: CurrentActor,
    access: ValidationRequester,
    db: DbSession,
    kind: str,
    version: Text = "",
) -> Response:
    section_kind = kind_of(kind)
    return _section_change(
        request,
        db,
        actor,
        access,
        section_kind,
        lambda section: service.share(
            db,
            actor=actor.user,
            section=section,
            expected_version=_version(version),
        ),
        notice=f"Sent “{section_kind.label}” to {access.account.client_org.name} for "
        "validation; their sponsor and members are told.",
        missing="Write this section before you send it: there is no text to check.",
        stale="nothing was sent. Read the text as it is now, then send it again.",
    )


@router.post("/accounts/{account_id}/profile/{kind}/withdraw")
def withdraw_section(
    request: Request, actor: CurrentActor, access: ValidationRequester, db: DbSession, kind: str
) -> Response:
    section_kind = kind_of(kind)
    return _section_change(
        request,
        db,
        actor,
        access,
        section_kind,
        lambda section: service.withdraw(db, actor=actor.user, section=section),
        notice=f"Stopped asking the client about “{section_kind.label}”; it is internal again.",
        missing="This section is not with the client.",
    )


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
    return _section_change(
        request,
        db,
        actor,
        access,
        section_kind,
        lambda section: service.adopt_correction(
            db, actor=actor.user, section=section, expected_version=_version(version)
        ),
        notice=f"“{section_kind.label}” now reads as the client corrected it.",
        missing="The client has not corrected this section, so there is nothing to use.",
        stale="your text was not replaced. Read it as it is now, then decide again.",
    )
