"""Queries of the relationship map (always by account; removed people are never returned)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.accounts import repository as accounts_repo
from app.db import for_write
from app.models import (
    VENDOR_ROLES,
    Account,
    AuditEvent,
    DepartmentTension,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
    User,
    Validation,
    Visibility,
)

ITEM = "stakeholder"


def _live(account_id: int) -> SelectOfScalar[Stakeholder]:
    return (
        select(Stakeholder)
        .where(Stakeholder.account_id == account_id)
        .where(col(Stakeholder.removed_at).is_(None))
    )


def lock_map(session: Session, *, account_id: int) -> None:
    """Serialise the writes that change the account's map (reporting lines must never form a
    cycle, which no single row lock can promise). ``FOR NO KEY UPDATE`` on the account row:
    other requests may still insert rows that refer to the account."""
    if session.info.get("writes"):
        session.exec(
            select(Account.id).where(Account.id == account_id).with_for_update(key_share=True)
        ).first()


def on_map(session: Session, *, account_id: int) -> Sequence[Stakeholder]:
    """Every live stakeholder of the account by name: one query (managers are on the same
    list)."""
    return session.exec(
        _live(account_id).order_by(col(Stakeholder.name), col(Stakeholder.id))
    ).all()


def contacts(session: Session, *, account_id: int) -> Sequence[tuple[StakeholderContact, User]]:
    """The team's contacts with the account's live stakeholders, each with its person of the
    team, by that person's name: one query."""
    rows = session.exec(
        select(StakeholderContact, User)
        .join(User, col(User.id) == StakeholderContact.user_id)
        .join(Stakeholder, col(Stakeholder.id) == StakeholderContact.stakeholder_id)
        .where(StakeholderContact.account_id == account_id)
        .where(col(Stakeholder.removed_at).is_(None))
        .order_by(col(User.display_name), col(StakeholderContact.id))
    ).all()
    return [(contact, user) for contact, user in rows]


def links(session: Session, *, account_id: int) -> Sequence[StakeholderLink]:
    """The links between the account's live stakeholders, oldest first: one query."""
    source, target = aliased(Stakeholder), aliased(Stakeholder)
    return session.exec(
        select(StakeholderLink)
        .join(source, col(source.id) == StakeholderLink.from_id)
        .join(target, col(target.id) == StakeholderLink.to_id)
        .where(StakeholderLink.account_id == account_id)
        .where(col(source.removed_at).is_(None), col(target.removed_at).is_(None))
        .order_by(col(StakeholderLink.created_at), col(StakeholderLink.id))
    ).all()


def tensions(session: Session, *, account_id: int) -> Sequence[DepartmentTension]:
    """The tensions between the account's departments, by their names: one query."""
    return session.exec(
        select(DepartmentTension)
        .where(DepartmentTension.account_id == account_id)
        .order_by(col(DepartmentTension.key_a), col(DepartmentTension.key_b))
    ).all()


def contact_of(session: Session, *, stakeholder_id: int, user_id: int) -> StakeholderContact | None:
    """The contact of one person of the team with one stakeholder, if any."""
    return session.exec(
        select(StakeholderContact)
        .where(StakeholderContact.stakeholder_id == stakeholder_id)
        .where(StakeholderContact.user_id == user_id)
    ).first()


def link_of(session: Session, *, from_id: int, to_id: int, kind: str) -> StakeholderLink | None:
    return session.exec(
        select(StakeholderLink)
        .where(StakeholderLink.from_id == from_id)
        .where(StakeholderLink.to_id == to_id)
        .where(StakeholderLink.kind == kind)
    ).first()


def tension_of(
    session: Session, *, account_id: int, key_a: str, key_b: str
) -> DepartmentTension | None:
    return session.exec(
        select(DepartmentTension)
        .where(DepartmentTension.account_id == account_id)
        .where(DepartmentTension.key_a == key_a)
        .where(DepartmentTension.key_b == key_b)
    ).first()


def live(session: Session, *, account_id: int) -> Sequence[Stakeholder]:
    """Every live stakeholder of the account (what the form checks run against)."""
    return session.exec(
        _live(account_id).order_by(col(Stakeholder.created_at), col(Stakeholder.id))
    ).all()


def get_many(
    session: Session, *, account_id: int, stakeholder_ids: Sequence[int]
) -> Sequence[Stakeholder]:
    """The live stakeholders of the account among ``stakeholder_ids`` (locked for a write)."""
    statement = (
        _live(account_id)
        .where(col(Stakeholder.id).in_(sorted(set(stakeholder_ids))))
        .order_by(col(Stakeholder.created_at), col(Stakeholder.id))
    )
    return session.exec(for_write(session, statement)).all()


def direct_reports(session: Session, *, account_id: int, manager_id: int) -> Sequence[Stakeholder]:
    statement = (
        _live(account_id)
        .where(Stakeholder.reports_to_id == manager_id)
        .order_by(col(Stakeholder.created_at), col(Stakeholder.id))
    )
    return session.exec(for_write(session, statement)).all()


def economic_buyer(
    session: Session, *, account_id: int, decision_key: str, excluding: int | None
) -> Stakeholder | None:
    """The live economic buyer of a decision, other than ``excluding``."""
    statement = (
        _live(account_id)
        .where(Stakeholder.decision_key == decision_key)
        .where(col(Stakeholder.is_economic_buyer))
    )
    if excluding is not None:
        statement = statement.where(Stakeholder.id != excluding)
    return session.exec(statement.limit(1)).first()


def sent_for_confirmation(session: Session, *, account_id: int) -> Sequence[Stakeholder]:
    """The stakeholders sent to the client for confirmation, by the name as sent: one query.

    Whoever renders these shows the client ONLY ``sent_name``, ``sent_title``,
    ``sent_reports_to``, ``validation``, ``client_correction`` and ``answered_at`` (see
    templates/stakeholders/_confirm_section.html); every other field is internal."""
    return session.exec(
        _live(account_id)
        .where(Stakeholder.validation != Validation.NONE)
        .order_by(col(Stakeholder.sent_name), col(Stakeholder.id))
    ).all()


def vendor_people(session: Session, *, account_id: int) -> Sequence[User]:
    """Who may own a relationship: the account's active vendor-side members, by name."""
    return accounts_repo.members_with_roles(session, account_id=account_id, roles=VENDOR_ROLES)


def last_shared_actor_label(session: Session, *, account_id: int, stakeholder_id: int) -> str:
    """Who made the latest change the client can see (sent or answered): never an internal
    edit, which the client must not learn of."""
    label = session.exec(
        select(AuditEvent.actor_label)
        .where(AuditEvent.account_id == account_id)
        .where(AuditEvent.item_type == ITEM)
        .where(AuditEvent.item_id == str(stakeholder_id))
        .where(AuditEvent.visibility == Visibility.SHARED)
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    return label or ""
