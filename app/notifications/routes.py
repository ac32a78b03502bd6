"""The signed-in person's inbox (their notifications by account and day, newest first; opening
one marks it read: a small POST form, since a GET never writes), what they want to be told and
how (``/me/notifications``), and the one-click unsubscribe link every notice e-mail carries
(public: the signed token in the link authorises it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.kit import clock
from app.kit.pages import redirect
from app.mail import unsubscribe
from app.models import User
from app.notifications import preferences, repository, service, view
from app.notifications.schemas import PreferencesForm, read_preferences
from app.web.errors import NotFoundError, or_404
from app.web.forms import MAX_ID, FormErrors, safe_next
from app.web.security import csrf_exempt
from app.web.templating import get_templates

router = APIRouter()
public = APIRouter()
PAGE = 50
PREFERENCES = "/me/notifications"


@router.get("/inbox")
def inbox(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """One page of the person's news, grouped by account and by day where they live."""
    rows = repository.inbox(db, user_id=actor.id, before=before, limit=PAGE + 1)
    shown = rows[:PAGE]
    older = shown[-1][0].id if len(rows) > PAGE else None
    unread = repository.unread_by_account(db, user_id=actor.id) if shown else {}
    groups = view.group(shown, zone=actor.zone, now=clock.now(), unread_by_account=unread)
    return get_templates(request).render(
        request,
        "notifications/inbox.html",
        {
            "groups": groups,
            "unread": sum(unread.values()),
            "newest": shown[0][0].id if shown and before is None else None,
            "older": older,
            "is_first_page": before is None,
        },
    )


@router.post("/inbox/read-all")
def read_all(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    upto: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Mark read what the page showed: with ``upto`` (its newest notification), news that came
    after the page was opened stays unread."""
    newest = repository.get_own(db, user_id=actor.id, notification_id=upto) if upto else None
    if upto and newest is None:
        # The page's newest notification is gone from view (its account was left): what came
        # after the page was opened cannot be told apart, so nothing is marked.
        return redirect(request, "/inbox", "Nothing was marked: reload the inbox and try again.")
    count = service.mark_all_read(db, user=actor.user, upto=newest)
    notice = "Everything in your inbox is marked read." if count else "Nothing was unread."
    return redirect(request, "/inbox", notice)


@router.post("/inbox/{notification_id}/read")
def read_one(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    notification_id: int,
    open_link: Annotated[str, Form(alias="open")] = "",
) -> Response:
    """Mark read; with ``open`` set, go on to what the notification is about."""
    note = or_404(repository.get_own(db, user_id=actor.id, notification_id=notification_id))
    service.mark_read(db, notification=note)
    if open_link:
        return redirect(request, safe_next(note.link, "/inbox"))
    return redirect(request, f"/inbox#notification-{note.id}")  # back where the person was


# --- What the person wants to be told ----------------------------------------------------------


def _preferences_page(
    request: Request,
    user: User,
    chosen: dict[str, str],
    errors: FormErrors,
    *,
    status_code: int = 200,
) -> Response:
    kinds = preferences.kinds_for(user)
    return get_templates(request).render(
        request,
        "notifications/preferences.html",
        {
            "groups": [
                ("Reminders", [k for k in kinds if k.group == preferences.REMINDERS]),
                ("News from your accounts", [k for k in kinds if k.group == preferences.NEWS]),
            ],
            "chosen": chosen,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get(PREFERENCES)
def preferences_page(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    chosen = {k: d.value for k, d in preferences.chosen(db, user_id=actor.id).items()}
    return _preferences_page(request, actor.user, chosen, FormErrors())


@router.post(PREFERENCES)
def save_preferences(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    form: Annotated[PreferencesForm, Depends(read_preferences)],
) -> Response:
    checked = form.check(preferences.kinds_for(actor.user))
    if isinstance(checked, FormErrors):
        checked.add("_form", "Some choices were missing; choose one option for each kind.")
        return _preferences_page(request, actor.user, form.chosen, checked, status_code=422)
    changed = service.choose(db, user=actor.user, wanted=checked)
    notice = "Your choices are saved." if changed else "Nothing changed."
    return redirect(request, PREFERENCES, notice)


# --- One-click unsubscribe (public: the signed token is the authority) ---------------------------


def _subscriber(db: DbSession, settings: SettingsDep, token: str) -> tuple[User, str]:
    """The person and kind a genuine link names; anything else is the ordinary 404."""
    found = unsubscribe.read(settings.resolved_secret_key, token)
    if found is None or not preferences.is_unsubscribable(found[0]):
        raise NotFoundError()
    user = db.get(User, found[1])
    if user is None or user.is_disabled:
        raise NotFoundError()
    return user, found[0]


@public.get("/unsubscribe/{token}")
def unsubscribe_page(
    request: Request, db: DbSession, settings: SettingsDep, token: str
) -> Response:
    user, kind = _subscriber(db, settings, token)
    return get_templates(request).render(
        request,
        "notifications/unsubscribe.html",
        {"kind_label": preferences.label_of(kind), "email": user.email, "done": False},
    )


@public.post("/unsubscribe/{token}")
@csrf_exempt
def unsubscribe_now(request: Request, db: DbSession, settings: SettingsDep, token: str) -> Response:
    """RFC 8058: a mail client posts ``List-Unsubscribe=One-Click`` here with no cookie at
    all, so this route is exempt from the CSRF check; the signed token authorises it, for this
    one person and kind only (the confirm page posts here too)."""
    user, kind = _subscriber(db, settings, token)
    assert user.id is not None
    current = preferences.chosen(db, user_id=user.id)
    service.choose(db, user=user, wanted=preferences.turned_off_by(kind, current), by_link=True)
    return get_templates(request).render(
        request,
        "notifications/unsubscribe.html",
        {"kind_label": preferences.label_of(kind), "email": user.email, "done": True},
    )
