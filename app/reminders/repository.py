"""Every query of the reminder jobs: each loads what it needs for all of the run's people at
once, so a run costs the same few queries however many people and plans there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

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
from app.users import repository as users_repo

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
    home_zone: str  # the zone of a person who chose none (``users_repo.home_zone``)


def people(session: Session) -> list[Person]:
    """Every enabled person with an active membership, with the zone they live in if they chose
    none, the one every page gives them (``users_repo.home_zone``): one query."""
    member = (
        select(Membership.id)
        .where(col(Membership.user_id) == col(User.id))
        .where(col(Membership.removed_at).is_(None))
        .exists()
    )
    rows = session.exec(
        select(User, users_repo.home_zone(User))
        .where(member)
        .where(col(User.is_disabled).is_(False))
        .order_by(col(User.id))
    ).all()
    return [Person(user, str(zone or "")) for user, zone in rows]


def _present(
    session: Session, columns: tuple[Any, Any], firsts: Sequence[Any], seconds: Sequence[Any]
) -> set[tuple[Any, Any]]:
    """Which pairs of values of the two ``columns`` are in their table, among the pairs made of
    ``firsts`` and ``seconds`` (a superset: the caller matches exact pairs): one query."""
    if not firsts or not seconds:
        return set()
    first, second = columns
    rows = session.exec(
        select(first, second)
        .where(col(first).in_(sorted(set(firsts))))
        .where(col(second).in_(sorted(set(seconds))))
    ).all()
    return {(a, b) for a, b in rows}


def claimed(session: Session, *, jobs: Sequence[str], slots: Sequence[str]) -> set[tuple[str, str]]:
    """Which (job, slot) pairs among these are claimed already: one query."""
    return _present(session, (JobRun.job, JobRun.slot), jobs, slots)


@dataclass(frozen=True)
class OwnedAction:
    action: Action
    account_name: str
    workspace_id: int


def open_actions(session: Session, *, owner_ids: Sequence[int], due_by: date) -> list[OwnedAction]:
    """Open actions with a due date up to ``due_by``, of the current plans, owned by the people
    while they are members of the action's account: one query."""
    if not owner_ids:
        return []
    rows = session.exec(
        select(Action, Account.name, Account.workspace_id)
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
    return [OwnedAction(action, name, workspace) for action, name, workspace in rows]


@dataclass(frozen=True)
class LedPlan:
    user_id: int
    role: Role
    plan: Plan
    account_name: str
    workspace_id: int
    workspace_zone: str  # the day a review is due is a day where the workspace is
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
            col(Workspace.id),
            col(Workspace.time_zone),
            last_held,
            last_change,
        )
        .select_from(Membership)
        .join(Plan, sa.and_(col(Plan.account_id) == Membership.account_id, col(Plan.is_current)))
        .join(Account, col(Account.id) == Plan.account_id)
        .join(Workspace, col(Workspace.id) == Account.workspace_id)
        .where(col(Membership.user_id).in_(sorted(set(user_ids))))
        .where(col(Membership.removed_at).is_(None))
        .where(col(Membership.role).in_([Role.LEAD.value, Role.MENTOR.value]))
        .order_by(col(Account.name), col(Plan.id))
    ).all()
    return [
        LedPlan(int(uid), Role(role), plan, name, workspace, zone, held, _aware(changed))
        for uid, role, plan, name, workspace, zone, held, changed in rows
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


def origins(session: Session, *, action_ids: Sequence[int]) -> dict[int, int]:
    """Action -> the action its chain of carried copies began with (itself when it was not
    carried over from an earlier period): one query, however long the chains."""
    if not action_ids:
        return {}
    chain = (
        select(
            col(Action.id).label("start"),
            col(Action.id).label("at"),
            col(Action.carried_from_id).label("up"),
        )
        .where(col(Action.id).in_(sorted(set(action_ids))))
        .cte("chain", recursive=True)
    )
    earlier = sa.orm.aliased(Action)
    chain = chain.union_all(
        select(chain.c.start, col(earlier.id), col(earlier.carried_from_id)).join(
            earlier, col(earlier.id) == chain.c.up
        )
    )
    rows = session.execute(sa.select(chain.c.start, chain.c.at).where(chain.c.up.is_(None)))
    return {int(start): int(root) for start, root in rows}


def given_keys(
    session: Session, *, user_ids: Sequence[int], keys: Sequence[str]
) -> set[tuple[int, str]]:
    """Which (person, key) reminders among these were given already: one query."""
    return _present(session, (Notice.user_id, Notice.key), user_ids, keys)


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
