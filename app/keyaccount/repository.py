"""The key-account answer of an account: at most one row per account."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.db import for_write
from app.models import KeyAccountAnswer, Plan, User

ITEM = "key_account_answer"


def of_account(session: Session, *, account_id: int) -> tuple[KeyAccountAnswer, str] | None:
    """The account's answer with the name of who gave it ('' if that person is gone): one
    query."""
    row = session.exec(
        select(KeyAccountAnswer, User.display_name)
        .outerjoin(User, col(User.id) == KeyAccountAnswer.answered_by_id)
        .where(KeyAccountAnswer.account_id == account_id)
    ).first()
    if row is None:
        return None
    answer, name = row
    return answer, name or ""


def plan_columns() -> dict[str, Any]:
    """The account's answer as columns of the plan page's periods statement
    (``plans.repository.periods_and_live_event``), so the plan page reads it without a query
    of its own."""

    def column(selected: Any) -> Any:
        return (
            select(selected)
            .where(col(KeyAccountAnswer.account_id) == Plan.account_id)
            .correlate(Plan)
            .scalar_subquery()
        )

    return {
        "key_account_answer": column(KeyAccountAnswer.answer),
        "key_account_words": column(KeyAccountAnswer.words),
        "key_account_at": column(KeyAccountAnswer.answered_at),
        "key_account_version": column(KeyAccountAnswer.version),
        "key_account_by": select(User.display_name)
        .join(KeyAccountAnswer, col(KeyAccountAnswer.answered_by_id) == User.id)
        .where(col(KeyAccountAnswer.account_id) == Plan.account_id)
        .correlate(Plan)
        .scalar_subquery(),
    }


def locked(session: Session, *, account_id: int) -> KeyAccountAnswer | None:
    """The account's answer, locked until commit when the request writes."""
    return session.exec(
        for_write(
            session,
            select(KeyAccountAnswer)
            .where(KeyAccountAnswer.account_id == account_id)
            .execution_options(populate_existing=True),
        )
    ).first()
