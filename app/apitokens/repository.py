"""Queries of personal access tokens: a person's list, one of their own, and the lookup every
API request makes (the token, its person and where they live, in one query)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import Database, for_write
from app.models import ApiToken, User, utcnow
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


def touch(db: Database, token_id: int) -> None:
    """Write down a use, in a transaction of its own after the request's (a reading request
    cannot write): at most once a minute, however many requests use the token at once."""
    now = utcnow()
    with db.session() as session:
        session.execute(
            sa.update(ApiToken)
            .where(col(ApiToken.id) == token_id)
            .where(
                sa.or_(
                    col(ApiToken.last_used_at).is_(None),
                    col(ApiToken.last_used_at) < now - TOUCH_AFTER,
                )
            )
            .values(last_used_at=now)
        )
        session.commit()


def is_live(token: ApiToken, *, now: datetime) -> bool:
    return token.revoked_at is None and token.expires_at > now
