"""Queries of the relationship map (always by account; removed people are never returned)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.accounts import repository as accounts_repo
from app.db import for_write
from app.models import (
    VENDOR_ROLES,
    Account,
    AuditEvent,
    Stakeholder,
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


def on_map(session: Session, *, account_id: int) -> Sequence[tuple[Stakeholder, User | None]]:
    """Every live stakeholder of the account by name, each with their relationship owner:
    one query (managers are on the same list)."""
    rows = session.exec(
        select(Stakeholder, User)
        .outerjoin(User, col(User.id) == Stakeholder.owner_id)
        .where(Stakeholder.account_id == account_id)
        .where(col(Stakeholder.removed_at).is_(None))
        .order_by(col(Stakeholder.name), col(Stakeholder.id))
    ).all()
    return [(stakeholder, owner) for stakeholder, owner in rows]


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
