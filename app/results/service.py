"""Setting an account's goals for a year and recording a quarter's actuals.

Everything here is internal to the vendor: every audit event is ``Visibility.INTERNAL``, its
``changes`` the figures' diff, and nothing notifies anyone. A year's goals and a quarter's
actuals are one row each, written by whoever saves first and edited after: the form carries the
version it was based on (0: there was none), and the account row is locked before the row is
read, so of two simultaneous saves one is written and the other is refused as stale
(``StaleEdit``, naming who saved), even when neither row existed yet.
"""

from __future__ import annotations

from sqlmodel import Session

from app.kit import versioned
from app.kit.versioned import StaleEdit
from app.models import AccountActual, AccountGoal, User, Visibility
from app.results import repository
from app.results.schemas import ActualValues, GoalValues

GOAL_TRAIL = versioned.Trail("account_goal", Visibility.INTERNAL)
ACTUAL_TRAIL = versioned.Trail("account_actual", Visibility.INTERNAL)
FIGURES = ("revenue", "margin", "share_of_wallet")


def set_goals(
    session: Session, *, actor: User, account_id: int, values: GoalValues, expected_version: int
) -> AccountGoal:
    """The year's goals, new or changed. Raises ``StaleEdit`` when they were saved meanwhile
    (a newer version, or a first save while this one was a first save too): nothing is
    written. Saving the same figures again writes nothing."""
    repository.lock_results(session, account_id=account_id)
    goal = repository.goal(session, account_id=account_id, year=values.year)
    if goal is None:
        goal = AccountGoal(account_id=account_id, year=values.year, created_by_id=actor.id)
        goal.revenue, goal.margin = values.revenue, values.margin
        goal.share_of_wallet = values.share_of_wallet
        GOAL_TRAIL.created(
            session, actor, goal, {"year": values.year} | values.values(), verb="account_goal.set"
        )
        return goal
    if expected_version == 0:  # a first save, but someone else's came first
        raise StaleEdit(versioned.who_changed(session, goal, item_type=GOAL_TRAIL.item_type), goal)
    GOAL_TRAIL.edit(session, actor, goal, values.values(), expected_version)
    return goal


def record_actuals(
    session: Session,
    *,
    actor: User,
    account_id: int,
    values: ActualValues,
    expected_version: int,
) -> AccountActual:
    """A quarter's actuals, new or corrected; ``StaleEdit`` as ``set_goals``."""
    repository.lock_results(session, account_id=account_id)
    actual = repository.actual(
        session, account_id=account_id, year=values.year, quarter=values.quarter
    )
    if actual is None:
        actual = AccountActual(
            account_id=account_id,
            year=values.year,
            quarter=values.quarter,
            created_by_id=actor.id,
        )
        actual.revenue, actual.margin = values.revenue, values.margin
        actual.share_of_wallet = values.share_of_wallet
        when = {"year": values.year, "quarter": values.quarter}
        ACTUAL_TRAIL.created(
            session, actor, actual, when | values.values(), verb="account_actual.recorded"
        )
        return actual
    if expected_version == 0:
        who = versioned.who_changed(session, actual, item_type=ACTUAL_TRAIL.item_type)
        raise StaleEdit(who, actual)
    ACTUAL_TRAIL.edit(session, actor, actual, values.values(), expected_version)
    return actual
