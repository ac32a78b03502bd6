"""Creating plans."""

from __future__ import annotations

from sqlmodel import Session

from app.audit import service as audit
from app.models import Plan, User


def create(session: Session, *, actor: User, account_id: int, period: str) -> Plan:
    """The account's first plan (making a later plan current comes with plan rollover)."""
    plan = Plan(account_id=account_id, period=period, created_by_id=actor.id)
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        verb="plan.created",
        item_type="plan",
        item_id=plan.id,
        account_id=account_id,
        changes={"period": [None, period], "status": [None, plan.status]},
    )
    return plan
