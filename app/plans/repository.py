"""Queries of plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from app.db import for_write, memo
from app.live import repository as live_repo
from app.models import (
    JointReview,
    JointReviewStatus,
    Plan,
    ProfileSection,
    Stakeholder,
    Validation,
)


class SharedPlanLockError(RuntimeError):
    """A transaction that locked a plan's row in share mode asked to lock it exclusively (or
    to change it): two such transactions would wait for each other. A verb that may change
    the plan's row must not be one of ``SHARED_PERIOD_WRITES``."""


def refuse_upgrade(session: Session, plan_id: int | None) -> None:
    """Before a plan's row is locked exclusively: raises ``SharedPlanLockError`` when this
    transaction holds it in share mode."""
    if plan_id in memo(session, "shared_plan_locks"):
        raise SharedPlanLockError(f"plan {plan_id} is locked in share mode by this transaction")


def lock_plan(session: Session, *, plan_id: int) -> None:
    """Serialise order changes within one plan: ranks and positions stay 1..n (a row lock on
    PostgreSQL; SQLite's writers queue anyway)."""
    refuse_upgrade(session, plan_id)
    session.exec(select(Plan.id).where(Plan.id == plan_id).with_for_update()).first()


def current(
    session: Session, *, account_id: int, lock: bool = False, shared: bool = False
) -> Plan | None:
    """The account's current plan. With ``lock``, a writing request locks its row until
    commit, so that a change and the start of the next period (``app.periods``) never
    interleave: a change made first is carried over with its item; a change after that finds
    the period closed. ``shared``: in share mode, for a change that stays inside an item of
    the plan (``SHARED_PERIOD_WRITES``): such changes do not wait for each other.

    The locked plan is kept for the rest of the transaction (``app.db.memo``): no other
    transaction can make another plan current while the lock is held, so the handler asking
    again after its guard gets the same plan without a query, unless this transaction started
    the next period itself (the plan is no longer current)."""
    locked: dict[int, Plan] = memo(session, "current_plan")
    known = locked.get(account_id)
    if known is not None and known.is_current:
        return known
    statement = select(Plan).where(Plan.account_id == account_id).where(col(Plan.is_current))
    if not lock:
        return session.exec(statement).first()
    plan = session.exec(for_write(session, statement, shared=shared)).first()
    if plan is None and session.info.get("writes"):
        # The next period started while this request waited for the lock (PostgreSQL skips
        # the row that stopped being current): the new current plan is visible now.
        plan = session.exec(for_write(session, statement, shared=shared)).first()
    if plan is not None and session.info.get("writes"):
        locked[account_id] = plan
        if shared:
            memo(session, "shared_plan_locks")[plan.id] = plan
    return plan


@sa.event.listens_for(OrmSession, "before_flush")
def _refuse_changes_under_share(session: OrmSession, *_args: Any) -> None:
    """Before a flush: no plan locked in share mode by this transaction is among its changes."""
    shared: dict[int, Plan] = memo(session, "shared_plan_locks")
    for plan_id, plan in shared.items():
        if plan in session.dirty or plan in session.deleted:
            raise SharedPlanLockError(f"plan {plan_id} is locked in share mode and was changed")


def of_account(session: Session, *, account_id: int, plan_id: int) -> Plan | None:
    """The plan ``plan_id`` if it is one of the account's, current or closed."""
    return session.exec(
        select(Plan).where(Plan.id == plan_id).where(Plan.account_id == account_id)
    ).first()


def _latest_first(plan: Plan) -> tuple[bool, date, datetime]:
    return plan.is_current, plan.starts_on or plan.created_at.date(), plan.created_at


def periods(session: Session, *, account_id: int) -> list[Plan]:
    """Every plan of the account, the current one first, then the closed ones, latest period
    first (by their first day, else when they were made): one query."""
    plans = session.exec(select(Plan).where(Plan.account_id == account_id)).all()
    return sorted(plans, key=_latest_first, reverse=True)


def review_columns() -> dict[str, Any]:
    """For each period row of ``periods_and_live_event``: its next scheduled joint review's
    start and the day its last closed one was held (the plan page's summary)."""
    scheduled = (
        select(func.min(JointReview.starts_at))
        .where(col(JointReview.plan_id) == Plan.id)
        .where(col(JointReview.status) == JointReviewStatus.SCHEDULED.value)
        .correlate(Plan)
        .scalar_subquery()
    )
    held = (
        select(func.max(JointReview.held_on))
        .where(col(JointReview.plan_id) == Plan.id)
        .where(col(JointReview.status) == JointReviewStatus.CLOSED.value)
        .correlate(Plan)
        .scalar_subquery()
    )
    return {"review_scheduled": scheduled, "review_held": held}


def periods_statement(extra: Mapping[str, Any], *, vendor: bool) -> Any:
    """The statement of ``periods_and_live_event`` for a reader of one side, over the bind
    parameter ``account_id``: the account's plans, where its live events stand for that side,
    and the ``extra`` columns (scalar subqueries, which may use bind parameters of their own),
    in their order. Built once by its caller, it is compiled once."""
    account_id: sa.BindParameter[int] = sa.bindparam("account_id")
    live = live_repo.latest_number(account_id, vendor=vendor)
    return select(Plan, live, *extra.values()).where(Plan.account_id == account_id)


def periods_and_live_event(
    session: Session, statement: Any, names: Sequence[str], params: Mapping[str, Any]
) -> tuple[list[Plan], int, dict[int, dict[str, Any]]]:
    """``periods``, and in the same statement where the account's live events stand for the
    reader's side (``app.live``): the plan page reads it before its sections, and its event
    stream starts from there, so a change committed after the page was read is replayed.
    ``statement``: from ``periods_statement``, whose extra columns are ``names``; ``params``:
    its bind parameters' values. The extra columns are returned by plan id."""
    rows = session.exec(statement, params=params).all()
    number = int(rows[0][1]) if rows else 0
    values = {row[0].id or 0: dict(zip(names, row[2:], strict=True)) for row in rows}
    return sorted((row[0] for row in rows), key=_latest_first, reverse=True), number, values


def confirmation_columns() -> dict[str, Any]:
    """For each period row of ``periods_and_live_event``: what the vendor sent the client to
    confirm and what it confirmed, over the account's profile sections and the live people of
    the map sent for validation (never-sent ones are internal and do not count). Columns of
    the page's first statement, so they cost no query of their own."""

    def count(model: Any, *where: Any) -> Any:
        statement = (
            select(func.count())
            .select_from(model)
            .where(col(model.account_id) == Plan.account_id)
            .where(col(model.validation) != Validation.NONE, *where)
        )
        if model is Stakeholder:
            statement = statement.where(col(Stakeholder.removed_at).is_(None))
        return statement.correlate(Plan).scalar_subquery()

    return {
        "sections_sent": count(ProfileSection),
        "sections_confirmed": count(
            ProfileSection, col(ProfileSection.validation) == Validation.CONFIRMED
        ),
        "people_sent": count(Stakeholder),
        "people_confirmed": count(Stakeholder, col(Stakeholder.validation) == Validation.CONFIRMED),
    }


def confirmations(columns: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """``{"sections": (confirmed, sent), "people": (confirmed, sent)}`` from the columns of
    ``confirmation_columns`` the page's first statement read."""
    return {
        kind: (int(columns.get(f"{kind}_confirmed") or 0), int(columns.get(f"{kind}_sent") or 0))
        for kind in ("sections", "people")
    }
