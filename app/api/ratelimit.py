"""The API's rate limit: so many requests a minute per bearer token (the setting
``api_requests_per_minute``), counted in the database so that every instance and worker shares
the count, on SQLite and PostgreSQL alike, without another server.

A fixed window: one row per token (its SHA-256, the key the token table also uses), counted by one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per request that starts again at 1 when a new
minute begins. It runs in a transaction of its own before the request's first query, so the
count is kept whatever the request does and the request's transaction never waits on it; a
request beyond the limit is answered 429 with ``Retry-After`` (the seconds left in the minute).
Only tokens that exist are counted: a made-up one is looked up (a read) and refused with 401 by
the token check that follows, and writes no row, so a flood of guesses grows no table.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from app.api.problems import TooManyRequests
from app.db import Database
from app.models import ApiRateWindow, ApiToken, utcnow

WINDOW_SECONDS = 60
# Rows of tokens unused this long are forgotten when a token starts a new minute.
FORGET_AFTER_MINUTES = 60


def count(db: Database, key: str) -> tuple[int, float]:
    """This request's number in the token's current minute, and the seconds left in it."""
    now = utcnow().timestamp()
    minute = int(now // WINDOW_SECONDS)
    table = ApiRateWindow.__table__  # type: ignore[attr-defined]
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(token_hash=key, minute=minute, count=1)
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.token_hash],
        set_={
            "count": sa.case(
                (table.c.minute == insert.excluded.minute, table.c.count + 1), else_=1
            ),
            "minute": insert.excluded.minute,
        },
    ).returning(table.c.count)
    with db.session() as session:
        number = int(session.execute(upsert).scalar_one())
        if number == 1:
            session.execute(sa.delete(table).where(table.c.minute < minute - FORGET_AFTER_MINUTES))
        session.commit()
    return number, (minute + 1) * WINDOW_SECONDS - now


def known(db: Database, key: str) -> bool:
    """Whether a token with this SHA-256 exists (revoked or expired ones too: the token check
    refuses those)."""
    with db.session(writes=False) as session:
        found = session.execute(sa.select(col(ApiToken.id)).where(col(ApiToken.token_hash) == key))
        return found.first() is not None


def check(db: Database, key: str, limit: int) -> None:
    """Count this request of a token that exists; 429 when it is beyond ``limit`` in the
    current minute."""
    if not known(db, key):
        return
    number, left = count(db, key)
    if number > limit:
        raise TooManyRequests(retry_after=max(1, math.ceil(left)))
