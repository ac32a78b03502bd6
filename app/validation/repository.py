"""Queries of what waits for the client's check (every one filtered by account)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import ProfileSection, Stakeholder, Validation


def waiting_count(session: Session, *, account_id: int) -> int:
    """How many items sent to the client wait for its answer (profile sections and people on
    the relationship map): one query."""
    sections = (
        select(sa.func.count(col(ProfileSection.id)))
        .where(ProfileSection.account_id == account_id)
        .where(ProfileSection.validation == Validation.PENDING.value)
        .scalar_subquery()
    )
    people = (
        select(sa.func.count(col(Stakeholder.id)))
        .where(Stakeholder.account_id == account_id)
        .where(Stakeholder.validation == Validation.PENDING.value)
        .where(col(Stakeholder.removed_at).is_(None))
        .scalar_subquery()
    )
    return int(session.exec(select(sections + people)).one() or 0)
