"""Creating accounts and changing who is in them."""

from __future__ import annotations

from sqlmodel import Session

from app.accounts import repository
from app.audit import service as audit
from app.invitations import service as invitations
from app.invitations.service import SentInvitation
from app.kit import versioned
from app.models import Account, ClientOrganisation, Membership, Role, Side, User, Visibility, utcnow
from app.plans import service as plans

TRAIL = invitations.MEMBERSHIP_TRAIL


class MembershipProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def create_account(
    session: Session,
    *,
    actor: User,
    client_name: str,
    account_name: str,
    period: str,
    lead_email: str,
    invitation_days: int,
) -> tuple[Account, SentInvitation]:
    """A new account with its first plan, and the lead invited. Checked by the caller: the
    actor is an admin of their workspace and the names are free."""
    account = open_account(
        session, actor=actor, client_name=client_name, account_name=account_name, period=period
    )
    sent = invitations.invite(
        session,
        inviter=actor,
        account=account,
        email=lead_email,
        role=Role.LEAD,
        days=invitation_days,
    )
    return account, sent


def open_account(
    session: Session, *, actor: User, client_name: str, account_name: str, period: str
) -> Account:
    """A new account (of a known or new client organisation) with its first plan, audited;
    its lead comes next, invited (``create_account``) or added (an import). Checked by the
    caller: the actor is an admin of their workspace and the account's name is free."""
    assert actor.workspace_id is not None
    client = repository.find_client_org(session, workspace_id=actor.workspace_id, name=client_name)
    if client is None:
        client = ClientOrganisation(workspace_id=actor.workspace_id, name=client_name)
        session.add(client)
        session.flush()
    account = Account(
        workspace_id=actor.workspace_id,
        client_org_id=client.id,  # type: ignore[arg-type]
        name=account_name,
        created_by_id=actor.id,
    )
    session.add(account)
    session.flush()
    assert account.id is not None
    audit.record(
        session,
        actor=actor,
        verb="account.created",
        item_type="account",
        item_id=account.id,
        account_id=account.id,
        changes={"name": [None, account_name], "client": [None, client.name]},
    )
    plans.create(session, actor=actor, account_id=account.id, period=period)
    return account


def _audit_visibility(*roles: Role) -> Visibility:
    """Changes among the vendor's own people stay internal; anything touching the client is shared."""
    if all(r.side is Side.VENDOR for r in roles):
        return Visibility.INTERNAL
    return Visibility.SHARED


def _email(session: Session, membership: Membership) -> str:
    user = session.get(User, membership.user_id)  # usually already in the identity map
    return user.email if user else ""


def change_role(
    session: Session, *, actor: User, membership: Membership, role: Role, expected_version: int
) -> None:
    """The caller locked the account, then the membership (``repository.lock_account``,
    ``get_member``): the version and the number of leads are checked on what is committed."""
    old = membership.role_enum
    if membership.version != expected_version:
        who = versioned.who_changed(session, membership, item_type="membership")
        raise MembershipProblem(
            f"{who or 'Someone'} changed this membership meanwhile, so your change was not "
            "saved. The list now shows the current role."
        )
    if role == old:
        return
    if role.side is not old.side:
        raise MembershipProblem(
            "A person keeps their side: vendor people take vendor roles, client people client roles."
        )
    if old is Role.LEAD and repository.count_leads(session, account_id=membership.account_id) <= 1:
        raise MembershipProblem("An account needs a lead. Make someone else lead first.")
    membership.role = role
    TRAIL.change(
        session,
        actor,
        membership,
        "membership.role_changed",
        {"user": [_email(session, membership)] * 2, "role": [old, role]},
        _audit_visibility(old, role),
    )


def remove(session: Session, *, actor: User, membership: Membership) -> None:
    """The person loses access to the account at once: every check reads memberships live.
    Locked by the caller like ``change_role``."""
    role = membership.role_enum
    if role is Role.LEAD and repository.count_leads(session, account_id=membership.account_id) <= 1:
        raise MembershipProblem("An account needs a lead. Make someone else lead first.")
    membership.removed_at = utcnow()
    TRAIL.change(
        session,
        actor,
        membership,
        "membership.removed",
        {"user": [_email(session, membership), None], "role": [role, None]},
        _audit_visibility(role),
    )


def add_member(
    session: Session, *, actor: User, account: Account, user: User, role: Role
) -> Membership:
    """Make a known user a member directly (demo data, tests); people come in by invitation."""
    visibility = _audit_visibility(role)
    return invitations.join(
        session, actor=actor, account=account, user=user, role=role, visibility=visibility
    )
