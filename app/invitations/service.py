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
from app.audit.service import Changes
from app.db import absolute_url
from app.invitations import mail as letter
from app.invitations import repository
from app.kit import moments
from app.kit.clock import zone_named
from app.kit.versioned import Trail
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


TRAIL = Trail("invitation")
# What the audit trail records of a personal note.
NOTE_WRITTEN = "written (for the invitee only)"
MEMBERSHIP_TRAIL = Trail("membership")


def visibility_for(role: Role) -> Visibility:
    """Who the vendor brings onto its own team is the vendor's business."""
    return Visibility.INTERNAL if role.side is Side.VENDOR else Visibility.SHARED


def join(
    session: Session,
    *,
    actor: User,
    account: Account,
    user: User,
    role: Role,
    visibility: Visibility = Visibility.SHARED,
) -> Membership:
    """Make ``user`` a member of the account with ``role`` (audited "membership.joined"):
    by accepting an invitation, or directly (demo data, tests)."""
    assert account.id is not None
    assert user.id is not None
    membership = Membership(account_id=account.id, user_id=user.id, role=role)
    values = {"user": user.email, "role": role}
    MEMBERSHIP_TRAIL.created(
        session, actor, membership, values, verb="membership.joined", visibility=visibility
    )
    return membership


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
    session: Session,
    *,
    inviter: User,
    account: Account,
    email: str,
    role: Role,
    ask_before_second_sponsor: bool,
) -> None:
    """Refuse a role the account cannot take, a person already in it, or (when asked to) a
    second sponsor; then make way for the new invitation (an open one not delivered is
    replaced, an expired one revoked): nothing is changed before every refusal is checked."""
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
    if ask_before_second_sponsor and role is Role.SPONSOR:
        second = sponsor_problem(session, account=account, email=email)
        if second is not None:
            raise second
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
    """The invitation e-mail, through the outbox (sent after commit). It goes to the invitee
    alone: the only e-mail that ever carries the inviter's note."""
    email = invitation.email
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
        body=letter.body(
            inviter_name=inviter.display_name,
            inviter_email=inviter.email,
            account_name=account.name,
            role=invitation.role_enum,
            note=invitation.note,
            link=link,
            email=email,
            until=moments.exact(invitation.expires_at, _zone(session, account)),
        ),
    )


def sponsor_problem(session: Session, *, account: Account, email: str) -> InvitationProblem | None:
    """Why inviting ``email`` as sponsor needs the inviter's confirmation: the account has a
    sponsor already, or one invited. Two are allowed (a hand-over, co-sponsors), but any
    sponsor fills the client's one approval of the plan, so a second is never made by a
    default left unchanged."""
    assert account.id is not None
    names = repository.sponsors(session, account_id=account.id, besides=email)
    if not names:
        return None
    who = ", ".join(names)
    return InvitationProblem(
        f"{account.name} already has a sponsor: {who}. Any sponsor can agree the plan for "
        "the client. Choose another role, or tick the box below to invite a second sponsor.",
        field="role",
    )


def invite(
    session: Session,
    *,
    inviter: User,
    account: Account,
    email: str,
    role: Role,
    days: int,
    note: str = "",
    ask_before_second_sponsor: bool = False,
) -> SentInvitation:
    """Invite ``email`` as ``role`` with the inviter's ``note`` (checked text, may be '').
    ``ask_before_second_sponsor``: refuse a sponsor beside one already in place (the invite form
    asks the inviter to confirm; other callers mean what they ask)."""
    assert account.id is not None
    _check_invitable(
        session,
        inviter=inviter,
        account=account,
        email=email,
        role=role,
        ask_before_second_sponsor=ask_before_second_sponsor,
    )
    token = new_token()
    invitation = Invitation(
        account_id=account.id,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by_id=inviter.id,
        expires_at=utcnow() + timedelta(days=days),
        note=note,
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
    changes: Changes = {"email": [None, email], "role": [None, role]}
    if note:
        # That a note was written, never its text: it is for the invitee only, and this event
        # is shared with the client's side when the invitee is one of them.
        changes["note"] = [None, NOTE_WRITTEN]
    TRAIL.event(session, inviter, invitation, "invitation.sent", changes, visibility_for(role))
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
    visibility = visibility_for(invitation.role_enum)
    TRAIL.event(session, actor, invitation, "invitation.revoked", changes, visibility)


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
        membership = join(
            session,
            actor=user,
            account=account,
            user=user,
            role=role,
            visibility=visibility_for(role),
        )
    changes = {"accepted_by": [None, user.email]}
    TRAIL.event(session, user, invitation, "invitation.accepted", changes, visibility_for(role))
    return membership
