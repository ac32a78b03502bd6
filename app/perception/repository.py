"""Queries of the perception gap (every one filtered by plan or account)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.kit import queries
from app.models import PerceivedPriority, PerceivedRating, Priority, User


def beliefs(
    session: Session, *, plan_id: int
) -> Sequence[tuple[PerceivedPriority, Priority | None]]:
    """The vendor's believed priorities in its ranking, each with the client priority it is
    linked to (whatever became of that priority since): one query."""
    rows = session.exec(
        select(PerceivedPriority, Priority)
        .outerjoin(Priority, col(Priority.id) == PerceivedPriority.priority_id)
        .where(PerceivedPriority.plan_id == plan_id, queries.is_live(PerceivedPriority))
        .order_by(col(PerceivedPriority.rank), col(PerceivedPriority.id))
    ).all()
    return [(belief, priority) for belief, priority in rows]


def last_rank(session: Session, *, plan_id: int) -> int:
    return queries.last_place(session, PerceivedPriority.rank, PerceivedPriority.plan_id == plan_id)


def close_gap(session: Session, *, plan_id: int, after_rank: int) -> None:
    queries.close_gap(
        session, PerceivedPriority.rank, PerceivedPriority.plan_id == plan_id, after=after_rank
    )


def latest_belief_rating(
    session: Session, *, plan_id: int
) -> tuple[PerceivedRating, User | None] | None:
    """The vendor's latest believed rating, with who recorded it: one query."""
    row = session.exec(
        select(PerceivedRating, User)
        .outerjoin(User, col(User.id) == PerceivedRating.recorded_by_id)
        .where(PerceivedRating.plan_id == plan_id)
        .order_by(col(PerceivedRating.recorded_at).desc(), col(PerceivedRating.id).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
