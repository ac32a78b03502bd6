"""Queries of users and their sign-in identities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.kit import queries
from app.models import (
    Account,
    CalendarFeed,
    IdentityKind,
    Membership,
    SignInIdentity,
    User,
    Workspace,
)

PASSWORD_ISSUER = "jointplan:password"


def by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def with_password(session: Session, *, email: str) -> tuple[User, SignInIdentity | None] | None:
    row = session.exec(
        select(User, SignInIdentity)
        .outerjoin(
            SignInIdentity,
            (col(SignInIdentity.user_id) == User.id)
            & (SignInIdentity.kind == IdentityKind.PASSWORD),
        )
        .where(User.email == email)
    ).first()
    return (row[0], row[1]) if row else None


def get_for_update(session: Session, *, user_id: int) -> User | None:
    """The person's row, locked and read afresh (``queries.locked``): of two saves of the
    same setting the second sees the first one's value."""
    return queries.locked(session, User, user_id)


def password_identity(session: Session, *, user_id: int) -> SignInIdentity | None:
    return session.exec(
        select(SignInIdentity)
        .where(SignInIdentity.user_id == user_id)
        .where(SignInIdentity.kind == IdentityKind.PASSWORD)
    ).first()


def identity(session: Session, *, issuer: str, subject: str) -> tuple[SignInIdentity, User] | None:
    row = session.exec(
        select(SignInIdentity, User)
        .join(User, col(User.id) == SignInIdentity.user_id)
        .where(SignInIdentity.issuer == issuer)
        .where(SignInIdentity.subject == subject)
    ).first()
    return (row[0], row[1]) if row else None


def in_workspace(session: Session, *, workspace_id: int) -> Sequence[User]:
    return session.exec(
        select(User).where(User.workspace_id == workspace_id).order_by(col(User.display_name))
    ).all()


def get_in_workspace(session: Session, *, workspace_id: int, user_id: int) -> User | None:
    """A person of the workspace. A writing request (an admin disabling or enabling the login)
    locks the row, ``FOR NO KEY UPDATE`` so that rows referring to the person can still be
    written meanwhile: of two admins' identical changes at once, the second sees the first's."""
    statement = (
        select(User)
        .where(User.id == user_id)
        .where(User.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    )
    if session.info.get("writes"):
        statement = statement.with_for_update(key_share=True)
    return session.exec(statement).first()


def home_zone(user: type[User]) -> sa.ColumnElement[str]:
    """The zone of a person who chose none, as an expression correlated to the ``User`` row of
    the query it goes in (the session lookup folds it into its own query: no page pays a query
    for it): their workspace's; for a client person, who has no workspace, the workspace of the
    account they joined first (one zone on every page, not one that changes with the account
    open); '' when neither exists (``app.kit.clock.zone_named`` reads it as UTC)."""
    return _home_setting(user, col(Workspace.time_zone))


def home_currency(user: type[User]) -> sa.ColumnElement[str]:
    """The currency money is shown in, as ``home_zone`` finds the zone: the person's
    workspace's, else that of the workspace of the account they joined first; '' when neither
    exists (``app.kit.numbers`` reads it as the default currency)."""
    return _home_setting(user, col(Workspace.currency))


def _home_setting(user: type[User], setting: Any) -> sa.ColumnElement[str]:
    own = select(setting).where(col(Workspace.id) == col(user.workspace_id)).scalar_subquery()
    first_account = (
        select(setting)
        .join(Account, col(Account.workspace_id) == col(Workspace.id))
        .join(Membership, col(Membership.account_id) == col(Account.id))
        .where(col(Membership.user_id) == col(user.id))
        .where(col(Membership.removed_at).is_(None))
        .order_by(col(Membership.created_at), col(Membership.id))
        .limit(1)
        .scalar_subquery()
    )
    return sa.func.coalesce(own, first_account, "")


def calendar_feed(session: Session, *, user_id: int) -> CalendarFeed | None:
    """The person's calendar feed (None: turned off, or never turned on)."""
    return session.get(CalendarFeed, user_id)


def calendar_feed_owner(session: Session, *, token_hash: str) -> User | None:
    """Whose calendar feed has this token hash: an active person only (a disabled person's
    feed stops at once): one query."""
    return session.exec(
        select(User)
        .join(CalendarFeed, col(CalendarFeed.user_id) == User.id)
        .where(CalendarFeed.token_hash == token_hash)
        .where(col(User.is_disabled).is_(False))
    ).first()
