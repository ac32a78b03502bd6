"""The key-account answer of an account: at most one row per account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.db import for_write
from app.models import KeyAccountAnswer, User

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


def of_accounts(session: Session, *, account_ids: Sequence[int]) -> dict[int, str]:
    """Each account's answer (``KeyAccountWish`` value; an account not answered is absent):
    one query, whatever the number of accounts."""
    rows = session.exec(
        select(KeyAccountAnswer.account_id, KeyAccountAnswer.answer).where(
            col(KeyAccountAnswer.account_id).in_(list(account_ids))
        )
    ).all()
    return dict(rows)
