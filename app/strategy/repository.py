"""Queries of the client's strategy entries (always within one account's plan)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.kit import queries
from app.models import StrategyEntry


def for_plan(session: Session, *, plan_id: int) -> Sequence[StrategyEntry]:
    """Every live entry of the plan, all kinds, in order within each kind: one query."""
    return session.exec(
        select(StrategyEntry)
        .where(StrategyEntry.plan_id == plan_id)
        .where(col(StrategyEntry.removed_at).is_(None))
        .order_by(col(StrategyEntry.kind), col(StrategyEntry.position), col(StrategyEntry.id))
    ).all()


def last_position(session: Session, *, plan_id: int, kind: str) -> int:
    return queries.last_place(
        session,
        StrategyEntry.position,
        StrategyEntry.plan_id == plan_id,
        StrategyEntry.kind == kind,
    )
