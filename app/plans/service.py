"""Creating plans."""

from __future__ import annotations

from sqlmodel import Session

from app.kit.versioned import Trail
from app.models import Plan, User

TRAIL = Trail("plan")


def create(session: Session, *, actor: User, account_id: int, period: str) -> Plan:
    """The account's first plan (making a later plan current comes with plan rollover)."""
    plan = Plan(account_id=account_id, period=period, created_by_id=actor.id)
    TRAIL.created(session, actor, plan, {"period": period, "status": plan.status})
    return plan
