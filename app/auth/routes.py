"""Sign-in, sign-out, forgotten and changed passwords."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.apitokens import repository as tokens_repo
from app.apitokens import service as tokens_service
from app.apitokens.schemas import EXPIRY_DAYS, SCOPE_LABELS, TokenForm
from app.auth import service, sessions
from app.auth.deps import CurrentActor, OptionalActor, SettingsDep, client_ip
from app.auth.passwords import password_problem
from app.auth.responses import signed_in_redirect
from app.db import DbSession, absolute_url
from app.kit import numbers
from app.kit.clock import DEFAULT_ZONE, now, zone_names
from app.kit.forms import FormOf
from app.kit.pages import redirect
from app.models import PasswordReset, User
from app.permissions.policy import Actor
from app.users import repository as users_repo
from app.users import service as users_service
from app.users.schemas import LocaleForm, TimeZoneForm
from app.web.confirm import asks_first
from app.web.errors import GoneError, or_404
from app.web.forms import MAX_ID, FormErrors, Text, check_email, check_new_password, safe_next
from app.web.security import rotate_csrf
from app.web.templating import get_templates

public = APIRouter()
router = APIRouter()


@public.get("/login")
def login_form(
    request: Request, actor: OptionalActor, settings: SettingsDep, next: str = "/"
) -> Response:
    if actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return get_templates(request).render(
        request,
        "auth/login.html",
        {
            "email": "",
            "errors": FormErrors(),
            "next": safe_next(next),
            "providers": settings.oidc_providers,
        },
    )


@public.post("/login")
def login(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    email: Text = "",
    password: Text = "",
    next: Text = "/",
) -> Response:
    errors = FormErrors()
    address = check_email(email, errors)
    if not password:
        errors.add("password", "Enter your password.")
    status = 422
    if not errors:
        result = service.sign_in_with_password(
            db,
            email=address,
            password=password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            accept_language=request.headers.get("accept-language", ""),
            settings=settings,
        )
        if result.user is not None:
            return signed_in_redirect(request, result.token, settings, safe_next(next))
        errors.add("_form", result.error)
        status = 429 if result.wait_seconds else 401
    return get_templates(request).render(
        request,
        "auth/login.html",
        {
            "email": email,
            "errors": errors,
            "next": safe_next(next),
            "providers": settings.oidc_providers,
        },
        status_code=status,
    )


@public.post("/logout")
def logout(
    request: Request, actor: OptionalActor, db: DbSession, settings: SettingsDep
) -> Response:
    """Public so that signing out of an already expired session still clears the cookie."""
    if actor is not None:
        service.sign_out(db, user=actor.user, token=request.state.session_token)
    response = redirect(request, "/login", "You are signed out.")
    sessions.clear_cookie(response, settings)
    rotate_csrf(request, response, secure=settings.secure_cookies)
    return response


@public.get("/password/forgot")
def forgot_form(request: Request) -> Response:
    return get_templates(request).render(
        request, "auth/forgot.html", {"email": "", "errors": FormErrors(), "sent": False}
    )


@public.post("/password/forgot")
def forgot(request: Request, db: DbSession, settings: SettingsDep, email: Text = "") -> Response:
    errors = FormErrors()
    address = check_email(email, errors)
    if not errors:
        service.request_reset(db, email=address, settings=settings)
    return get_templates(request).render(
        request,
        "auth/forgot.html",
        {"email": email, "errors": errors, "sent": not errors},
        status_code=422 if errors else 200,
    )


def _reset_or_gone(db: DbSession, token: str) -> tuple[PasswordReset, User]:
    found = service.find_reset(db, token)
    if found is None:
        raise GoneError(
            "This password reset link is not valid any more: it was used, it expired, or it was "
            "replaced by a newer one. Ask for a new link on the sign-in page."
        )
    return found


@public.get("/password/reset/{token}")
def reset_form(request: Request, db: DbSession, token: str) -> Response:
    _reset_or_gone(db, token)
    return get_templates(request).render(
        request, "auth/reset.html", {"token": token, "errors": FormErrors()}
    )


@public.post("/password/reset/{token}")
def reset(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    token: str,
    password: Text = "",
    password_confirm: Text = "",
) -> Response:
    reset_row, user = _reset_or_gone(db, token)
    errors = FormErrors()
    problem = password_problem(password, email=user.email)
    check_new_password(password, password_confirm, errors, problem=problem)
    if errors:
        return get_templates(request).render(
            request, "auth/reset.html", {"token": token, "errors": errors}, status_code=422
        )
    service.reset_password(db, reset=reset_row, user=user, password=password)
    session_token = service.complete_sign_in(
        db,
        user=user,
        method="password_reset",
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        accept_language=request.headers.get("accept-language", ""),
        settings=settings,
    )
    response = signed_in_redirect(request, session_token, settings, "/")
    get_templates(request).flash(response, "Your password is changed and you are signed in.")
    return response


def _me(
    db: DbSession, actor: Actor, *, errors: FormErrors | None = None, **typed: object
) -> dict[str, object]:
    """The profile page's context: both forms blank but for what was typed into one."""
    has_password = users_repo.password_identity(db, user_id=actor.id) is not None
    return {
        "errors": errors or FormErrors(),
        "has_password": has_password,
        "zone_form": TimeZoneForm(actor.user.time_zone),
        "locale_form": LocaleForm(actor.locale),
        "locales": list(numbers.LOCALES.items()),
        "zone_names": zone_names(),
        "home_zone": actor.home_zone or DEFAULT_ZONE,
        "has_workspace": actor.workspace_id is not None,
        "now": now(),
        "calendar_feed": users_repo.calendar_feed(db, user_id=actor.id),
        "calendar_url": "",
        "calendar_notice": "",
        "tokens": tokens_repo.for_user(db, user_id=actor.id),
        "token_form": TokenForm(),
        "expiry_days": EXPIRY_DAYS,
        "scope_labels": SCOPE_LABELS,
        "new_secret": "",
    } | typed


@router.get("/me")
def me(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    return get_templates(request).render(request, "auth/me.html", _me(db, actor))


@router.post("/me/time-zone")
def set_time_zone(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    form: Annotated[TimeZoneForm, FormOf(TimeZoneForm)],
) -> Response:
    """The person's own time zone, or "" for their workspace's."""
    checked = form.check(default_allowed=True)
    if isinstance(checked, FormErrors):
        context = _me(db, actor, errors=checked, zone_form=form)
        return get_templates(request).render(request, "auth/me.html", context, status_code=422)
    changed = users_service.set_time_zone(db, actor=actor.user, time_zone=checked.name)
    shown = checked.name or f"your workspace's, {actor.home_zone or DEFAULT_ZONE}"
    notice = (
        f"Your time zone is now {shown}: “today”, due dates and times follow it."
        if changed
        else f"Your time zone was {shown} already."
    )
    return redirect(request, "/me#time-zone", notice)


@router.post("/me/locale")
def set_locale(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    form: Annotated[LocaleForm, FormOf(LocaleForm)],
) -> Response:
    """How numbers, money and dates are written for the person."""
    checked = form.check()
    if isinstance(checked, FormErrors):
        context = _me(db, actor, errors=checked, locale_form=form)
        return get_templates(request).render(request, "auth/me.html", context, status_code=422)
    changed = users_service.set_locale(db, actor=actor.user, locale=checked.tag)
    shown = numbers.LOCALES[checked.tag].split(":")[0]
    notice = (
        f"Numbers, money and dates are now written for you as in {shown}."
        if changed
        else f"Numbers, money and dates were written as in {shown} already."
    )
    return redirect(request, "/me#locale", notice)


def _calendar_made(
    request: Request, db: DbSession, actor: Actor, notice: str, *, rotate: bool
) -> Response:
    """The profile page with the feed's new address, shown this once (only its hash is kept).
    Turning on a feed that is on already (a page from before) changes nothing: a new address
    is asked for on purpose, with its own button."""
    token = users_service.new_calendar_feed(db, actor=actor.user, rotate=rotate)
    if not token:
        return redirect(
            request,
            "/me#calendar",
            "Your calendar feed is on already. Lost its address? Make a new one.",
        )
    url = absolute_url(db, f"/calendar/{token}.ics")
    context = _me(db, actor, calendar_url=url, calendar_notice=notice)
    return get_templates(request).render(request, "auth/me.html", context)


@router.post("/me/calendar")
def turn_on_calendar(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    """A calendar feed of the person's due dates and reviews, at a new secret address."""
    return _calendar_made(
        request,
        db,
        actor,
        "Your calendar feed is on. Copy its address now: it is shown only this once.",
        rotate=False,
    )


@router.post("/me/calendar/rotate")
@asks_first("Make a new address")
def rotate_calendar(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    """A new secret address; the old one stops at once (a leaked address is closed)."""
    return _calendar_made(
        request,
        db,
        actor,
        "Your calendar feed has a new address and the old one no longer works. Copy it now: "
        "it is shown only this once.",
        rotate=True,
    )


@router.post("/me/calendar/off")
@asks_first("Turn off")
def turn_off_calendar(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    changed = users_service.turn_off_calendar_feed(db, actor=actor.user)
    notice = (
        "Your calendar feed is off: its address no longer works."
        if changed
        else "Your calendar feed was off already."
    )
    return redirect(request, "/me#calendar", notice)


@router.post("/me/password")
def change_password(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    settings: SettingsDep,
    current_password: Text = "",
    password: Text = "",
    password_confirm: Text = "",
) -> Response:
    has_password = users_repo.password_identity(db, user_id=actor.id) is not None
    errors = FormErrors()
    if has_password and not current_password:
        errors.add("current_password", "Enter your current password.")
    problem = password_problem(password, email=actor.user.email)
    check_new_password(password, password_confirm, errors, problem=problem)
    if not errors:
        changed = service.change_password(
            db,
            user=actor.user,
            current=current_password,
            new=password,
            keep_token=request.state.session_token,
        )
        if not changed.error:
            response = signed_in_redirect(request, changed.token, settings, "/me")
            get_templates(request).flash(
                response, "Password changed. Every other session of yours was signed out."
            )
            return response
        errors.add("current_password", changed.error)
    return get_templates(request).render(
        request, "auth/me.html", _me(db, actor, errors=errors), status_code=422
    )


@router.post("/me/tokens")
def create_token(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    form: Annotated[TokenForm, FormOf(TokenForm)],
) -> Response:
    """A personal access token for the API: its secret is on this answer only (never again)."""
    checked = form.check()
    templates = get_templates(request)
    if isinstance(checked, FormErrors):
        context = _me(db, actor, errors=checked, token_form=form)
        return templates.render(request, "auth/me.html", context, status_code=422)
    token, secret = tokens_service.create(db, actor=actor.user, checked=checked)
    context = _me(db, actor, new_secret=secret, new_token=token)
    return templates.render(request, "auth/me.html", context)


@router.get("/me/tokens/{token_id}/uses")
def token_uses(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    settings: SettingsDep,
    token_id: int,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Every request made with one of the person's own tokens, newest first, a page at a time
    (another person's token is not found)."""
    token = or_404(tokens_repo.own(db, user_id=actor.id, token_id=token_id))
    assert token.id is not None
    page = tokens_repo.uses(db, token_id=token.id, before=before)
    context = {
        "token": token,
        "uses": page.uses,
        "older": page.older,
        "before": before,
        "kept_days": settings.api_token_use_days,
    }
    return get_templates(request).render(request, "auth/token_uses.html", context)


@router.post("/me/tokens/{token_id}/revoke")
@asks_first("Revoke")
def revoke_token(request: Request, actor: CurrentActor, db: DbSession, token_id: int) -> Response:
    """Stop one of the person's own tokens at once (another person's is not found)."""
    token = or_404(tokens_repo.own(db, user_id=actor.id, token_id=token_id))
    revoked = tokens_service.revoke(db, actor=actor.user, token=token)
    notice = (
        f"The token “{token.name}” is revoked: it stopped working at once."
        if revoked
        else f"The token “{token.name}” was revoked already."
    )
    return redirect(request, "/me#api-tokens", notice)
