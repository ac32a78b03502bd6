"""Plays Harbor Logistics' previous period (story/previous.toml) on the account's first plan,
agrees it, then starts the current period, carrying over only what the story says goes on."""

from __future__ import annotations

from app.demo import play_plan
from app.demo.entries import Previous
from app.demo.stage import Stage
from app.models import Account, Plan
from app.periods import repository as periods_repo
from app.periods import service as periods
from app.periods.schemas import NextPeriod


def play(stage: Stage, *, account: Account, plan: Plan, previous: Previous) -> Plan:
    """Play the previous period on ``plan``, start the next and return the new current plan."""
    assert plan.id is not None
    plan.period = previous.period
    plan.starts_on, plan.ends_on = previous.starts_on, previous.ends_on
    stage.session.add(plan)
    made = play_plan.play(
        stage, account=account, plan=plan, story=previous.plan, order=previous.plan.order
    )
    goes_on = {made.actions[key].id for key in previous.next.carried_over}
    found = periods_repo.candidates(stage.session, plan_id=plan.id)
    following = previous.next
    values = NextPeriod(
        following.period,
        following.starts_on,
        following.ends_on,
        plan.id,
        frozenset(found.ids() - goes_on),
    )
    started = periods.start_next(
        stage.session, actor=stage[previous.lead], current=plan, values=values
    )
    return started.plan
