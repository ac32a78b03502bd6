"""The account profile (vendor only): eight sections of what the team knows about the client,
each of which the lead can send to the client for validation. Client roles are refused by the
guards (403) before anything is loaded; an unknown section kind is not found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Fragment, Page
from app.models import ProfileKind, ProfileSection
from app.permissions.guards import AccountGuard, InsightWriter, account_page
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.profile import repository, service, view
from app.profile.schemas import GUIDES, SectionForm, kind_of
from app.web.confirm import asks_first
from app.web.forms import FormErrors, Text, as_int
from app.web.templating import is_htmx

router = APIRouter()
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


@dataclass(frozen=True)
class SectionButton:
    """A button on a section: the verb it needs, the change it makes (``change(db, actor,
    section, version)``, the version the page showed), what it says once made
    (``notice(access, kind)``) and why it cannot be made (no such section: ``missing``;
    changed meanwhile: ``stale``)."""

    name: str
    verb: Verb
    change: Callable[[Session, Actor, ProfileSection, int], object]
    notice: Callable[[AccountAccess, ProfileKind], str]
    missing: str
    stale: str = ""
    asks: str = ""  # the button's action when it asks first (``app.web.confirm``)
    danger: bool = True


BUTTONS = {
    "share": SectionButton(
        "share_section",
        Verb.VALIDATION_REQUEST,
        lambda db, actor, section, version: service.share(
            db, actor=actor.user, section=section, expected_version=version
        ),
        lambda access, kind: (
            f"Sent “{kind.label}” to {access.account.client_org.name} for "
            "validation; their sponsor and members are told."
        ),
        missing="Write this section before you send it: there is no text to check.",
        stale="nothing was sent. Read the text as it is now, then send it again.",
    ),
    "withdraw": SectionButton(
        "withdraw_section",
        Verb.VALIDATION_REQUEST,
        lambda db, actor, section, _: service.withdraw(db, actor=actor.user, section=section),
        lambda _, kind: f"Stopped asking the client about “{kind.label}”; it is internal again.",
        missing="This section is not with the client.",
        asks="Stop sharing",
    ),
    "adopt": SectionButton(
        "adopt_correction",
        Verb.INSIGHT_WRITE,
        lambda db, actor, section, version: service.adopt_correction(
            db, actor=actor.user, section=section, expected_version=version
        ),
        lambda _, kind: f"“{kind.label}” now reads as the client corrected it.",
        missing="The client has not corrected this section, so there is nothing to use.",
        stale="your text was not replaced. Read it as it is now, then decide again.",
        asks="Use the client's correction",
        danger=False,
    ),
}


def _button_route(action: str, button: SectionButton) -> None:
    """``POST /accounts/{account_id}/profile/{kind}/<action>``, to whoever may ``button.verb``."""
    Access = Annotated[AccountAccess, Depends(AccountGuard(button.verb))]

    def press(
        request: Request,
        actor: CurrentActor,
        access: Access,
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
            lambda section: button.change(db, actor, section, _version(version)),
            notice=button.notice(access, section_kind),
            missing=button.missing,
            stale=button.stale,
        )

    # This module's annotations are strings, resolved against its globals: ``Access`` is local.
    press.__annotations__["access"] = Access
    path = f"/accounts/{{account_id}}/profile/{{kind}}/{action}"
    endpoint = asks_first(button.asks, danger=button.danger)(press) if button.asks else press
    router.add_api_route(path, endpoint, methods=["POST"], name=button.name)


for _action, _button in BUTTONS.items():
    _button_route(_action, _button)
