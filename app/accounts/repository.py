"""Queries of accounts and memberships."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.db import for_write, memo
from app.models import (
    Account,
    ClientOrganisation,
    Membership,
    Plan,
    ProfileSection,
    Role,
    Stakeholder,
    User,
    Validation,
)
from app.permissions.policy import AccountAccess

# Built once (the guard of every account's page runs it): only the ids change.
_ACCESS = (
    select(Account, Membership, User)
    .select_from(Account)
    .options(
        joinedload(Account.client_org),  # type: ignore[arg-type]
        joinedload(Account.workspace),  # type: ignore[arg-type]
    )
    .join(User, col(User.id) == sa.bindparam("user_id"))
    .outerjoin(
        Membership,
        sa.and_(
            col(Membership.account_id) == Account.id,
            col(Membership.user_id) == sa.bindparam("user_id"),
            col(Membership.removed_at).is_(None),
        ),
    )
    .where(Account.id == sa.bindparam("account_id"))
)


def load_access(session: Session, *, account_id: int, user_id: int) -> AccountAccess | None:
    """The account with the user's active membership (if any) and admin standing: one query."""
    row = session.exec(_ACCESS, params={"account_id": account_id, "user_id": user_id}).first()
    if row is None:
        return None
    account, membership, user = row
    return AccountAccess(
        account=account,
        membership=membership,
        is_workspace_admin=user.is_workspace_admin and user.workspace_id == account.workspace_id,
    )


class NotRead(enum.Enum):
    NOT_READ = "not read"


NOT_READ = NotRead.NOT_READ


def remember_access(
    session: Session, *, account_id: int, user_id: int, access: AccountAccess | None
) -> None:
    """Keep what ``load_access`` answered for the rest of the request's transaction
    (``app.db.memo``), so that the guard asks the database once at most."""
    memo(session, "access")[account_id, user_id] = access


def remembered_access(
    session: Session, *, account_id: int, user_id: int
) -> AccountAccess | NotRead | None:
    """What ``remember_access`` kept for this account and person, or ``NOT_READ``."""
    known: dict[tuple[int, int], AccountAccess | None] = memo(session, "access")
    return known.get((account_id, user_id), NOT_READ)


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    client_name: str
    role: str | None
    plan_period: str | None


def list_for_user(session: Session, *, user: User) -> Sequence[AccountSummary]:
    """Accounts the user is a member of, and for a workspace admin every account of it."""
    membership = sa.and_(
        col(Membership.account_id) == Account.id,
        col(Membership.user_id) == user.id,
        col(Membership.removed_at).is_(None),
    )
    visible: sa.ColumnElement[bool] = col(Membership.id).is_not(None)
    if user.is_workspace_admin:
        visible = sa.or_(visible, col(Account.workspace_id) == user.workspace_id)
    rows = session.exec(
        select(Account, ClientOrganisation.name, Membership.role, Plan.period)
        .join(ClientOrganisation, col(ClientOrganisation.id) == Account.client_org_id)
        .outerjoin(Membership, membership)
        .outerjoin(Plan, sa.and_(col(Plan.account_id) == Account.id, col(Plan.is_current)))
        .where(visible)
        .order_by(col(Account.name))
    ).all()
    return [AccountSummary(a, name, role, period) for a, name, role, period in rows]


# Vendor roles first, then the client's, each in the order of Role.
_ROLE_ORDER = sa.case(
    {role.value: rank for rank, role in enumerate(Role)}, value=col(Membership.role)
)


def list_members(session: Session, *, account_id: int) -> Sequence[Membership]:
    """The account's active members with their people, by role, then oldest first."""
    return session.exec(_members(), params={"account_id": account_id}).all()


@functools.cache
def _members() -> SelectOfScalar[Membership]:
    """The statement of ``list_members``, built once (the account is a bind parameter)."""
    return (
        select(Membership)
        .options(joinedload(Membership.user))  # type: ignore[arg-type]
        .where(Membership.account_id == sa.bindparam("account_id"))
        .where(col(Membership.removed_at).is_(None))
        .order_by(_ROLE_ORDER, col(Membership.created_at), col(Membership.id))
    )


def lock_account(session: Session, *, account_id: int) -> None:
    """Serialise the changes to who is in the account and in which role, when the request
    writes: ``FOR NO KEY UPDATE`` on the account row (PostgreSQL; SQLite's writers queue
    anyway), so that a rule over several memberships ("an account keeps a lead") is checked
    on what the other writers committed. Other requests may still insert rows that refer to
    the account. Taken before any membership row, so that writers never wait in a circle."""
    if session.info.get("writes"):
        session.exec(
            select(Account.id).where(Account.id == account_id).with_for_update(key_share=True)
        ).first()


def get_member(session: Session, *, account_id: int, membership_id: int) -> Membership | None:
    """An active membership of the account; locked when the request writes, and read past the
    identity map (the guard may have loaded it, unlocked, as the actor's own). The person is
    loaded by a second query, so that only the membership row is locked."""
    statement = (
        select(Membership)
        .options(selectinload(Membership.user))  # type: ignore[arg-type]
        .where(Membership.id == membership_id)
        .where(Membership.account_id == account_id)
        .where(col(Membership.removed_at).is_(None))
        .execution_options(populate_existing=True)
    )
    return session.exec(for_write(session, statement)).first()


def active_membership(session: Session, *, account_id: int, user_id: int) -> Membership | None:
    return session.exec(
        select(Membership)
        .where(Membership.account_id == account_id)
        .where(Membership.user_id == user_id)
        .where(col(Membership.removed_at).is_(None))
    ).first()


def count_leads(session: Session, *, account_id: int) -> int:
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(Membership)
            .where(Membership.account_id == account_id)
            .where(Membership.role == "lead")
            .where(col(Membership.removed_at).is_(None))
        ).one()
    )


def find_client_org(session: Session, *, workspace_id: int, name: str) -> ClientOrganisation | None:
    return session.exec(
        select(ClientOrganisation)
        .where(ClientOrganisation.workspace_id == workspace_id)
        .where(sa.func.lower(ClientOrganisation.name) == name.lower())
    ).first()


def account_name_taken(session: Session, *, workspace_id: int, name: str) -> bool:
    return (
        session.exec(
            select(Account.id)
            .where(Account.workspace_id == workspace_id)
            .where(sa.func.lower(Account.name) == name.lower())
        ).first()
        is not None
    )


def member_ids(
    session: Session, *, account_id: int, roles: Sequence[Role] | None = None
) -> list[int]:
    """The ids of the account's active members (of the given roles), in id order: one query.
    Who is told of something: ``notify`` then keeps the ones who may hear it."""
    statement = (
        select(Membership.user_id)
        .where(Membership.account_id == account_id)
        .where(col(Membership.removed_at).is_(None))
        .order_by(col(Membership.user_id))
    )
    if roles is not None:
        statement = statement.where(col(Membership.role).in_([r.value for r in roles]))
    return [int(uid) for uid in session.exec(statement).all()]


def members_with_roles(
    session: Session, *, account_id: int, roles: Iterable[Role]
) -> Sequence[User]:
    """The account's active members with one of ``roles``, by name: one query. Who may own
    something of the account (a priority: the client's; an opportunity: the vendor's)."""
    return session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.account_id == account_id)
        .where(col(Membership.removed_at).is_(None))
        .where(col(Membership.role).in_(sorted(role.value for role in roles)))
        .order_by(col(User.display_name), col(User.id))
    ).all()


def waiting_for_check(session: Session, *, account_id: int) -> int:
    """How many items sent to the client wait for its answer (profile sections and people on
    the relationship map): one query."""
    sections = (
        select(sa.func.count(col(ProfileSection.id)))
        .where(ProfileSection.account_id == account_id)
        .where(ProfileSection.validation == Validation.PENDING.value)
        .scalar_subquery()
    )
    people = (
        select(sa.func.count(col(Stakeholder.id)))
        .where(Stakeholder.account_id == account_id)
        .where(Stakeholder.validation == Validation.PENDING.value)
        .where(col(Stakeholder.removed_at).is_(None))
        .scalar_subquery()
    )
    return int(session.exec(select(sections + people)).one() or 0)


def account_names(session: Session, *, workspace_id: int) -> set[str]:
    """The workspace's account names, case-folded (what an import's new names must avoid)."""
    names = session.exec(select(Account.name).where(Account.workspace_id == workspace_id)).all()
    return {name.casefold() for name in names}


def users_by_email(session: Session, *, emails: Iterable[str]) -> dict[str, User]:
    """The people who sign in with these (normalised) addresses, by address: one query."""
    wanted = sorted(set(emails))
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.email).in_(wanted))).all()
    return {user.email: user for user in users}
