"""The agreement section of the plan page: built from the plan row alone (no query). The team's
commitment (internal) is fetched by the vendor side's page on its own (``commitment_context``,
one query), as the "changes since" line is: the plan page keeps its query budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.agreement import commitment, repository
from app.agreement.schemas import CommitmentForm
from app.agreement.service import Slot, slot_for, waiting_for
from app.models import Plan, PlanStatus
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.web.forms import FormErrors


@dataclass(frozen=True)
class AgreementState:
    status: str
    agreed_version: int
    waiting: list[Slot]
    my_slot: Slot | None  # the slot this person approves in, if any
    may_approve: bool  # may approve now: submitted, and their slot is still empty
    may_submit: bool
    agreed_on: datetime | None  # when the current agreed version was agreed (status agreed)
    sees_commitment: bool = False  # the vendor side, on the current plan

    @property
    def is_submitted(self) -> bool:
        return self.status == PlanStatus.SUBMITTED

    @property
    def is_agreed(self) -> bool:
        return self.status == PlanStatus.AGREED


def state(actor: Actor, access: AccountAccess, plan: Plan) -> AgreementState:
    waiting = waiting_for(plan)
    closed = not plan.is_current  # a closed period's agreement stays as it was
    approver = may(actor, access, Verb.PLAN_APPROVE, closed=closed)
    my_slot = slot_for(access.role) if approver else None
    approvals = [t for t in (plan.sponsor_approved_at, plan.lead_approved_at) if t is not None]
    return AgreementState(
        status=plan.status,
        agreed_version=plan.agreed_version,
        waiting=waiting,
        my_slot=my_slot,
        may_approve=my_slot is not None and my_slot in waiting,
        may_submit=may(actor, access, Verb.PLAN_SUBMIT, closed=closed),
        agreed_on=max(approvals) if plan.status == PlanStatus.AGREED and approvals else None,
        sees_commitment=not closed and may(actor, access, Verb.COMMITMENT_VIEW),
    )


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    """Plan-page loader: zero queries (the plan row is loaded; the hash is not computed here,
    the section fetches its "changes since" line separately)."""
    return {"agreement": state(actor, access, plan), "agreement_notice": ""}


def commitment_context(
    db: Session, actor: Actor, access: AccountAccess, plan: Plan
) -> dict[str, Any]:
    """The team's commitment to the current plan: who was asked in the current round, who
    committed, who raised what concern, who has not answered; the person's own row when they
    were asked. One query."""
    assert plan.id is not None
    rows = repository.commitment_round(db, account_id=access.account_id, plan_id=plan.id)
    mine = next((row for row, _ in rows if row.member_id == actor.id), None)
    return {
        "account": access.account,
        "access": access,
        "plan": plan,
        "commitments": rows,
        "concerns": commitment.open_concerns(rows),
        "waiting_on": [name for row, name in rows if not row.answer],
        "my_commitment": mine,
        "may_ask": plan.is_current and may(actor, access, Verb.COMMITMENT_ASK),
        "may_answer": mine is not None
        and mine.is_open(plan)
        and may(actor, access, Verb.COMMITMENT_ANSWER),
        "commitment_form": CommitmentForm(
            answer=mine.answer if mine else "", comment=mine.comment if mine else ""
        ),
        "commitment_errors": FormErrors(),
        "commitment_notice": "",
        "commitment_stale": None,
    }
