"""Queries of plans."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Plan


def lock_plan(session: Session, *, plan_id: int) -> None:
    """Serialise order changes within one plan: ranks and positions stay 1..n (a row lock on
    PostgreSQL; SQLite's writers queue anyway)."""
    session.exec(select(Plan.id).where(Plan.id == plan_id).with_for_update()).first()


def current(session: Session, *, account_id: int) -> Plan | None:
    return session.exec(
        select(Plan).where(Plan.account_id == account_id).where(col(Plan.is_current))
    ).first()
