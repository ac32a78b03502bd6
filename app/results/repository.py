"""Queries of an account's goals, actuals and bid record. Every one reads by account (or, for
the portfolio, by a list of accounts at once), so a page asks the same number of queries for
one account or two hundred, one quarter or forty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.models import AccountActual, AccountGoal, Opportunity, OpportunityStatus
from app.results.schemas import CLOSED


def lock_results(session: Session, *, account_id: int) -> None:
    """Serialise the writes of the account's goals and actuals (``FOR NO KEY UPDATE`` on the
    account row, PostgreSQL; SQLite's writers queue anyway): of two first saves of one year
    or quarter, the second finds the first one's row and is refused as stale."""
    accounts_repo.lock_account(session, account_id=account_id)


def goal(session: Session, *, account_id: int, year: int) -> AccountGoal | None:
    """The account's goals for ``year``, read past the identity map (after the lock)."""
    return session.exec(
        select(AccountGoal)
        .where(AccountGoal.account_id == account_id)
        .where(AccountGoal.year == year)
        .execution_options(populate_existing=True)
    ).first()


def actual(session: Session, *, account_id: int, year: int, quarter: int) -> AccountActual | None:
    """One quarter's actuals, read past the identity map (after the lock)."""
    return session.exec(
        select(AccountActual)
        .where(AccountActual.account_id == account_id)
        .where(AccountActual.year == year)
        .where(AccountActual.quarter == quarter)
        .execution_options(populate_existing=True)
    ).first()


def goals(session: Session, *, account_ids: Sequence[int], year: int) -> dict[int, AccountGoal]:
    """Account id -> its goals for ``year``: one query."""
    if not account_ids:
        return {}
    rows = session.exec(
        select(AccountGoal)
        .where(col(AccountGoal.account_id).in_(account_ids))
        .where(AccountGoal.year == year)
    ).all()
    return {row.account_id: row for row in rows}


def actuals(
    session: Session, *, account_ids: Sequence[int], year: int
) -> dict[int, list[AccountActual]]:
    """Account id -> its actuals of ``year``, by quarter: one query."""
    found: dict[int, list[AccountActual]] = {}
    if not account_ids:
        return found
    rows = session.exec(
        select(AccountActual)
        .where(col(AccountActual.account_id).in_(account_ids))
        .where(AccountActual.year == year)
        .order_by(col(AccountActual.account_id), col(AccountActual.quarter))
    ).all()
    for row in rows:
        found.setdefault(row.account_id, []).append(row)
    return found


@dataclass(frozen=True)
class Together:
    """Several accounts' goals of a year, actuals of that year and closed bids."""

    goals: dict[int, AccountGoal] = field(default_factory=dict)
    actuals: dict[int, list[AccountActual]] = field(default_factory=dict)
    bids: dict[int, dict[tuple[str, str], int]] = field(default_factory=dict)


def _columns(kind: str, model: Any, quarter: Any) -> tuple[Any, ...]:
    return (
        sa.literal(kind).label("kind"),
        col(model.account_id).label("account_id"),
        sa.cast(quarter, sa.Integer).label("quarter"),
        sa.cast(col(model.revenue), sa.BigInteger).label("revenue"),
        sa.cast(col(model.margin), sa.BigInteger).label("margin"),
        sa.cast(col(model.share_of_wallet), sa.Integer).label("share"),
        sa.cast(sa.literal(""), sa.String).label("status"),
        sa.cast(sa.literal(""), sa.String).label("reason"),
    )


def together(session: Session, *, account_ids: Sequence[int], year: int) -> Together:
    """``goals``, ``actuals`` and ``bid_counts`` of the accounts in ONE query (a UNION ALL of
    the three), for the portfolio, whose page keeps within its budget of queries. The goals and
    actuals come back as rows of their own, not attached to the session."""
    if not account_ids:
        return Together()
    ids = list(account_ids)
    goals = sa.select(*_columns("goal", AccountGoal, sa.literal(0))).where(
        col(AccountGoal.account_id).in_(ids), col(AccountGoal.year) == year
    )
    actuals = sa.select(*_columns("actual", AccountActual, col(AccountActual.quarter))).where(
        col(AccountActual.account_id).in_(ids), col(AccountActual.year) == year
    )
    bids = (
        sa.select(
            sa.literal("bid"),
            col(Opportunity.account_id),
            sa.cast(sa.literal(0), sa.Integer),
            sa.cast(sa.func.count(col(Opportunity.id)), sa.BigInteger),
            sa.cast(sa.literal(0), sa.BigInteger),
            sa.cast(sa.literal(0), sa.Integer),
            sa.cast(col(Opportunity.status), sa.String),
            sa.cast(col(Opportunity.bid_reason), sa.String),
        )
        .where(col(Opportunity.account_id).in_(ids))
        .where(col(Opportunity.removed_at).is_(None))
        .where(col(Opportunity.status).in_(sorted(CLOSED)))
        .group_by(col(Opportunity.account_id), col(Opportunity.status), col(Opportunity.bid_reason))
    )
    union = sa.union_all(goals, actuals, bids).subquery()
    order = (union.c.kind, union.c.account_id, union.c.quarter)
    return _read(session.execute(sa.select(union).order_by(*order)).all(), year)


def _read(rows: Sequence[Any], year: int) -> Together:
    found = Together()
    for kind, account_id, quarter, revenue, margin, share, status, reason in rows:
        figures = {"revenue": revenue, "margin": margin, "share_of_wallet": share}
        if kind == "goal":
            found.goals[account_id] = AccountGoal(account_id=account_id, year=year, **figures)
        elif kind == "actual":
            found.actuals.setdefault(account_id, []).append(
                AccountActual(account_id=account_id, year=year, quarter=quarter, **figures)
            )
        else:  # a bid: its count in the revenue column
            found.bids.setdefault(account_id, {})[(status, reason)] = revenue
    return found


def closed_bids(session: Session, *, account_id: int) -> Sequence[Opportunity]:
    """The account's live closed opportunities, the latest closed first: one query."""
    return session.exec(
        select(Opportunity)
        .where(Opportunity.account_id == account_id)
        .where(col(Opportunity.removed_at).is_(None))
        .where(col(Opportunity.status) != OpportunityStatus.OPEN.value)
        .order_by(
            col(Opportunity.closed_on).desc().nulls_last(),
            col(Opportunity.updated_at).desc(),
            col(Opportunity.id).desc(),
        )
    ).all()
