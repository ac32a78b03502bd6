"""Saving the path's steps through the plan's own services (same validation, audit trail,
live events and notices as on the plan page), and moving the person along it."""

from __future__ import annotations

from sqlmodel import Session, select

from app.db import for_write
from app.models import Account, Membership, Plan, Priority, User
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.value import service as value
from app.welcome import progress
from app.welcome.progress import Step
from app.welcome.schemas import ValueStepValues

# How far along the path each place is: a person never moves back.
RANK: dict[str | None, int] = {
    None: 0,
    Step.PRIORITIES: 1,
    Step.VALUE: 2,
    Step.FINISHED: 3,
    Step.SKIPPED: 3,
}


def state_priorities(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    membership: Membership | None,
    values: list[PriorityValues],
) -> list[Priority]:
    """Step 1: each priority added at the bottom of the ranking, in the order given."""
    added = [priorities.create(session, actor=actor, plan=plan, values=v) for v in values]
    _reach(session, membership, Step.VALUE)
    return added


def rate(
    session: Session,
    *,
    actor: User,
    account: Account,
    plan: Plan,
    membership: Membership | None,
    values: ValueStepValues,
) -> None:
    """Step 2: a new rating and, when typed, the client's advice to the vendor. The path is
    finished."""
    rating = values.rating
    value.rate(
        session,
        actor=actor,
        account=account,
        plan=plan,
        overall=rating.overall,
        scores=rating.scores,
        comment=rating.comment,
        future_overall=rating.future_overall,
        future_scores=rating.future_scores,
    )
    if values.advice is not None:
        strategy.create(session, actor=actor, plan=plan, values=values.advice)
    _reach(session, membership, Step.FINISHED)


def skip(session: Session, *, membership: Membership | None, step: Step) -> Step:
    """ "Skip for now" on ``step``: on to the next one; skipping the last ends the path (the
    plan stops offering it)."""
    following = Step.VALUE if step is Step.PRIORITIES else Step.SKIPPED
    _reach(session, membership, following)
    return following


def _reach(session: Session, membership: Membership | None, step: Step) -> None:
    """Move a person who walks the path (or never had one) on; a path already finished or
    skipped stays so, and a later step is never taken back."""
    if membership is None:
        return
    # Locked and read again (PostgreSQL): a "Skip" and a save sent at once must not take the
    # later step back.
    statement = select(Membership).where(Membership.id == membership.id)
    locked = session.exec(
        for_write(session, statement).execution_options(populate_existing=True)
    ).one()
    if RANK.get(locked.welcome, 0) >= RANK[step]:
        return
    progress.move(session, locked, step)
