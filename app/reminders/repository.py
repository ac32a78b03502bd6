"""Every query of the reminder jobs: each loads what it needs for all of the run's people at
once, so a run costs the same few queries however many people and plans there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.models import (
    Account,
    Action,
    ActionStatus,
    AuditEvent,
    Delivery,
    JobRun,
    Membership,
    Notice,
    Plan,
    Role,
    User,
    Workspace,
)
from app.reviews import repository as reviews_repo

OPEN = [s.value for s in ActionStatus if s.is_open]


def claim(session: Session, *, job: str, slot: str) -> bool:
    """Claim one run of ``job`` for ``slot``: True for the one transaction that inserts its row
    (any other, on any instance, meets the unique constraint: on PostgreSQL it waits until the
    first commits, and runs the job only if that one rolled back)."""
    try:
        with session.begin_nested():
            session.add(JobRun(job=job, slot=slot))
            session.flush()
    except IntegrityError:
        return False
    return True


def claim_all(session: Session, *, job_slots: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Claim several runs at once (one statement); if one was taken meanwhile (two runs of
    different slots overlapping), claim them one by one. Returns the ones claimed."""
    if not job_slots:
        return []
    try:
        with session.begin_nested():
            session.add_all([JobRun(job=job, slot=slot) for job, slot in job_slots])
            session.flush()
    except IntegrityError:
        return [js for js in job_slots if claim(session, job=js[0], slot=js[1])]
    return list(job_slots)


@dataclass(frozen=True)
class Person:
    user: User
    zone_name: str  # the workspace's zone, for a person without their own


def people(session: Session) -> list[Person]:
    """Every enabled person with an active membership, with the workspace whose zone is theirs
    when they chose none (their own workspace; a client, their first account's): one query."""
    rows = session.exec(
        select(User, Workspace.id, Workspace.time_zone)
        .join(Membership, col(Membership.user_id) == User.id)
        .join(Account, col(Account.id) == Membership.account_id)
        .join(Workspace, col(Workspace.id) == Account.workspace_id)
        .where(col(Membership.removed_at).is_(None))
        .where(col(User.is_disabled).is_(False))
        .order_by(col(User.id), col(Account.created_at), col(Account.id))
    ).all()
    found: dict[int, Person] = {}
    own: set[int] = set()
    for user, workspace_id, zone in rows:
        assert user.id is not None
        if user.id in own:
            continue
        if workspace_id == user.workspace_id:
            own.add(user.id)
            found[user.id] = Person(user, zone)
        else:
            found.setdefault(user.id, Person(user, zone))
    return list(found.values())


def claimed(session: Session, *, jobs: Sequence[str], slots: Sequence[str]) -> set[tuple[str, str]]:
    """Which (job, slot) pairs among these are claimed already: one query."""
    if not jobs:
        return set()
    rows = session.exec(
        select(JobRun.job, JobRun.slot)
        .where(col(JobRun.job).in_(sorted(set(jobs))))
        .where(col(JobRun.slot).in_(sorted(set(slots))))
    ).all()
    return {(job, slot) for job, slot in rows}


@dataclass(frozen=True)
class OwnedAction:
    action: Action
    account_name: str


def open_actions(session: Session, *, owner_ids: Sequence[int], due_by: date) -> list[OwnedAction]:
    """Open actions with a due date up to ``due_by``, of the current plans, owned by the people
    while they are members of the action's account: one query."""
    if not owner_ids:
        return []
    rows = session.exec(
        select(Action, Account.name)
        .join(Account, col(Account.id) == Action.account_id)
        .join(Plan, sa.and_(col(Plan.id) == Action.plan_id, col(Plan.is_current)))
        .join(
            Membership,
            sa.and_(
                col(Membership.account_id) == Action.account_id,
                col(Membership.user_id) == Action.owner_id,
                col(Membership.removed_at).is_(None),
            ),
        )
        .where(col(Action.owner_id).in_(sorted(set(owner_ids))))
        .where(col(Action.removed_at).is_(None))
        .where(col(Action.status).in_(OPEN))
        .where(col(Action.due_on).is_not(None))
        .where(col(Action.due_on) <= due_by)
        .order_by(col(Action.due_on), col(Action.created_at), col(Action.id))
    ).all()
    return [OwnedAction(action, name) for action, name in rows]


@dataclass(frozen=True)
class LedPlan:
    user_id: int
    role: Role
    plan: Plan
    account_name: str
    last_held_on: date | None
    last_change: datetime | None


def led_plans(session: Session, *, user_ids: Sequence[int]) -> list[LedPlan]:
    """The current plans the people lead or mentor, with their last review and the time of
    the account's last recorded change: one query."""
    if not user_ids:
        return []
    held = reviews_repo.held_dates()  # internal records and closed joint reviews alike
    last_held = (
        select(sa.func.max(held.c.held_on))
        .where(held.c.plan_id == Plan.id)
        .correlate(Plan)
        .scalar_subquery()
    )
    last_change = (
        select(sa.func.max(AuditEvent.occurred_at))
        .where(col(AuditEvent.account_id) == Plan.account_id)
        .correlate(Plan)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            col(Membership.user_id),
            col(Membership.role),
            Plan,
            col(Account.name),
            last_held,
            last_change,
        )
        .select_from(Membership)
        .join(Plan, sa.and_(col(Plan.account_id) == Membership.account_id, col(Plan.is_current)))
        .join(Account, col(Account.id) == Plan.account_id)
        .where(col(Membership.user_id).in_(sorted(set(user_ids))))
        .where(col(Membership.removed_at).is_(None))
        .where(col(Membership.role).in_([Role.LEAD.value, Role.MENTOR.value]))
        .order_by(col(Account.name), col(Plan.id))
    ).all()
    return [
        LedPlan(int(uid), Role(role), plan, name, held, _aware(changed))
        for uid, role, plan, name, held, changed in rows
    ]


def _aware(value: object) -> datetime | None:
    """SQLite's max() of a time column comes back as text or naive: make it aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def given_keys(
    session: Session, *, user_ids: Sequence[int], keys: Sequence[str]
) -> set[tuple[int, str]]:
    if not user_ids or not keys:
        return set()
    rows = session.exec(
        select(Notice.user_id, Notice.key)
        .where(col(Notice.user_id).in_(sorted(set(user_ids))))
        .where(col(Notice.key).in_(sorted(set(keys))))
    ).all()
    return {(int(uid), key) for uid, key in rows}


def waiting_for_digest(
    session: Session, *, user_ids: Sequence[int], deliveries: Sequence[Delivery]
) -> list[Notice]:
    """The notices waiting for the people's digests, oldest first: one query."""
    if not user_ids or not deliveries:
        return []
    return list(
        session.exec(
            select(Notice)
            .where(col(Notice.user_id).in_(sorted(set(user_ids))))
            .where(col(Notice.delivery).in_([d.value for d in deliveries]))
            .where(col(Notice.digested_at).is_(None))
            .order_by(col(Notice.created_at), col(Notice.id))
        ).all()
    )


def active_accounts(session: Session, *, user_ids: Sequence[int]) -> dict[int, set[int]]:
    """Person -> the accounts they are an active member of: one query."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(Membership.user_id, Membership.account_id)
        .where(col(Membership.user_id).in_(sorted(set(user_ids))))
        .where(col(Membership.removed_at).is_(None))
    ).all()
    found: dict[int, set[int]] = {}
    for uid, account_id in rows:
        found.setdefault(int(uid), set()).add(int(account_id))
    return found
