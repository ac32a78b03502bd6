"""Queries of users and their sign-in identities."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.models import IdentityKind, SignInIdentity, User

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
