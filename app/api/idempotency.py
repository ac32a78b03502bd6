"""``Idempotency-Key`` on the API's creates: a retry of a create with the same key, by the same
token, within a day gets the first answer again instead of making a second item.

The key is claimed (a row under the unique constraint on token and key) before anything is
made, in the request's transaction, and its row gets the answer before commit. A retry after
that commit finds the row and replays it. A duplicate sent at the same time waits on the
constraint (PostgreSQL) or its turn to write (SQLite) until the first commits, then replays
it too; if the first failed and rolled back, the duplicate goes on as the first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.api.problems import Invalid
from app.models import IdempotencyKey, utcnow

KEPT = timedelta(hours=24)
HEADER = "Idempotency-Key"
MAX_KEY = 200


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: dict[str, Any]


def request_hash(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def _stored(row: IdempotencyKey, fingerprint: str) -> Stored:
    if row.request_hash != fingerprint:
        raise Invalid({HEADER: "This key was used for a different request: use a new key."})
    return Stored(row.status_code, row.body)


def _find(session: Session, token_id: int, key: str) -> IdempotencyKey | None:
    statement = (
        select(IdempotencyKey)
        .where(IdempotencyKey.token_id == token_id)
        .where(IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def claim(
    session: Session, *, token_id: int, key: str, fingerprint: str
) -> Stored | IdempotencyKey:
    """The first answer to replay, or the claimed key to ``keep`` this request's answer in.
    The token's keys older than a day are forgotten first (so the table holds a day's)."""
    session.execute(
        sa.delete(IdempotencyKey)
        .where(col(IdempotencyKey.token_id) == token_id)
        .where(col(IdempotencyKey.created_at) < utcnow() - KEPT)
    )
    found = _find(session, token_id, key)
    if found is not None:
        return _stored(found, fingerprint)
    claimed = IdempotencyKey(
        token_id=token_id, key=key, request_hash=fingerprint, status_code=0, body={}
    )
    try:
        with session.begin_nested():
            session.add(claimed)
            session.flush()
    except sa.exc.IntegrityError:
        # A request with the same key committed meanwhile (we waited for it): its answer.
        found = _find(session, token_id, key)
        assert found is not None
        return _stored(found, fingerprint)
    return claimed


def keep(session: Session, claimed: IdempotencyKey, status_code: int, body: dict[str, Any]) -> None:
    claimed.status_code = status_code
    claimed.body = body
    session.add(claimed)
    session.flush()


def start(
    session: Session, *, token_id: int | None, key: str | None, path: str, body: str
) -> Stored | IdempotencyKey | None:
    """A create's key, when it sent one: the first answer to replay, or the claimed key to
    ``keep`` this answer in (None without a key)."""
    if key is None:
        return None
    assert token_id is not None
    fingerprint = request_hash("POST", path, body)
    return claim(session, token_id=token_id, key=key, fingerprint=fingerprint)
