"""Queries of the client's strategy entries (always within one account's plan)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import for_write
from app.models import Plan, StrategyEntry


def for_plan(session: Session, *, plan_id: int) -> Sequence[StrategyEntry]:
    """Every live entry of the plan, all kinds, in order within each kind: one query."""
    return session.exec(
        select(StrategyEntry)
        .where(StrategyEntry.plan_id == plan_id)
        .where(col(StrategyEntry.removed_at).is_(None))
        .order_by(col(StrategyEntry.kind), col(StrategyEntry.position), col(StrategyEntry.id))
    ).all()


def get_live(session: Session, *, account_id: int, entry_id: int) -> StrategyEntry | None:
    """A live entry of the account's *current* plan (earlier plans are read-only)."""
    statement = (
        select(StrategyEntry)
        .join(Plan, col(Plan.id) == StrategyEntry.plan_id)
        .where(StrategyEntry.id == entry_id)
        .where(StrategyEntry.account_id == account_id)
        .where(col(Plan.is_current))
        .where(col(StrategyEntry.removed_at).is_(None))
    )
    return session.exec(for_write(session, statement)).first()


def last_position(session: Session, *, plan_id: int, kind: str) -> int:
    value = session.exec(
        select(sa.func.max(StrategyEntry.position))
        .where(StrategyEntry.plan_id == plan_id)
        .where(StrategyEntry.kind == kind)
        .where(col(StrategyEntry.removed_at).is_(None))
    ).one()
    return int(value or 0)


def neighbour(session: Session, *, entry: StrategyEntry, up: bool) -> StrategyEntry | None:
    """The live entry of the same section just above (``up``) or below this one."""
    statement = (
        select(StrategyEntry)
        .where(StrategyEntry.plan_id == entry.plan_id)
        .where(StrategyEntry.kind == entry.kind)
        .where(col(StrategyEntry.removed_at).is_(None))
        .where(StrategyEntry.id != entry.id)
    )
    if up:
        statement = statement.where(col(StrategyEntry.position) < entry.position).order_by(
            col(StrategyEntry.position).desc()
        )
    else:
        statement = statement.where(col(StrategyEntry.position) > entry.position).order_by(
            col(StrategyEntry.position)
        )
    return session.exec(statement.limit(1)).first()
