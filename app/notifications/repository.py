"""Queries of notifications and of who may receive them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from app.models import Membership, User


def active_members(
    session: Session, *, account_id: int, user_ids: Iterable[int]
) -> Sequence[tuple[User, Membership]]:
    """Those of ``user_ids`` who are active members of the account, enabled: one query."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    rows = session.exec(
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.account_id == account_id)
        .where(col(Membership.removed_at).is_(None))
        .where(col(User.id).in_(wanted))
        .where(col(User.is_disabled).is_(False))
    ).all()
    return [(user, membership) for user, membership in rows]
