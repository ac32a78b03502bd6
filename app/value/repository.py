"""Queries of value ratings (always within one account's plan)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models import ValueRating


def for_plan(session: Session, *, plan_id: int) -> Sequence[ValueRating]:
    """Every rating of the plan, oldest first: one query."""
    return session.exec(_for_plan(), params={"plan_id": plan_id}).all()


@functools.cache
def _for_plan() -> SelectOfScalar[ValueRating]:
    """The statement of ``for_plan``, built once (the plan is a bind parameter)."""
    return (
        select(ValueRating)
        .where(ValueRating.plan_id == sa.bindparam("plan_id"))
        .order_by(col(ValueRating.rated_at), col(ValueRating.id))
    )


def latest(session: Session, *, plan_id: int, before: datetime | None = None) -> ValueRating | None:
    """The client's newest rating of the plan (given before ``before``, when said)."""
    query = select(ValueRating).where(ValueRating.plan_id == plan_id)
    if before is not None:
        query = query.where(col(ValueRating.rated_at) < before)
    return session.exec(
        query.order_by(col(ValueRating.rated_at).desc(), col(ValueRating.id).desc()).limit(1)
    ).first()
