"""The plan page's part of comments: how many comments each thread has, for the
"Comments (N)" of every item, read from the threads' tallies: one query of a row or two per
thread, whatever the number of comments."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.comments import repository
from app.models import Plan
from app.permissions.policy import AccountAccess, Actor


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    counts = repository.counts_for_plan(
        db, account_id=access.account_id, plan_id=plan.id, visibilities=access.visibilities
    )
    return {"comment_counts": counts}
