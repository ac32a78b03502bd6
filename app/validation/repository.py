"""Queries of what waits for the client's check (every one filtered by account)."""

from __future__ import annotations

from sqlmodel import Session

from app.profile import repository as profile_repo


def waiting_count(session: Session, *, account_id: int) -> int:
    """How many items sent to the client wait for its answer: one query. (Profile sections
    today; stakeholder facts sent for confirmation belong in the same count.)"""
    return profile_repo.pending_count(session, account_id=account_id)
