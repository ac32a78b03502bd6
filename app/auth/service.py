"""Signing in and out with a password, changing and resetting passwords.

Failures are results, not exceptions: a failed sign-in must still commit its throttling row
and audit event, and the request transaction rolls back on exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth import sessions, throttle
from app.auth.passwords import verify_password
from app.config import Settings
from app.mail import outbox
from app.models import MailKind, PasswordReset, User, Visibility, utcnow
from app.tokens import new_token, token_hash
from app.users import repository as users_repo
from app.users import service as users

BAD_CREDENTIALS = "That e-mail address and password do not match. Check both and try again."
RESETS_PER_HOUR = 3


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    token: str = ""
    error: str = ""
    wait_seconds: int = 0


def sign_in_with_password(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    user_agent: str,
    settings: Settings,
    accept_language: str = "",
) -> SignInResult:
    wait = throttle.seconds_to_wait(session, email=email, ip=ip, settings=settings)
    if wait:
        minutes = max(1, round(wait / 60))
        return SignInResult(
            error=f"Too many failed attempts. Try again in about {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or reset your password.",
            wait_seconds=wait,
        )
    found = users_repo.with_password(session, email=email)
    user, identity = found if found else (None, None)
    ok = verify_password(identity.password_hash if identity else None, password)
    disabled = user is not None and user.is_disabled
    # A disabled login with the right password is still a failed sign-in: it is counted and
    # audited like one, and clears no failures.
    throttle.note(session, email=email, ip=ip, succeeded=ok and not disabled)
    if not ok or user is None or identity is None or disabled:
        audit.record(
            session,
            actor=user,
            actor_label=email,
            verb="auth.sign_in_failed",
            item_type="user",
            item_id=user.id if user else None,
            changes={"ip": [None, ip], "reason": [None, "disabled" if ok else "credentials"]},
            visibility=Visibility.INTERNAL,
        )
        if ok and disabled:
            return SignInResult(error="This login is disabled. Ask your workspace admin.")
        return SignInResult(error=BAD_CREDENTIALS)
    users.mark_identity_used(session, identity)
    token = complete_sign_in(
        session,
        user=user,
        method="password",
        ip=ip,
        user_agent=user_agent,
        settings=settings,
        accept_language=accept_language,
    )
    return SignInResult(user=user, token=token)


def complete_sign_in(
    session: Session,
    *,
    user: User,
    method: str,
    ip: str,
    user_agent: str,
    settings: Settings,
    accept_language: str = "",
) -> str:
    """Start a session for a person whose identity was just proven. At their first sign-in
    they get a locale: the offered one their browser prefers (``Accept-Language``), else the
    default; it is on the sign-in's audit event, and later sign-ins never change it."""
    token = sessions.start(session, user=user, ip=ip, user_agent=user_agent, settings=settings)
    changes: dict[str, list[str | None]] = {"method": [None, method], "ip": [None, ip]}
    adopted = users.adopt_locale(session, user=user, accept_language=accept_language)
    if adopted:
        changes["locale"] = ["", adopted]
    users.TRAIL.event(session, user, user, "auth.signed_in", changes)
    return token


def sign_out(session: Session, *, user: User, token: str) -> None:
    sessions.end(session, token=token)
    users.TRAIL.event(session, user, user, "auth.signed_out", {})


@dataclass(frozen=True)
class PasswordChange:
    error: str = ""
    # The session's new token: the one the password was changed in moves to it.
    token: str = ""


def change_password(
    session: Session, *, user: User, current: str, new: str, keep_token: str
) -> PasswordChange:
    """Every other session of the user ends and this one gets a new token (and so a new CSRF
    token); or what was wrong."""
    assert user.id is not None
    identity = users_repo.password_identity(session, user_id=user.id)
    if identity is not None and not verify_password(identity.password_hash, current):
        return PasswordChange(error="Your current password is not right.")
    users.set_password(session, user=user, password=new)
    sessions.revoke_all(session, user_id=user.id, keep_token=keep_token)
    return PasswordChange(token=sessions.renew(session, token=keep_token))


def request_reset(session: Session, *, email: str, settings: Settings) -> None:
    """Mail a reset link if the address has a login; say nothing either way (no enumeration)."""
    user = users_repo.by_email(session, email=email)
    if user is None or user.is_disabled:
        return
    assert user.id is not None
    recent = session.exec(
        select(sa.func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.user_id == user.id)
        .where(col(PasswordReset.created_at) > utcnow() - timedelta(hours=1))
    ).one()
    if recent >= RESETS_PER_HOUR:
        return
    token = new_token()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash(token),
        expires_at=utcnow() + timedelta(minutes=settings.password_reset_minutes),
    )
    session.add(reset)
    session.flush()
    link = f"{settings.base_url.rstrip('/')}/password/reset/{token}"
    outbox.enqueue(
        session,
        kind=MailKind.PASSWORD_RESET,
        workspace_id=user.workspace_id,
        expires_at=reset.expires_at,
        to=user.email,
        subject="Reset your Jointplan password",
        body=(
            f"Hello {user.display_name},\n\nSomeone asked to reset the password of your Jointplan "
            f"login. To choose a new password, open:\n{link}\n\nThe link works once and for "
            f"{settings.password_reset_minutes} minutes. If it was not you, ignore this e-mail: "
            "your password stays as it is.\n"
        ),
    )
    users.TRAIL.event(session, user, user, "auth.password_reset_requested", {})


def find_reset(session: Session, token: str) -> tuple[PasswordReset, User] | None:
    """The reset and its user if the link is unused and unexpired."""
    if not token or len(token) > 100:
        return None
    row = session.exec(
        select(PasswordReset, User)
        .join(User, col(User.id) == PasswordReset.user_id)
        .where(PasswordReset.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    reset, user = row
    if reset.used_at is not None or reset.expires_at <= utcnow() or user.is_disabled:
        return None
    return reset, user


def reset_password(session: Session, *, reset: PasswordReset, user: User, password: str) -> None:
    """Set the password, spend the link, and end every session of the user."""
    assert user.id is not None
    reset.used_at = utcnow()
    session.add(reset)
    users.set_password(session, user=user, password=password)
    sessions.revoke_all(session, user_id=user.id)
