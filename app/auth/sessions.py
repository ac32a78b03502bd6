"""Server-side sessions: the cookie carries a random token, the table its SHA-256.

A session ends when it is idle too long, reaches its absolute lifetime, is deleted (sign-out,
password change or reset) or its user is disabled; each request re-reads it, so any of these
takes effect on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from fastapi import Request, Response
from sqlmodel import Session, col

from app.config import Settings
from app.db import Database
from app.models import User, UserSession, utcnow
from app.notifications import repository as notifications_repo
from app.tokens import new_token, token_hash
from app.users import repository as users_repo
from app.web.security import SESSION_COOKIE as SESSION_COOKIE
from app.web.security import cookie_name

TOUCH_AFTER = timedelta(seconds=60)


def start(session: Session, *, user: User, ip: str, user_agent: str, settings: Settings) -> str:
    assert user.id is not None
    token = new_token()
    now = utcnow()
    session.add(
        UserSession(
            id=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class Resolved:
    session_id: str  # the stored hash of the token
    last_seen_at: datetime
    user: User
    unread: int  # notifications, for the badge in the navigation
    home_zone: str  # the zone of a person who chose none (``users_repo.home_zone``)
    currency: str = ""  # the currency money is shown in (``users_repo.home_currency``)


# Built once: the query is the same for every request, only the token's hash changes.
_LOOKUP = (
    sa.select(
        col(UserSession.id),
        col(UserSession.last_seen_at),
        col(UserSession.expires_at),
        User,
        notifications_repo.unread_count(col(UserSession.user_id)),
        users_repo.home_zone(User),
        users_repo.home_currency(User),
    )
    .join(User, col(User.id) == UserSession.user_id)
    .where(col(UserSession.id) == sa.bindparam("token_hash"))
)


def resolve(session: Session, *, token: str, settings: Settings) -> Resolved | None:
    """The live session, its user, their number of unread notifications and the zone they live
    in if they chose none (folded into this one query, so no page pays a query for them), or
    None. Only the session's times are read, as columns: the ``User`` is the one entity."""
    row = session.execute(_LOOKUP, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    session_id, last_seen_at, expires_at, user, unread, home_zone, currency = row
    now = utcnow()
    idle_limit = now - timedelta(minutes=settings.session_idle_minutes)
    if user.is_disabled or expires_at <= now or last_seen_at <= idle_limit:
        return None
    return Resolved(
        session_id, last_seen_at, user, int(unread or 0), str(home_zone or ""), str(currency or "")
    )


def needs_touch(found: Resolved) -> bool:
    """Last-seen is written at most once a minute (``TOUCH_AFTER``) per session."""
    return utcnow() - found.last_seen_at > TOUCH_AFTER


def touch(db: Database, session_id: str) -> None:
    """Record activity in a transaction of its own (a read-only request cannot write)."""
    with db.session() as session:
        session.execute(
            sa.update(UserSession)
            .where(col(UserSession.id) == session_id)
            .values(last_seen_at=utcnow())
        )
        session.commit()


def end(session: Session, *, token: str) -> None:
    session.execute(sa.delete(UserSession).where(col(UserSession.id) == token_hash(token)))


def revoke_all(session: Session, *, user_id: int, keep_token: str | None = None) -> int:
    statement = sa.delete(UserSession).where(col(UserSession.user_id) == user_id)
    if keep_token:
        statement = statement.where(col(UserSession.id) != token_hash(keep_token))
    result = session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, *, token: str) -> str:
    """Move the session to a new token (after a password change): the old cookie, and the CSRF
    token bound to it, stop working; the session keeps its start, lifetime and device."""
    old = session.get(UserSession, token_hash(token))
    if old is None:
        return ""
    fresh = new_token()
    session.add(
        UserSession(
            id=token_hash(fresh),
            user_id=old.user_id,
            created_at=old.created_at,
            last_seen_at=utcnow(),
            expires_at=old.expires_at,
            ip=old.ip,
            user_agent=old.user_agent,
        )
    )
    session.delete(old)
    session.flush()
    return fresh


def cookie(request: Request, settings: Settings) -> str:
    """The session token the browser sent ('' without one)."""
    return request.cookies.get(cookie_name(SESSION_COOKIE, secure=settings.secure_cookies), "")


def set_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        cookie_name(SESSION_COOKIE, secure=settings.secure_cookies),
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(SESSION_COOKIE, secure=settings.secure_cookies),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
