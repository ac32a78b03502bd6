"""``decide(actor, access, verb, item) -> allow | not_found | forbidden``.

Every route reaches data through a guard that calls ``decide``; nothing else grants access.
A person who is not a member of an account (and not an admin of its workspace) gets
``NOT_FOUND`` for everything under it, the same answer as for an id that does not exist.
Internal items are ``NOT_FOUND`` for the client side: a client cannot even learn they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Protocol

from app.models import Account, Membership, Role, Side, User, Visibility


class Decision(Enum):
    ALLOW = "allow"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"


class Verb(StrEnum):
    ACCOUNT_VIEW = "account.view"
    MEMBERS_MANAGE = "members.manage"
    INVITATIONS_VIEW = "invitations.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_VERIFY = "audit.verify"
    PLAN_VIEW = "plan.view"
    PRIORITIES_WRITE = "priorities.write"  # client-owned: only client people who contribute


class WorkspaceVerb(StrEnum):
    ACCOUNTS_CREATE = "accounts.create"
    USERS_MANAGE = "users.manage"


@dataclass(frozen=True)
class Actor:
    """The signed-in person making the request.

    The plain fields are copied at sign-in resolution so that pages rendered after a rollback
    (error pages) can still show who is signed in; services use ``user``.
    """

    user: User
    id: int
    email: str
    display_name: str
    workspace_id: int | None
    is_workspace_admin: bool

    @classmethod
    def of(cls, user: User) -> Actor:
        assert user.id is not None
        return cls(
            user=user,
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            workspace_id=user.workspace_id,
            is_workspace_admin=user.is_workspace_admin,
        )

    def is_admin_of(self, workspace_id: int) -> bool:
        return self.is_workspace_admin and self.workspace_id == workspace_id


@dataclass(frozen=True)
class AccountAccess:
    """An account together with the actor's standing in it, as loaded by the account guard."""

    account: Account
    membership: Membership | None
    is_workspace_admin: bool

    @property
    def account_id(self) -> int:
        assert self.account.id is not None
        return self.account.id

    @property
    def role(self) -> Role | None:
        return self.membership.role_enum if self.membership else None

    @property
    def side(self) -> Side | None:
        if self.membership:
            return self.membership.role_enum.side
        return Side.VENDOR if self.is_workspace_admin else None

    @property
    def is_vendor(self) -> bool:
        return self.side is Side.VENDOR

    @property
    def visibilities(self) -> tuple[str, ...]:
        """The visibilities of items this actor may see in the account."""
        if self.is_vendor:
            return (Visibility.SHARED, Visibility.INTERNAL)
        return (Visibility.SHARED,)


class HasVisibility(Protocol):
    @property
    def visibility(self) -> str: ...


# What each standing in an account may do. "admin" is a workspace admin without a membership.
_VENDOR_READ = frozenset(
    {Verb.ACCOUNT_VIEW, Verb.INVITATIONS_VIEW, Verb.AUDIT_VIEW, Verb.AUDIT_VERIFY, Verb.PLAN_VIEW}
)
_CLIENT_READ = frozenset({Verb.ACCOUNT_VIEW, Verb.AUDIT_VIEW, Verb.PLAN_VIEW})
_CLIENT_OWNED = frozenset({Verb.PRIORITIES_WRITE})
_VENDOR_ALL = frozenset(Verb) - _CLIENT_OWNED

_GRANTS: dict[Role | str, frozenset[Verb]] = {
    Role.LEAD: _VENDOR_ALL,
    "admin": _VENDOR_ALL,
    Role.TEAM: _VENDOR_READ,
    Role.MENTOR: _VENDOR_READ,
    Role.SPONSOR: _CLIENT_READ | _CLIENT_OWNED,
    Role.MEMBER: _CLIENT_READ | _CLIENT_OWNED,
    Role.VIEWER: _CLIENT_READ,
}

_WORKSPACE_GRANTS = {"admin": frozenset(WorkspaceVerb)}


def decide(
    actor: Actor,
    access: AccountAccess | None,
    verb: Verb,
    item: HasVisibility | None = None,
) -> Decision:
    if access is None:
        return Decision.NOT_FOUND
    standing: Role | str | None = access.role
    if standing is None:
        if not actor.is_admin_of(access.account.workspace_id):
            return Decision.NOT_FOUND
        standing = "admin"
    if item is not None and item.visibility not in access.visibilities:
        return Decision.NOT_FOUND
    return Decision.ALLOW if verb in _GRANTS[standing] else Decision.FORBIDDEN


def decide_workspace(actor: Actor, workspace_id: int | None, verb: WorkspaceVerb) -> Decision:
    """Workspace-level verbs (creating accounts, managing users): admins of that workspace."""
    if workspace_id is None:
        return Decision.FORBIDDEN
    if actor.is_admin_of(workspace_id) and verb in _WORKSPACE_GRANTS["admin"]:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def may(actor: Actor, access: AccountAccess, verb: Verb) -> bool:
    """For templates' convenience (showing a button); routes still go through the guards."""
    return decide(actor, access, verb) is Decision.ALLOW


__all__ = [
    "AccountAccess",
    "Actor",
    "Decision",
    "Verb",
    "WorkspaceVerb",
    "decide",
    "decide_workspace",
    "may",
]
