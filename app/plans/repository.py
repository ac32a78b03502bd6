"""Queries of plans."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Plan


def current(session: Session, *, account_id: int) -> Plan | None:
    return session.exec(
        select(Plan).where(Plan.account_id == account_id).where(col(Plan.is_current))
    ).first()
