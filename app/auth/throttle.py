"""Login throttling, per e-mail address and per client address, counted in the database.

Kept in the database (not in memory) so that every app instance counts the same attempts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import LoginAttempt, utcnow


def _failures(
    session: Session, column: Any, value: str, since: datetime
) -> tuple[int, datetime | None]:
    row = session.exec(
        select(sa.func.count(), sa.func.min(LoginAttempt.at))
        .where(column == value)
        .where(col(LoginAttempt.succeeded).is_(False))
        .where(col(LoginAttempt.at) > since)
    ).one()
    return int(row[0]), row[1]


def seconds_to_wait(session: Session, *, email: str, ip: str, settings: Settings) -> int:
    """0 if a sign-in may be tried now, else how long to wait."""
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    last_success = session.exec(
        select(sa.func.max(LoginAttempt.at))
        .where(LoginAttempt.email == email)
        .where(col(LoginAttempt.succeeded).is_(True))
    ).one()
    email_since = max(since, last_success) if last_success else since
    waits = []
    for column, value, since_, limit in (
        (col(LoginAttempt.email), email, email_since, settings.login_max_failures_per_email),
        (col(LoginAttempt.ip), ip, since, settings.login_max_failures_per_address),
    ):
        count, oldest = _failures(session, column, value, since_)
        if count >= limit and oldest is not None:
            waits.append((oldest + window - now).total_seconds())
    return max(1, math.ceil(max(waits))) if waits else 0


def note(session: Session, *, email: str, ip: str, succeeded: bool) -> None:
    session.add(LoginAttempt(email=email[:320], ip=ip[:64], succeeded=succeeded))
    session.flush()
