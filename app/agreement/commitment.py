"""The team's agreement and commitment (internal): before the lead submits the plan to the
client, they ask the account team and the mentor to commit; each asked person commits or raises
a concern with a comment, and may change their answer until the plan is submitted. A round
asked while the plan is submitted (it changed, and the lead will submit it again) stays open
until that next submission.

A new request is a new round: the earlier round's rows stay as they were (no longer current)
and every answer stays in the audit trail, so asking again after the plan changed starts
everyone from "no answer yet". The plan row is locked first (the lead's request and a
submission serialise with the answers), then the person's own row, read afresh: of two answers
at once from two tabs, the second finds a newer version and is refused (``StaleEdit``).
Every event is internal; services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.agreement import repository
from app.agreement.service import PlanGone, Refused
from app.kit import versioned
from app.models import (
    Commitment,
    CommitmentAnswer,
    Plan,
    PlanStatus,
    User,
    Visibility,
    utcnow,
)
from app.notifications.service import notify

TRAIL = versioned.Trail("commitment", visibility=Visibility.INTERNAL)
PLAN_TRAIL = versioned.Trail("plan", visibility=Visibility.INTERNAL)


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer as the form checked it: committed, or a concern with what it is."""

    answer: CommitmentAnswer
    comment: str
    version: int


def _locked_plan(session: Session, plan: Plan) -> Plan:
    assert plan.id is not None
    locked = repository.lock_plan(session, account_id=plan.account_id, plan_id=plan.id)
    if locked is None:
        raise PlanGone()
    return locked


def _link(plan: Plan) -> str:
    return f"/accounts/{plan.account_id}/plan#commitment"


def ask(session: Session, *, actor: User, plan: Plan) -> list[Commitment]:
    """The lead asks the account team and the mentor to commit to the plan as it stands: a new
    round, every earlier answer set aside (kept in the audit trail)."""
    plan = _locked_plan(session, plan)
    assert plan.id is not None
    people = repository.team_to_ask(session, account_id=plan.account_id)
    if not people:
        raise Refused("There is nobody to ask: add team members or a mentor to the account first.")
    last = repository.close_round(session, plan_id=plan.id)
    asked = [
        Commitment(
            account_id=plan.account_id,
            plan_id=plan.id,
            round=last + 1,
            member_id=person.id,
            asked_by_id=actor.id,
            submitted_at_asking=plan.submitted_at if plan.status == PlanStatus.SUBMITTED else None,
        )
        for person in people
        if person.id is not None
    ]
    session.add_all(asked)
    session.flush()
    names = [person.display_name for person in people]
    PLAN_TRAIL.event(
        session,
        actor,
        plan,
        "commitment.asked",
        {"round": [last or None, last + 1], "asked": [None, names]},
    )
    notify(
        session,
        account_id=plan.account_id,
        recipient_ids=[row.member_id for row in asked],
        kind="commitment.requested",
        message=f"{actor.display_name} asks you to commit to the plan {plan.period}.",
        link=_link(plan),
        actor=actor,
        visibility=Visibility.INTERNAL,
    )
    return asked


def answer(session: Session, *, actor: User, plan: Plan, checked: CheckedAnswer) -> Commitment:
    """The asked person commits or raises a concern (or changes their answer). Refused when
    they were not asked in the current round or the plan is already submitted; ``StaleEdit``
    when their answer changed meanwhile (another tab)."""
    plan = _locked_plan(session, plan)
    assert plan.id is not None
    assert actor.id is not None
    row = repository.lock_my_commitment(
        session, account_id=plan.account_id, plan_id=plan.id, member_id=actor.id
    )
    if row is None:
        raise Refused("The account lead has not asked you to commit to this plan.")
    if not row.is_open(plan):
        raise Refused(
            "The plan was submitted to the client since you were asked: answers are closed."
        )
    comment = checked.comment if checked.answer is CommitmentAnswer.CONCERN else ""
    values = {"answer": checked.answer.value, "comment": comment}
    changed = TRAIL.edit(session, actor, row, values, checked.version, verb="commitment.answered")
    if changed:
        row.answered_at = utcnow()
        _tell_the_lead(session, actor=actor, plan=plan, row=row)
    return row


def _tell_the_lead(session: Session, *, actor: User, plan: Plan, row: Commitment) -> None:
    what = "commits to" if row.answer == CommitmentAnswer.COMMITTED else "raises a concern about"
    notify(
        session,
        account_id=plan.account_id,
        recipient_ids=[row.asked_by_id],
        kind="commitment.answered",
        message=f"{actor.display_name} {what} the plan {plan.period}.",
        link=_link(plan),
        actor=actor,
        visibility=Visibility.INTERNAL,
    )


def open_concerns(rows: list[tuple[Commitment, str]]) -> list[tuple[Commitment, str]]:
    """The concerns of the current round (from its rows, no query)."""
    return [(row, name) for row, name in rows if row.answer == CommitmentAnswer.CONCERN]


def concerns_key(concerns: list[tuple[Commitment, str]]) -> str:
    """What the lead saw of the open concerns when they confirmed a submission: their rows and
    versions (a concern raised or changed since is shown again)."""
    return ",".join(
        f"{row.id}.{row.version}" for row, _ in sorted(concerns, key=lambda c: c[0].id or 0)
    )
