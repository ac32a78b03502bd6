"""Queries of invitations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import joinedload
from sqlmodel import Session, col, select

from app.db import for_write
from app.models import Account, Invitation, Membership, OutboxMessage, Role, User, utcnow


def get_open(session: Session, *, account_id: int, email: str) -> Invitation | None:
    return session.exec(
        select(Invitation)
        .where(Invitation.account_id == account_id)
        .where(Invitation.email == email)
        .where(col(Invitation.accepted_at).is_(None))
        .where(col(Invitation.revoked_at).is_(None))
    ).first()


def list_open(
    session: Session, *, account_id: int
) -> Sequence[tuple[Invitation, OutboxMessage | None]]:
    """The account's open invitations, newest first, each with the e-mail that carries its
    link (one query; None for invitations made before e-mails named their invitation)."""
    rows = session.exec(
        select(Invitation, OutboxMessage)
        .outerjoin(OutboxMessage, col(OutboxMessage.invitation_id) == Invitation.id)
        .where(Invitation.account_id == account_id)
        .where(col(Invitation.accepted_at).is_(None))
        .where(col(Invitation.revoked_at).is_(None))
        .where(col(Invitation.expires_at) > utcnow())
        .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
    ).all()
    return [(invitation, mail) for invitation, mail in rows]


def get_in_account(session: Session, *, account_id: int, invitation_id: int) -> Invitation | None:
    """Locked when the request writes, so that of two simultaneous withdrawals (or a withdrawal
    and an acceptance) the second sees what the first did."""
    statement = (
        select(Invitation)
        .where(Invitation.id == invitation_id)
        .where(Invitation.account_id == account_id)
        .execution_options(populate_existing=True)
    )
    return session.exec(for_write(session, statement)).first()


def by_token_hash(session: Session, *, token_hash: str) -> tuple[Invitation, Account] | None:
    """The invitation with its account. A writing request (accepting it) locks the invitation
    row, and only that row: two acceptances of one link queue, and the second finds it
    accepted."""
    statement = (
        select(Invitation, Account)
        .options(joinedload(Account.client_org))  # type: ignore[arg-type]
        .join(Account, col(Account.id) == Invitation.account_id)
        .where(Invitation.token_hash == token_hash)
        .execution_options(populate_existing=True)
    )
    if session.info.get("writes"):
        statement = statement.with_for_update(of=Invitation)
    row = session.exec(statement).first()
    return (row[0], row[1]) if row else None


def user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def sponsors(session: Session, *, account_id: int, besides: str) -> list[str]:
    """The account's client sponsors: the members' names, then the addresses invited to be one
    (open invitations, other than to ``besides``, which a new invitation would replace)."""
    joined = session.exec(
        select(User.display_name)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.account_id == account_id)
        .where(Membership.role == Role.SPONSOR)
        .where(col(Membership.removed_at).is_(None))
        .order_by(col(Membership.created_at), col(Membership.id))
    ).all()
    invited = session.exec(
        select(Invitation.email)
        .where(Invitation.account_id == account_id)
        .where(Invitation.role == Role.SPONSOR)
        .where(Invitation.email != besides)
        .where(col(Invitation.accepted_at).is_(None))
        .where(col(Invitation.revoked_at).is_(None))
        .where(col(Invitation.expires_at) > utcnow())
        .order_by(col(Invitation.created_at), col(Invitation.id))
    ).all()
    return [*joined, *(f"{email} (invited)" for email in invited)]


def inviter_of(session: Session, *, invitation: Invitation) -> User | None:
    """Who sent the invitation (None once their login is gone)."""
    if invitation.invited_by_id is None:
        return None
    return session.get(User, invitation.invited_by_id)
