"""Queries of the account profile (every one filtered by account)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.db import for_write
from app.models import ProfileKind, ProfileSection, User, Validation

VALIDATED = (Validation.CONFIRMED.value, Validation.CORRECTED.value)


@dataclass(frozen=True)
class SectionRow:
    """A saved section with the people named on it (any of them may be None)."""

    section: ProfileSection
    editor: User | None  # who last changed the text
    sender: User | None  # who sent it to the client
    answerer: User | None  # who answered for the client


# The sections in the profile's order (one row per kind and account; ids are random).
_KIND_ORDER = sa.case(
    {kind.value: n for n, kind in enumerate(ProfileKind)}, value=col(ProfileSection.kind)
)


def _rows(session: Session, *conditions: sa.ColumnElement[bool]) -> list[SectionRow]:
    """The sections meeting ``conditions``, each with its people: one query."""
    editor, sender, answerer = aliased(User), aliased(User), aliased(User)
    statement = (
        select(ProfileSection, editor, sender, answerer)
        .outerjoin(editor, col(editor.id) == ProfileSection.updated_by_id)
        .outerjoin(sender, col(sender.id) == ProfileSection.shared_by_id)
        .outerjoin(answerer, col(answerer.id) == ProfileSection.answered_by_id)
        .where(*conditions)
        .order_by(_KIND_ORDER, col(ProfileSection.id))
    )
    return [SectionRow(*row) for row in session.exec(statement).all()]


def sections(session: Session, *, account_id: int) -> list[SectionRow]:
    """Every saved section of the account, with its people: one query."""
    return _rows(session, col(ProfileSection.account_id) == account_id)


def sent_sections(session: Session, *, account_id: int) -> list[SectionRow]:
    """The sections sent to the client (pending or answered), with their people: one query.
    Callers show only their shared fields."""
    return _rows(
        session,
        col(ProfileSection.account_id) == account_id,
        col(ProfileSection.validation) != Validation.NONE.value,
    )


def get_for_write(session: Session, *, account_id: int, kind: str) -> ProfileSection | None:
    """The account's section of ``kind`` (locked when the request writes), or None if never
    saved."""
    statement = (
        select(ProfileSection)
        .where(ProfileSection.account_id == account_id)
        .where(ProfileSection.kind == kind)
    )
    return session.exec(for_write(session, statement)).first()


def validated_counts(session: Session, account_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per account: (sections the client has validated, i.e. confirmed or corrected; sections
    sent to the client, answered or not). Every asked account is in the answer, (0, 0) when
    nothing was sent. One query, for the focus metric "validation" (DESIGN.md §3.9)."""
    wanted = sorted(set(account_ids))
    counts = dict.fromkeys(wanted, (0, 0))
    if not wanted:
        return counts
    validated = sa.func.sum(sa.case((col(ProfileSection.validation).in_(VALIDATED), 1), else_=0))
    rows = session.exec(
        select(ProfileSection.account_id, validated, sa.func.count(col(ProfileSection.id)))
        .where(col(ProfileSection.account_id).in_(wanted))
        .where(ProfileSection.validation != Validation.NONE.value)
        .group_by(col(ProfileSection.account_id))
    ).all()
    for account_id, done, sent in rows:
        counts[account_id] = (int(done or 0), int(sent or 0))
    return counts
