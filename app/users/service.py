"""Creating people, setting passwords, disabling logins."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from app.auth import sessions
from app.auth.passwords import hash_password
from app.kit import numbers
from app.kit.versioned import Trail
from app.models import (
    CalendarFeed,
    IdentityKind,
    SignInIdentity,
    User,
    Visibility,
    WorkspaceRole,
    utcnow,
)
from app.tokens import new_token, token_hash
from app.users import repository
from app.users.repository import PASSWORD_ISSUER

# People belong to no account: their events are on the global chain, internal.
TRAIL = Trail("user", Visibility.INTERNAL)


def create(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    workspace_id: int | None = None,
    workspace_role: WorkspaceRole | None = None,
    actor: User | None = None,
) -> User:
    user = User(
        email=email,
        display_name=display_name,
        workspace_id=workspace_id,
        workspace_role=workspace_role if workspace_id is not None else None,
    )
    session.add(user)
    session.flush()
    if password is not None:
        set_password(session, user=user, password=password, audited=False)
    changes = {"email": [None, email], "workspace_role": [None, user.workspace_role]}
    TRAIL.event(session, actor or user, user, "user.created", changes)
    return user


def set_password(session: Session, *, user: User, password: str, audited: bool = True) -> None:
    assert user.id is not None
    identity = repository.password_identity(session, user_id=user.id)
    if identity is None:
        identity = SignInIdentity(
            user_id=user.id,
            kind=IdentityKind.PASSWORD,
            issuer=PASSWORD_ISSUER,
            subject=str(user.id),
        )
    identity.password_hash = hash_password(password)
    session.add(identity)
    session.flush()
    if audited:
        TRAIL.event(session, user, user, "user.password_changed", {})


def set_disabled(session: Session, *, actor: User, user: User, disabled: bool) -> None:
    """Disabling ends every session of the user at once."""
    assert user.id is not None
    if user.is_disabled == disabled:
        return
    user.is_disabled = disabled
    session.add(user)
    if disabled:
        sessions.revoke_all(session, user_id=user.id)
    verb = "user.disabled" if disabled else "user.enabled"
    TRAIL.event(session, actor, user, verb, {"is_disabled": [not disabled, disabled]})


def mark_identity_used(session: Session, identity: SignInIdentity) -> None:
    identity.last_used_at = utcnow()
    session.add(identity)


TIME_ZONE_CHANGED = "user.time_zone_changed"


def set_time_zone(session: Session, *, actor: User, time_zone: str) -> bool:
    """The person's own time zone ("" = their workspace's, ``users_repo.home_zone``), under a
    lock of their row; audited on the global chain. False when it was that already (nothing
    written)."""
    assert actor.id is not None
    user = repository.get_for_update(session, user_id=actor.id)
    assert user is not None, "the signed-in person exists"
    return TRAIL.setting(session, user, user, "time_zone", time_zone, TIME_ZONE_CHANGED)


LOCALE_CHANGED = "user.locale_changed"


def adopt_locale(session: Session, *, user: User, accept_language: str) -> str:
    """A person who has no locale yet (their first sign-in) gets the offered one their
    browser prefers, else the default. One conditional update, so two first sign-ins at once
    adopt one locale and a later header never replaces it. Returns the adopted locale, or ""
    when they had one (nothing written; the caller audits the adoption with the sign-in)."""
    if user.locale:
        return ""
    chosen = numbers.best_match(accept_language) or numbers.DEFAULT_LOCALE
    result = session.execute(
        sa.update(User)
        .where(col(User.id) == user.id)
        .where(col(User.locale) == "")
        .values(locale=chosen)
        .execution_options(synchronize_session=False)
    )
    if int(result.rowcount) != 1:  # type: ignore[attr-defined]
        session.refresh(user, ["locale"])
        return ""
    set_committed_value(user, "locale", chosen)
    return chosen


def set_locale(session: Session, *, actor: User, locale: str) -> bool:
    """The person's own locale (one of ``numbers.LOCALES``), under a lock of their row;
    audited on the global chain. False when it was that already (nothing written)."""
    assert actor.id is not None
    user = repository.get_for_update(session, user_id=actor.id)
    assert user is not None, "the signed-in person exists"
    return TRAIL.setting(session, user, user, "locale", locale, LOCALE_CHANGED)


CALENDAR_FEED_CREATED = "user.calendar_feed_created"
CALENDAR_FEED_ROTATED = "user.calendar_feed_rotated"
CALENDAR_FEED_TURNED_OFF = "user.calendar_feed_turned_off"


def new_calendar_feed(session: Session, *, actor: User, rotate: bool = True) -> str:
    """A new secret address for the person's calendar feed; returns its token, which is
    shown once and never stored (only its SHA-256). A feed that existed is rotated (its old
    address stops at once), unless ``rotate`` is False: then nothing is written and the
    answer is "". Under the person's row lock, so two clicks at once leave one feed; audited
    on the global chain like the person's other settings."""
    assert actor.id is not None
    user = repository.get_for_update(session, user_id=actor.id)
    assert user is not None, "the signed-in person exists"
    feed = repository.calendar_feed(session, user_id=actor.id)
    if feed is not None and not rotate:
        return ""
    token = new_token()
    changes: dict[str, list[object]]
    if feed is None:
        feed = CalendarFeed(user_id=actor.id, token_hash=token_hash(token))
        verb, changes = CALENDAR_FEED_CREATED, {"calendar_feed": [False, True]}
    else:
        feed.token_hash, feed.created_at = token_hash(token), utcnow()
        verb, changes = CALENDAR_FEED_ROTATED, {"calendar_feed_address": ["old", "new"]}
    session.add(feed)
    session.flush()
    TRAIL.event(session, user, user, verb, changes)
    return token


def turn_off_calendar_feed(session: Session, *, actor: User) -> bool:
    """The person's calendar feed stops (its address is 404 from now on). False when it was
    off already (nothing written)."""
    assert actor.id is not None
    user = repository.get_for_update(session, user_id=actor.id)
    assert user is not None, "the signed-in person exists"
    feed = repository.calendar_feed(session, user_id=actor.id)
    if feed is None:
        return False
    session.delete(feed)
    session.flush()
    TRAIL.event(session, user, user, CALENDAR_FEED_TURNED_OFF, {"calendar_feed": [True, False]})
    return True
