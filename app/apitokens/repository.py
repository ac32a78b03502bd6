"""Queries of personal access tokens: a person's list, one of their own, the lookup every
API request makes (the token, its person and where they live, in one query), and the log of
each token's uses (one insert per request, a page of the latest for /me, forgotten after the
retention)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import Database, for_write
from app.models import ApiToken, ApiTokenUse, User, utcnow
from app.tokens import token_hash
from app.users import repository as users_repo

# A use is written down at most once a minute per token (``touch``).
TOUCH_AFTER = timedelta(seconds=60)


def for_user(session: Session, *, user_id: int) -> Sequence[ApiToken]:
    """The person's tokens, newest first, revoked and expired ones included (for the record)."""
    return session.exec(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id))
    ).all()


def own(session: Session, *, user_id: int, token_id: int) -> ApiToken | None:
    """One of the person's own tokens (another person's is None, as a missing one), locked."""
    statement = select(ApiToken).where(ApiToken.id == token_id).where(ApiToken.user_id == user_id)
    return session.exec(for_write(session, statement)).first()


@dataclass(frozen=True)
class Bearer:
    """A token that may be used now, with its person."""

    token: ApiToken
    user: User
    home_zone: str
    currency: str

    @property
    def needs_touch(self) -> bool:
        used = self.token.last_used_at
        return used is None or utcnow() - used > TOUCH_AFTER


# Built once: the query is the same for every request, only the secret's hash changes.
_LOOKUP = (
    sa.select(ApiToken, User, users_repo.home_zone(User), users_repo.home_currency(User))
    .join(User, col(User.id) == ApiToken.user_id)
    .where(col(ApiToken.token_hash) == sa.bindparam("token_hash"))
)


def resolve(session: Session, *, secret: str) -> Bearer | None:
    """The token ``secret`` names if it works now: not revoked, not expired, its person not
    disabled. Read afresh on every request, so each of these stops it at the next one."""
    row = session.execute(_LOOKUP, {"token_hash": token_hash(secret)}).first()
    if row is None:
        return None
    token, user, home_zone, currency = row
    if token.revoked_at is not None or token.expires_at <= utcnow() or user.is_disabled:
        return None
    return Bearer(token, user, str(home_zone or ""), str(currency or ""))


@dataclass(frozen=True)
class Use:
    """One request made with a token, as the API saw it (``app.api.uselog``)."""

    token_id: int
    method: str
    route: str
    client_ip: str
    touch: bool  # also write last_used_at (at most once a minute)


def record(db: Database, use: Use, status: int) -> None:
    """Write down one use in a transaction of its own, after the request's (a reading request
    cannot write, and a refused request rolls back): one insert, and at most once a minute per
    token, however many requests use it at once, the token's last-used time."""
    now = utcnow()
    with db.session() as session:
        if not db.is_sqlite:
            # A log line: a crash may lose the last instants of it, so its commit does not
            # wait for the disk (nothing else in the transaction).
            session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
        session.execute(
            sa.insert(ApiTokenUse).values(
                token_id=use.token_id,
                used_at=now,
                method=use.method,
                route=use.route[:200],
                status=status,
                client_ip=use.client_ip[:45],
            )
        )
        if use.touch:
            session.execute(
                sa.update(ApiToken)
                .where(col(ApiToken.id) == use.token_id)
                .where(
                    sa.or_(
                        col(ApiToken.last_used_at).is_(None),
                        col(ApiToken.last_used_at) < now - TOUCH_AFTER,
                    )
                )
                .values(last_used_at=now)
            )
        session.commit()


USES_PAGE = 50


@dataclass(frozen=True)
class UsePage:
    uses: Sequence[ApiTokenUse]
    older: int | None  # the ``before`` of the next page (older uses), None at the end


def uses(session: Session, *, token_id: int, before: int | None) -> UsePage:
    """The token's latest uses (newest first), a page at a time: those before ``before``."""
    statement = select(ApiTokenUse).where(ApiTokenUse.token_id == token_id)
    if before is not None:
        statement = statement.where(col(ApiTokenUse.id) < before)
    found = session.exec(statement.order_by(col(ApiTokenUse.id).desc()).limit(USES_PAGE + 1)).all()
    page = found[:USES_PAGE]
    return UsePage(page, page[-1].id if len(found) > USES_PAGE else None)


def is_live(token: ApiToken, *, now: datetime) -> bool:
    return token.revoked_at is None and token.expires_at > now
