"""Submitting the plan for agreement, approving it, withdrawing a submission.

The lead submits: the plan's content hash at that moment is what the approvals are for. The
client sponsor and the lead each approve their own slot; an approval is refused when the plan
is not submitted or when its content changed since the submission. When both slots are
filled, the content is frozen as ``PlanVersion`` number ``agreed_version + 1``.

Every transition locks the plan row first and re-reads it, so two approvals arriving together
are serialised: exactly one of them sees both slots filled and freezes exactly one version.
Events are shared (the agreement is between both sides); services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from app.agreement import repository, snapshot
from app.attachments import repository as files_repo
from app.kit import versioned
from app.models import Plan, PlanStatus, PlanVersion, Role, User, utcnow
from app.notifications.service import notify

TRAIL = versioned.Trail("plan")


class Refused(Exception):
    """The plan is not in a state that allows this (the message says why): nothing changed."""


class PlanGone(LookupError):
    """The plan is no longer the account's current plan to change."""


class Slot(StrEnum):
    """Whose approval: the client sponsor's or the account lead's."""

    SPONSOR = "sponsor"
    LEAD = "lead"

    @property
    def label(self) -> str:
        return "client sponsor" if self is Slot.SPONSOR else "account lead"


def slot_for(role: Role | None) -> Slot | None:
    """The approval slot of a role (the guard lets only the sponsor and the lead approve)."""
    return {Role.SPONSOR: Slot.SPONSOR, Role.LEAD: Slot.LEAD}.get(role) if role else None


def waiting_for(plan: Plan) -> list[Slot]:
    """The slots still empty on a submitted plan."""
    if plan.status != PlanStatus.SUBMITTED:
        return []
    slots = []
    if plan.sponsor_approved_by_id is None:
        slots.append(Slot.SPONSOR)
    if plan.lead_approved_by_id is None:
        slots.append(Slot.LEAD)
    return slots


@dataclass(frozen=True)
class Approval:
    """What an approval did: ``recorded`` False when this slot was already approved;
    ``version`` is the frozen version when this approval completed the agreement."""

    slot: Slot
    recorded: bool
    version: PlanVersion | None = None


def _link(plan: Plan, anchor: str = "agreement") -> str:
    return f"/accounts/{plan.account_id}/plan#{anchor}"


def lock(session: Session, plan: Plan) -> Plan:
    """The plan, locked until commit: what is read next (the team's open concerns, before a
    submission) cannot change under a change that follows (the answers lock the plan too)."""
    return _locked(session, plan)


def _locked(session: Session, plan: Plan) -> Plan:
    assert plan.id is not None
    locked = repository.lock_plan(session, account_id=plan.account_id, plan_id=plan.id)
    if locked is None:
        raise PlanGone()
    return locked


def _clear_approvals(plan: Plan) -> None:
    plan.sponsor_approved_by_id = plan.sponsor_approved_at = None
    plan.lead_approved_by_id = plan.lead_approved_at = None


def submit(session: Session, *, actor: User, plan: Plan) -> Plan:
    """The lead asks for agreement on the plan as it stands now (approvals start again)."""
    plan = _locked(session, plan)
    assert plan.id is not None
    current = snapshot.build(session, plan=plan)
    digest = snapshot.content_hash(current)
    if plan.agreed_version:
        last = repository.last_version(session, account_id=plan.account_id, plan_id=plan.id)
        if last is not None and last.content_hash == digest:
            raise Refused(
                f"Nothing changed since version {last.number} was agreed: "
                "there is nothing new to agree."
            )
    old_status = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = utcnow()
    plan.submitted_by_id = actor.id
    plan.submitted_hash = digest
    _clear_approvals(plan)
    TRAIL.change(
        session,
        actor,
        plan,
        "plan.submitted",
        {"status": [old_status, plan.status], "content_hash": [None, digest]},
    )
    notify(
        session,
        account_id=plan.account_id,
        roles=[Role.SPONSOR, Role.LEAD],
        kind="agreement.requested",
        message=f"{actor.display_name} asks you to agree the plan {plan.period}.",
        link=_link(plan),
        actor=actor,
    )
    return plan


def approve(session: Session, *, actor: User, plan: Plan, slot: Slot) -> Approval:
    """Approve the submitted plan in ``slot``. Raises ``Refused`` when the plan is
    not submitted or changed since the submission; approving a filled slot again does nothing."""
    plan = _locked(session, plan)
    assert plan.id is not None
    if plan.status != PlanStatus.SUBMITTED:
        raise Refused("The plan is not waiting for agreement: the account lead submits it first.")
    # The files' rows stay locked until commit: none is deleted under a version freezing it.
    current = snapshot.build(session, plan=plan, lock_files=True)
    digest = snapshot.content_hash(current)
    if digest != plan.submitted_hash:
        names = repository.user_names(session, user_ids=[plan.submitted_by_id])
        lead = names.get(plan.submitted_by_id or 0, "the account lead")
        raise Refused(f"The plan changed after it was submitted; {lead} needs to submit it again.")
    filled = plan.sponsor_approved_by_id if slot is Slot.SPONSOR else plan.lead_approved_by_id
    if filled is not None:
        return Approval(slot, recorded=False)
    now = utcnow()
    if slot is Slot.SPONSOR:
        plan.sponsor_approved_by_id, plan.sponsor_approved_at = actor.id, now
    else:
        plan.lead_approved_by_id, plan.lead_approved_at = actor.id, now
    TRAIL.change(session, actor, plan, "plan.approved", {"slot": [None, slot.value]})
    if waiting_for(plan):
        notify(
            session,
            account_id=plan.account_id,
            recipient_ids=[plan.submitted_by_id],
            roles=[Role.SPONSOR, Role.LEAD],
            kind="agreement.approved",
            message=f"{actor.display_name} approved the plan {plan.period} as {slot.label}.",
            link=_link(plan),
            actor=actor,
        )
        return Approval(slot, recorded=True)
    version = _freeze(session, actor=actor, plan=plan, content=current, digest=digest)
    notify(
        session,
        account_id=plan.account_id,
        roles=tuple(Role),  # every member
        kind="plan.agreed",
        message=f"The plan {plan.period} is agreed as version {version.number}.",
        link=_link(plan),
        actor=actor,
    )
    return Approval(slot, recorded=True, version=version)


def _freeze(
    session: Session, *, actor: User, plan: Plan, content: snapshot.Snapshot, digest: str
) -> PlanVersion:
    assert plan.id is not None
    old = plan.agreed_version
    version = PlanVersion(
        account_id=plan.account_id,
        plan_id=plan.id,
        number=old + 1,
        snapshot=content,
        content_hash=digest,
        agreed_at=utcnow(),
        submitted_by_id=plan.submitted_by_id,
        sponsor_approved_by_id=plan.sponsor_approved_by_id,
        lead_approved_by_id=plan.lead_approved_by_id,
    )
    session.add(version)
    # The version refers to its files' bytes: deleting a file later keeps them.
    files = snapshot.files_of(content)
    files_repo.reference_all(session, blobs=[(file["sha256"], file["size"]) for file in files])
    plan.agreed_version = version.number
    plan.status = PlanStatus.AGREED
    session.add(plan)
    session.flush()
    TRAIL.event(
        session,
        actor,
        plan,
        "plan.agreed",
        {"version": [old, version.number], "status": [PlanStatus.SUBMITTED, plan.status]},
    )
    return version


def withdraw(session: Session, *, actor: User, plan: Plan) -> Plan:
    """The lead takes the submission back; the plan is a draft again (earlier versions stay)."""
    plan = _locked(session, plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise Refused("The plan is not submitted for agreement, so there is nothing to withdraw.")
    plan.status = PlanStatus.DRAFT
    plan.submitted_at = plan.submitted_by_id = None
    plan.submitted_hash = ""
    _clear_approvals(plan)
    TRAIL.change(
        session, actor, plan, "plan.withdrawn", {"status": [PlanStatus.SUBMITTED, plan.status]}
    )
    return plan
