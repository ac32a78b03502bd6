"""Every query of live updates: events after a number, where an account's numbering stands,
and who has a page open. Each runs in a short session of its own (a stream holds none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.models import LiveEvent, LivePresence, User, utcnow

REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Sent:
    """What a stream may send of one event: its numbers, section, item and who made it."""

    seq: int
    shared_seq: int | None
    section: str
    item_id: str
    actor_name: str
    actor_id: int | None = None

    @classmethod
    def of(cls, row: LiveEvent) -> Sent:
        return cls(row.seq, row.shared_seq, row.section, row.item_id, row.actor_name, row.actor_id)


def _number(vendor: bool) -> Any:
    return col(LiveEvent.seq) if vendor else col(LiveEvent.shared_seq)


def bounds(session: Session, *, account_id: int, vendor: bool) -> tuple[int, int]:
    """The lowest and highest event numbers kept for this audience (0, 0 when none)."""
    number = _number(vendor)
    low, high = session.exec(
        select(func.min(number), func.max(number)).where(col(LiveEvent.account_id) == account_id)
    ).one()
    return int(low or 0), int(high or 0)


def latest_number(account_id: Any, *, vendor: bool) -> Any:
    """Where the audience's numbering stands, as a column another query reads in the same
    statement (the plan page: before any of its sections, so that an event committed after the
    page read its sections is numbered above it, and the page's stream replays it). The
    account: a value, or a bind parameter."""
    return (
        select(func.coalesce(func.max(_number(vendor)), 0))
        .where(col(LiveEvent.account_id) == account_id)
        .scalar_subquery()
    )


def after(
    session: Session, *, account_id: int, vendor: bool, number: int, limit: int = REPLAY_LIMIT
) -> list[Sent]:
    """The audience's events numbered above ``number``, oldest first."""
    column = _number(vendor)
    rows = session.exec(
        select(LiveEvent)
        .where(col(LiveEvent.account_id) == account_id, column > number)
        .order_by(column)
        .limit(limit)
    ).all()
    return [Sent.of(row) for row in rows]


def latest_seq(session: Session, *, account_id: int) -> int:
    value = session.exec(
        select(func.max(LiveEvent.seq)).where(col(LiveEvent.account_id) == account_id)
    ).one()
    return int(value or 0)


def latest_seqs(session: Session, *, account_ids: list[int]) -> dict[int, int]:
    """Where each of these accounts' numbering stands, in one query."""
    rows = session.exec(
        select(LiveEvent.account_id, func.max(LiveEvent.seq))
        .where(col(LiveEvent.account_id).in_(account_ids))
        .group_by(col(LiveEvent.account_id))
    ).all()
    return {account_id: int(seq or 0) for account_id, seq in rows}


def join(
    session: Session, *, stream: str, instance: str, account_id: int, user_id: int, page: str
) -> None:
    session.add(
        LivePresence(
            stream=stream, instance=instance, account_id=account_id, user_id=user_id, page=page
        )
    )


def leave(session: Session, *, stream: str) -> None:
    session.execute(sa.delete(LivePresence).where(col(LivePresence.stream) == stream))


def refresh(session: Session, *, instance: str, stale_before: datetime) -> None:
    """This instance's streams are still open; forget rows no instance refreshed in time."""
    session.execute(
        sa.update(LivePresence)
        .where(col(LivePresence.instance) == instance)
        .values(seen_at=utcnow())
    )
    session.execute(sa.delete(LivePresence).where(col(LivePresence.seen_at) < stale_before))


def present(
    session: Session, *, account_id: int, page: str, since: datetime, but: int
) -> list[str]:
    """The names of the people other than ``but`` with ``page`` open, in name order."""
    names = session.exec(
        select(User.display_name)
        .join(LivePresence, col(LivePresence.user_id) == User.id)
        .where(
            col(LivePresence.account_id) == account_id,
            col(LivePresence.page) == page,
            col(LivePresence.seen_at) >= since,
            col(LivePresence.user_id) != but,
        )
        .distinct()
        .order_by(User.display_name)
    ).all()
    return list(names)
