"""Invitations: random, single-use links, valid for a week, bound to the invited address.

Only the token's SHA-256 is stored; the link itself exists only in the e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.audit import service as audit
from app.db import absolute_url
from app.invitations import repository
from app.kit import moments
from app.kit.clock import zone_named
from app.mail import outbox
from app.mail import repository as mail_repo
from app.mail import service as mail_service
from app.models import (
    Account,
    Invitation,
    MailKind,
    Membership,
    OutboxStatus,
    Role,
    Side,
    User,
    Visibility,
    Workspace,
    utcnow,
)
from app.tokens import new_token, token_hash


class InvitationProblem(Exception):
    """A reason the invitation cannot be made, phrased for the person filling in the form."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LinkState(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


def link_state(invitation: Invitation) -> LinkState:
    if invitation.accepted_at is not None:
        return LinkState.ACCEPTED
    if invitation.revoked_at is not None:
        return LinkState.REVOKED
    if invitation.expires_at <= utcnow():
        return LinkState.EXPIRED
    return LinkState.OPEN


def visibility_for(role: Role) -> Visibility:
    """Who the vendor brings onto its own team is the vendor's business."""
    return Visibility.INTERNAL if role.side is Side.VENDOR else Visibility.SHARED


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str


def role_problem(account: Account, role: Role, user: User | None) -> str | None:
    """Why ``user`` (None: not yet a user) cannot hold ``role`` in ``account``."""
    if user is None:
        return None
    if user.is_disabled:
        return "This person's login is disabled."
    if role.side is Side.VENDOR and user.workspace_id != account.workspace_id:
        return "Vendor roles are for people of your own organisation; this address is not one."
    if role.side is Side.CLIENT and user.workspace_id == account.workspace_id:
        return "This address belongs to your own organisation; client roles are for the client's people."
    return None


def _zone(session: Session, account: Account) -> ZoneInfo:
    """The zone of the account's workspace: an invitation's times are stated in it (to the
    inviter, and to the invitee, who has no zone yet and will live in it unless they choose)."""
    workspace = session.get(Workspace, account.workspace_id)  # the guard loaded it already
    return zone_named(workspace.time_zone if workspace else "")


def _already_invited(email: str, invitation: Invitation, zone: ZoneInfo) -> InvitationProblem:
    return InvitationProblem(
        f"{email} was already invited on {moments.local_day(invitation.created_at, zone)}; "
        f"that invitation is open until {moments.exact(invitation.expires_at, zone)}."
    )


def _check_invitable(
    session: Session, *, inviter: User, account: Account, email: str, role: Role
) -> None:
    """Refuse a role the account cannot take or a person already in it; make way for the new
    invitation (an open one not delivered is replaced, an expired one revoked)."""
    assert account.id is not None
    existing_user = repository.user_by_email(session, email=email)
    problem = role_problem(account, role, existing_user)
    if problem:
        raise InvitationProblem(problem)
    if existing_user is not None:
        assert existing_user.id is not None
        if accounts_repo.active_membership(
            session, account_id=account.id, user_id=existing_user.id
        ):
            raise InvitationProblem(f"{email} is already a member of this account.")
    open_invitation = repository.get_open(session, account_id=account.id, email=email)
    if open_invitation is not None:
        if link_state(open_invitation) is LinkState.OPEN:
            _replace_undelivered(
                session, actor=inviter, invitation=open_invitation, zone=_zone(session, account)
            )
        else:
            open_invitation.revoked_at = utcnow()  # an expired one makes way for the new one
            session.add(open_invitation)
            session.flush()


def _send_link(
    session: Session, *, inviter: User, account: Account, invitation: Invitation, link: str
) -> None:
    """The invitation e-mail, through the outbox (sent after commit)."""
    email, role = invitation.email, Role(invitation.role)
    outbox.enqueue(
        session,
        kind=MailKind.INVITATION,
        workspace_id=account.workspace_id,
        account_id=account.id,
        sender_id=inviter.id,
        invitation_id=invitation.id,
        expires_at=invitation.expires_at,
        to=email,
        subject=f"{inviter.display_name} invited you to the {account.name} account plan",
        body=(
            f"Hello,\n\n{inviter.display_name} ({inviter.email}) invited you to join the "
            f"{account.name} account plan on Jointplan as {role.label.lower()}.\n\n"
            f"Open this link to accept:\n{link}\n\n"
            f"The link works once, only for {email}, until "
            f"{moments.exact(invitation.expires_at, _zone(session, account))}.\n"
            "If you did not expect this invitation, you can ignore this e-mail.\n"
        ),
    )


def invite(
    session: Session,
    *,
    inviter: User,
    account: Account,
    email: str,
    role: Role,
    days: int,
) -> SentInvitation:
    assert account.id is not None
    _check_invitable(session, inviter=inviter, account=account, email=email, role=role)
    token = new_token()
    invitation = Invitation(
        account_id=account.id,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by_id=inviter.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    try:
        with session.begin_nested():  # a savepoint: the request's transaction survives a clash
            session.add(invitation)
            session.flush()
    except IntegrityError:
        # Someone invited the same address at the same moment and committed first (the unique
        # index of open invitations): the same answer as if they had been a moment earlier.
        winner = repository.get_open(session, account_id=account.id, email=email)
        if winner is None:
            raise
        raise _already_invited(email, winner, _zone(session, account)) from None
    link = absolute_url(session, f"/invitations/{token}")
    _send_link(session, inviter=inviter, account=account, invitation=invitation, link=link)
    audit.record(
        session,
        actor=inviter,
        verb="invitation.sent",
        item_type="invitation",
        item_id=invitation.id,
        account_id=account.id,
        changes={"email": [None, email], "role": [None, role]},
        visibility=visibility_for(role),
    )
    return SentInvitation(invitation, link)


def _replace_undelivered(
    session: Session, *, actor: User, invitation: Invitation, zone: ZoneInfo
) -> None:
    """An open invitation stands in the way of a new one, unless its e-mail never arrived:
    then the new invitation (new link, new e-mail) replaces it."""
    assert invitation.id is not None
    mail = mail_repo.of_invitation(session, invitation_id=invitation.id)
    if mail is None or mail.status != OutboxStatus.FAILED:
        if mail is not None and mail.status == OutboxStatus.PENDING and mail.attempts:
            raise InvitationProblem(
                f"{invitation.email} was already invited on "
                f"{moments.local_day(invitation.created_at, zone)}; "
                "its e-mail could not be delivered yet and is being tried again."
            )
        raise _already_invited(invitation.email, invitation, zone)
    _withdraw(session, actor=actor, invitation=invitation, reason="not delivered")


def revoke(session: Session, *, actor: User, invitation: Invitation) -> None:
    if link_state(invitation) is not LinkState.OPEN:
        raise InvitationProblem("This invitation is no longer open.", field="_form")
    _withdraw(session, actor=actor, invitation=invitation)


def _withdraw(
    session: Session, *, actor: User, invitation: Invitation, reason: str | None = None
) -> None:
    assert invitation.id is not None
    invitation.revoked_at = utcnow()
    session.add(invitation)
    session.flush()
    # The link stops working: an e-mail with it still waiting to be (re)sent never will be.
    mail_service.cancel_for_invitation(session, invitation_id=invitation.id)
    changes: dict[str, list[str | None]] = {"email": [invitation.email, invitation.email]}
    if reason:
        changes["reason"] = [None, reason]
    audit.record(
        session,
        actor=actor,
        verb="invitation.revoked",
        item_type="invitation",
        item_id=invitation.id,
        account_id=invitation.account_id,
        changes=changes,
        visibility=visibility_for(invitation.role_enum),
    )


def find_by_token(session: Session, token: str) -> tuple[Invitation, Account] | None:
    if not token or len(token) > 100:
        return None
    return repository.by_token_hash(session, token_hash=token_hash(token))


def accept(session: Session, *, invitation: Invitation, account: Account, user: User) -> Membership:
    """Make ``user`` (whose address the invitation was sent to) a member. Checks everything again."""
    assert user.id is not None
    assert account.id is not None
    if link_state(invitation) is not LinkState.OPEN:
        raise InvitationProblem("This invitation link is no longer valid.", field="_form")
    if user.email != invitation.email:
        raise InvitationProblem(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}.",
            field="_form",
        )
    role = invitation.role_enum
    if role.side is Side.VENDOR and user.workspace_id is None:
        # A new colleague: their login joins the vendor's workspace as an ordinary member.
        user.workspace_id = account.workspace_id
        user.workspace_role = "member"
        session.add(user)
    problem = role_problem(account, role, user)
    if problem:
        raise InvitationProblem(problem, field="_form")
    invitation.accepted_at = utcnow()
    invitation.accepted_user_id = user.id
    session.add(invitation)
    membership = accounts_repo.active_membership(session, account_id=account.id, user_id=user.id)
    if membership is None:
        membership = Membership(account_id=account.id, user_id=user.id, role=role)
        session.add(membership)
        session.flush()
        audit.record(
            session,
            actor=user,
            verb="membership.joined",
            item_type="membership",
            item_id=membership.id,
            account_id=account.id,
            changes={"user": [None, user.email], "role": [None, role]},
        )
    audit.record(
        session,
        actor=user,
        verb="invitation.accepted",
        item_type="invitation",
        item_id=invitation.id,
        account_id=account.id,
        changes={"accepted_by": [None, user.email]},
        visibility=visibility_for(role),
    )
    return membership
