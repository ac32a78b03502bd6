"""Harbor Logistics' previous period, FY2026, played through the services before its FY2027
story (``play_harbor``): a short plan, agreed once, then closed when the lead starts FY2027.
It stays readable from the plan's period switcher, read-only, with its agreement and version.

What FY2026 left open was restated by the client for FY2027, so the lead leaves it behind,
except one joint action that goes on (it shows in FY2027 with a link to its earlier discussion).
"""

from __future__ import annotations

from datetime import date

from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.demo.stage import Stage, agree, propose
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.models import Account, InitiativeStatus, Plan
from app.periods import repository as periods_repo
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues

PREVIOUS = "FY2026"
CURRENT = "FY2027"
GOES_ON = "Publish the monthly on-time delivery report"


def _items(stage: Stage, *, plan: Plan) -> None:
    session, sponsor, lead = stage.session, stage["sponsor"], stage["lead"]
    on_time = priorities.create(
        session,
        actor=sponsor,
        plan=plan,
        values=PriorityValues(
            "On-time delivery above 95% in every depot", importance="critical", horizon="now"
        ),
    )
    priorities.create(
        session,
        actor=sponsor,
        plan=plan,
        values=PriorityValues("One booking system for the three depots", horizon="next"),
    )
    assert on_time.id is not None
    study = initiatives.create(
        session,
        actor=lead,
        plan=plan,
        values=InitiativeValues(
            "Depot systems consolidation study",
            description="Two weeks on site to map how each depot books and dispatches.",
            priority_ids=[on_time.id],
        ),
    )
    propose(stage, initiative=study, by=lead, answer=(sponsor, InitiativeStatus.ACCEPTED, ""))
    fuel = initiatives.create(
        session, actor=lead, plan=plan, values=InitiativeValues("Fuel card integration")
    )
    reason = "Not for this year: the fuel contract is up for tender."
    propose(stage, initiative=fuel, by=lead, answer=(sponsor, InitiativeStatus.DECLINED, reason))
    for title, status, owner in (
        ("Run the depot systems workshop", "done", lead),
        (GOES_ON, "in_progress", stage["member"]),
    ):
        actions.create(
            session,
            actor=lead,
            plan=plan,
            checked=CheckedAction(
                title, "Everyone sees the same figures", owner.id, None, status, Link(on_time.id)
            ),
        )
    target = comments_repo.find_target(
        session, account_id=plan.account_id, item_type="priority", item_id=on_time.id
    )
    assert target is not None
    comments.add(
        session,
        actor=sponsor,
        target=target,
        body="Depot 2 is still at 91%: this stays our first concern.",
        team_only=False,
        people=[],
    )


def play(stage: Stage, *, account: Account, plan: Plan) -> Plan:
    """Play FY2026 on ``plan`` (the account's first plan), agree it, start FY2027 and return
    the new current plan."""
    assert plan.id is not None
    plan.period = PREVIOUS
    plan.starts_on, plan.ends_on = date(2026, 1, 1), date(2026, 12, 31)
    stage.session.add(plan)
    _items(stage, plan=plan)
    agree(
        stage, plan=plan, submitted_by=stage["lead"], sponsor=stage["sponsor"], lead=stage["lead"]
    )
    found = periods_repo.candidates(stage.session, plan_id=plan.id)
    leave = found.ids() - {a.id for a in found.actions if a.title == GOES_ON and a.id}
    values = NextPeriod(CURRENT, date(2027, 1, 1), date(2027, 12, 31), plan.id, frozenset(leave))
    result = periods.start_next(stage.session, actor=stage["lead"], current=plan, values=values)
    return result.plan
