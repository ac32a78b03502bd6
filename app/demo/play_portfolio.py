"""Plays Brightwell's other accounts (app/demo/portfolio.py) through the services.

Only the dates a case needs in the past are set afterwards: when its plan began and when its
client rated the relationship.
"""

from __future__ import annotations

from datetime import timedelta

from app.accounts import service as accounts
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.demo import portfolio as story
from app.demo.stage import (
    Stage,
    agree,
    days_ago,
    dimensions,
    open_account,
    propose,
    rate,
    today,
)
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.models import Account, Plan, Role, User
from app.perception import service as perception
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.users import service as users


def play(stage: Stage) -> dict[str, tuple[Account, Plan]]:
    """Every case's account and current plan, by name."""
    return {case.name: _case(stage, case) for case in story.CASES}


def _case(stage: Stage, case: story.Case) -> tuple[Account, Plan]:
    session, lead = stage.session, stage[story.LEAD]
    account, plan = open_account(
        stage,
        name=case.name,
        opened_by=stage[story.OPENED_BY],
        lead_email=lead.email,
        period=story.PERIOD,
        lead=lead,
    )
    sponsor = _members(stage, account=account, case=case)
    plan.created_at = days_ago(case.started_days_ago)
    session.add(plan)
    ranked = [
        priorities.create(
            session,
            actor=sponsor,
            plan=plan,
            values=PriorityValues(title=title, owner_id=sponsor.id),
        )
        for title in case.priorities
    ]
    ids = [priority.id for priority in ranked if priority.id is not None]
    _ratings(stage, account=account, plan=plan, sponsor=sponsor, case=case)
    _initiatives(stage, plan=plan, sponsor=sponsor, case=case, ids=ids)
    for title, due_in_days in case.actions:
        actions.create(
            session,
            actor=lead,
            plan=plan,
            checked=CheckedAction(
                title=title,
                outcome="",
                owner_id=stage[story.TEAM].id,
                due_on=today() + timedelta(days=due_in_days),
                status=story.ACTION_STATUS.value,
                link=Link(priority_id=ids[0]) if ids else Link(),
            ),
        )
    if case.agreed:
        agree(stage, plan=plan, submitted_by=lead, sponsor=sponsor, lead=lead)
    session.flush()
    return account, plan


def _members(stage: Stage, *, account: Account, case: story.Case) -> User:
    """The client's sponsor (made for the case), Tom Team and perhaps Maya Mentor join."""
    session, lead = stage.session, stage[story.LEAD]
    email, name = case.sponsor
    sponsor = users.create(session, email=email, display_name=name, password=story.SPONSOR_PASSWORD)
    joining = [(sponsor, Role.SPONSOR), (stage[story.TEAM], Role.TEAM)]
    if case.mentor:
        joining.append((stage[story.MENTOR], Role.MENTOR))
    for user, role in joining:
        accounts.add_member(session, actor=lead, account=account, user=user, role=role)
    return sponsor


def _ratings(
    stage: Stage, *, account: Account, plan: Plan, sponsor: User, case: story.Case
) -> None:
    """The client's ratings over time and, now, what Brightwell believes it would rate: the
    same on every dimension."""
    names = dimensions(stage.session, account)
    for days, overall in case.ratings:
        rate(
            stage,
            sponsor=sponsor,
            account=account,
            plan=plan,
            days=days,
            overall=overall,
            scores=dict.fromkeys(names, overall),
            comment="",
        )
    if case.believed is not None:
        perception.record_rating(
            stage.session,
            actor=stage[story.LEAD],
            plan=plan,
            overall=case.believed,
            scores=dict.fromkeys(names, case.believed),
            note="",
        )


def _initiatives(
    stage: Stage, *, plan: Plan, sponsor: User, case: story.Case, ids: list[int]
) -> None:
    """Lena proposes each initiative; the sponsor answers some."""
    session, lead = stage.session, stage[story.LEAD]
    for title, answers, answer in case.initiatives:
        made = initiatives.create(
            session,
            actor=lead,
            plan=plan,
            values=InitiativeValues(
                title=title,
                owner_id=lead.id,
                priority_ids=[ids[answers]] if answers is not None else [],
            ),
        )
        propose(
            stage,
            initiative=made,
            by=lead,
            answer=(sponsor, answer, story.ANSWER_REASON) if answer is not None else None,
        )
