"""Queries of notifications and of who may receive them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col, select

from app.models import Account, Membership, Notification, Role, User


def active_members(
    session: Session,
    *,
    account_id: int,
    user_ids: Iterable[int],
    roles: Collection[Role] = (),
    leaving_out: int | None = None,
) -> Sequence[tuple[User, Membership]]:
    """The account's active, enabled members who are among ``user_ids`` or have one of
    ``roles``, but for ``leaving_out``: one query."""
    wanted = sorted(set(user_ids))
    if not wanted and not roles:
        return []
    chosen = sa.or_(
        col(User.id).in_(wanted), col(Membership.role).in_(sorted(role.value for role in roles))
    )
    statement = (
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.account_id == account_id)
        .where(col(Membership.removed_at).is_(None))
        .where(chosen)
        .where(col(User.is_disabled).is_(False))
    )
    if leaving_out is not None:
        statement = statement.where(col(User.id) != leaving_out)
    rows = session.exec(statement).all()
    return [(user, membership) for user, membership in rows]


def workspace_of(session: Session, *, account_id: int) -> int | None:
    """The account's workspace (the account is usually loaded already: no query then)."""
    account = session.get(Account, account_id)
    return account.workspace_id if account is not None else None


# --- The inbox ---------------------------------------------------------------------------------

UserIdColumn = sa.ColumnElement[int] | Mapped[int]


def _still_visible(user_id: int | UserIdColumn) -> sa.ColumnElement[bool]:
    """A person's notification stays in their inbox while they are an active member of its
    account (a removed member no longer sees news of that account); account-less ones stay."""
    membership = (
        select(Membership.id)
        .where(col(Membership.account_id) == Notification.account_id)
        .where(col(Membership.user_id) == user_id)
        .where(col(Membership.removed_at).is_(None))
        .correlate_except(Membership)  # the notification (and session) are the outer query's
    )
    return sa.or_(col(Notification.account_id).is_(None), membership.exists())


def unread_count(user_id: UserIdColumn) -> sa.ScalarSelect[int]:
    """The person's unread notifications, as a scalar subquery correlated to ``user_id`` (the
    session lookup folds it into its own query, so the badge costs no query of its own)."""
    return (
        select(sa.func.count(col(Notification.id)))
        .where(col(Notification.user_id) == user_id)
        .where(col(Notification.read_at).is_(None))
        .where(_still_visible(user_id))
        .scalar_subquery()
    )


def inbox(
    session: Session, *, user_id: int, before: int | None, limit: int
) -> Sequence[tuple[Notification, str | None]]:
    """The person's notifications, newest first, with their account's name: one query."""
    statement = (
        select(Notification, Account.name)
        .outerjoin(Account, col(Account.id) == Notification.account_id)
        .where(Notification.user_id == user_id)
        .where(_still_visible(user_id))
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    if before is not None:
        # Older than the notification ``before`` (ids are random: by time, the id breaks ties).
        mark = aliased(Notification)
        statement = statement.join(
            mark, sa.and_(col(mark.id) == before, col(mark.user_id) == user_id)
        ).where(
            sa.or_(
                col(Notification.created_at) < col(mark.created_at),
                sa.and_(
                    col(Notification.created_at) == col(mark.created_at),
                    col(Notification.id) < col(mark.id),
                ),
            )
        )
    return [(note, name) for note, name in session.exec(statement).all()]


def get_own(session: Session, *, user_id: int, notification_id: int) -> Notification | None:
    """One of the person's own (visible) notifications; anyone else's is simply not found."""
    return session.exec(
        select(Notification)
        .where(Notification.id == notification_id)
        .where(Notification.user_id == user_id)
        .where(_still_visible(user_id))
    ).first()


def unread_by_account(session: Session, *, user_id: int) -> dict[int | None, int]:
    """The person's unread notifications per account (None: about no account): one query."""
    statement = (
        select(Notification.account_id, sa.func.count(col(Notification.id)))
        .where(Notification.user_id == user_id)
        .where(col(Notification.read_at).is_(None))
        .where(_still_visible(user_id))
        .group_by(col(Notification.account_id))
    )
    return {account_id: int(count) for account_id, count in session.exec(statement).all()}


def mark_all_read(
    session: Session, *, user_id: int, at: datetime, upto: datetime | None = None
) -> int:
    """Mark the person's unread (visible) notifications read, only those that came by ``upto``
    when given (what the page showed: news that arrived since stays unread)."""
    statement = (
        sa.update(Notification)
        .where(col(Notification.user_id) == user_id)
        .where(col(Notification.read_at).is_(None))
        .where(_still_visible(user_id))
    )
    if upto is not None:
        statement = statement.where(col(Notification.created_at) <= upto)
    result = session.execute(statement.values(read_at=at))
    return int(result.rowcount)  # type: ignore[attr-defined]


def lock_user(session: Session, *, user_id: int) -> User | None:
    """The person's row, locked until commit (their preference rows are written under it)."""
    return session.exec(select(User).where(User.id == user_id).with_for_update()).first()
