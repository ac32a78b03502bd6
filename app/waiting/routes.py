"""Answering from the home's "Waiting for you" (issue 12, point 1): each kind of waiting item
answered in place, through the same guards (permission, closed period), services (audit,
notifications, live events) and version checks as the page where it is answered otherwise.

htmx gets the panel again (counts updated) with the notice, shown as a toast; a plain form post
goes back to the home with the notice as a flash message. A refused answer (422, a stale 409)
gets the panel, or the whole home, with the message and the person's text kept. Paths mirror
the pages' own, under the account's ``/waiting``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col

from app.actions import service as actions
from app.agreement import answers, commitment
from app.agreement import repository as agreement_repo
from app.agreement import service as agreement
from app.agreement.schemas import CommitmentForm
from app.auth.deps import CurrentActor
from app.db import DbSession
from app.initiatives import service as initiatives
from app.initiatives.schemas import AnswerForm as ProposalAnswer
from app.kit.forms import FormOf
from app.kit.versioned import StaleEdit
from app.models import (
    Action,
    ActionStatus,
    CommitmentAnswer,
    Initiative,
    InitiativeStatus,
    Plan,
    Priority,
    ProfileKind,
    ProfileSection,
    Stakeholder,
    Validation,
)
from app.permissions.guards import (
    CommitmentAnswerer,
    ItemAccess,
    PlanApprover,
    ValidationAnswerer,
    item_guard,
)
from app.permissions.policy import Actor, Verb
from app.plans.page import current_plan
from app.priorities import service as priorities
from app.priorities.schemas import check_reason
from app.profile import service as profile
from app.stakeholders import service as stakeholders
from app.validation.page import answered_item
from app.validation.schemas import AnswerForm as CheckAnswer
from app.waiting.page import PANEL, home_page
from app.web.confirm import asks_first
from app.web.errors import ConflictError, ForbiddenError
from app.web.forms import FormErrors, Text, Version

router = APIRouter()
BASE = "/accounts/{account_id}/waiting"
ANCHOR = "waiting"

# The same guards as the pages' own routes (priorities, initiatives, actions): the policy's
# verb, the item of the account, a closed period refused.
AnsweredSuggestion = Annotated[
    ItemAccess[Priority],
    item_guard(
        Verb.SUGGESTIONS_ANSWER,
        Priority,
        "suggestion_id",
        col(Priority.suggested_by_id).is_not(None),
    ),
]
AnsweredProposal = Annotated[
    ItemAccess[Initiative], item_guard(Verb.INITIATIVES_ANSWER, Initiative, "initiative_id")
]
OwnAction = Annotated[ItemAccess[Action], item_guard(Verb.ACTIONS_WRITE, Action, "action_id")]
PROPOSAL_DONE = {
    InitiativeStatus.ACCEPTED: "Accepted",
    InitiativeStatus.DECLINED: "Declined",
    InitiativeStatus.PARKED: "Parked",
}
# From the home an action is started or marked done; the plan page has every status.
ACTION_STEPS = {ActionStatus.IN_PROGRESS.value, ActionStatus.DONE.value}


def _done(request: Request, db: DbSession, actor: Actor, notice: str) -> Response:
    return home_page(request, db, actor).done(notice, PANEL, anchor=ANCHOR)


def _refused(
    request: Request,
    db: DbSession,
    actor: Actor,
    status_code: int,
    key: str,
    message: str,
    typed: str = "",
) -> Response:
    """Not saved: the panel (or the home) with ``message`` at the item ``key`` and on top,
    and what the person typed kept in its form (and shown on top, should the item be gone)."""
    page = home_page(request, db, actor)
    return page.refused(
        status_code,
        PANEL,
        waiting_error={"key": key, "message": message, "typed": typed, "status": status_code},
    )


def _stale(who: str, title: str) -> str:
    return (
        f"{who} changed “{title}” meanwhile, so your answer was not saved. "
        "Read it again, then answer."
    )


@router.post(f"{BASE}/suggestions/{{suggestion_id}}/accept")
def accept_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    version: Version = 0,
) -> Response:
    suggestion = checked.item
    try:
        priorities.accept(db, actor=actor.user, suggestion=suggestion, expected_version=version)
    except StaleEdit as stale:
        key = f"suggestion-{suggestion.id}"
        return _refused(request, db, actor, 409, key, _stale(stale.who, suggestion.title))
    notice = f"Accepted “{suggestion.title}” as priority {suggestion.rank}."
    return _done(request, db, actor, notice)


@router.post(f"{BASE}/suggestions/{{suggestion_id}}/reject")
def reject_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    reason: Text = "",
    version: Version = 0,
) -> Response:
    suggestion = checked.item
    key = f"suggestion-{suggestion.id}"
    errors = FormErrors()
    reason = check_reason(reason, errors)
    if errors:
        return _refused(request, db, actor, 422, key, errors["reason"], reason)
    try:
        priorities.reject(
            db, actor=actor.user, suggestion=suggestion, reason=reason, expected_version=version
        )
    except StaleEdit as stale:
        return _refused(request, db, actor, 409, key, _stale(stale.who, suggestion.title), reason)
    notice = f"Rejected “{suggestion.title}”. The vendor sees your reason."
    return _done(request, db, actor, notice)


@router.post(f"{BASE}/initiatives/{{initiative_id}}/answer")
def answer_proposal(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredProposal,
    form: Annotated[ProposalAnswer, FormOf(ProposalAnswer)],
    version: Version = 0,
) -> Response:
    initiative = checked.item
    assert initiative.id is not None
    key, form.initiative_id = f"proposal-{initiative.id}", initiative.id
    answer = form.check()
    if isinstance(answer, FormErrors):
        message = answer.get("reason") or answer.get("decision") or "Choose an answer."
        return _refused(request, db, actor, 422, key, message, form.reason)
    try:
        initiatives.answer(
            db,
            actor=actor.user,
            initiative=initiative,
            status=answer.status,
            reason=answer.reason,
            expected_version=version,
        )
    except initiatives.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    except StaleEdit as stale:
        message = _stale(stale.who, initiative.title)
        return _refused(request, db, actor, 409, key, message, form.reason)
    said = PROPOSAL_DONE[answer.status]
    return _done(request, db, actor, f"{said} “{initiative.title}”. The team is told.")


@router.post(f"{BASE}/validation/profile/{{section_id}}")
def answer_section(
    request: Request,
    actor: CurrentActor,
    access: ValidationAnswerer,
    db: DbSession,
    section_id: int,
    form: Annotated[CheckAnswer, FormOf(CheckAnswer)],
    version: Text = "",
) -> Response:
    section = answered_item(db, actor, access, ProfileSection, section_id, kept=form.correction)
    label, key = ProfileKind(section.kind).label, f"section-{section_id}"
    answer = form.check()
    if isinstance(answer, FormErrors):
        message = answer.get("correction") or answer.get("decision") or ""
        return _refused(request, db, actor, 422, key, message, form.correction)
    try:
        profile.answer(
            db,
            actor=actor.user,
            section=section,
            decision=answer.decision,
            correction=answer.correction,
            expected_version=version.strip(),
        )
    except profile.StaleEdit as stale:
        return _refused(request, db, actor, 409, key, _stale(stale.who, label), form.correction)
    if answer.decision is Validation.CONFIRMED:
        notice = f"Thank you: you confirmed “{label}”. Your account team is told."
    else:
        notice = f"Thank you: your correction of “{label}” is sent to your account team."
    return _done(request, db, actor, notice)


@router.post(f"{BASE}/validation/stakeholders/{{stakeholder_id}}")
def answer_person(
    request: Request,
    actor: CurrentActor,
    access: ValidationAnswerer,
    db: DbSession,
    stakeholder_id: int,
    form: Annotated[CheckAnswer, FormOf(CheckAnswer)],
    version: Text = "",
) -> Response:
    person = answered_item(db, actor, access, Stakeholder, stakeholder_id, kept=form.correction)
    key = f"person-{stakeholder_id}"
    answer = form.check()
    if isinstance(answer, FormErrors):
        message = answer.get("correction") or answer.get("decision") or ""
        return _refused(request, db, actor, 422, key, message, form.correction)
    try:
        stakeholders.answer(
            db,
            actor=actor.user,
            person=person,
            confirmed=answer.decision is Validation.CONFIRMED,
            correction=answer.correction,
            expected=version,
        )
    except StaleEdit as stale:
        message = _stale(stale.who, person.sent_name)
        return _refused(request, db, actor, 409, key, message, form.correction)
    said = "confirmed" if answer.decision is Validation.CONFIRMED else "sent your correction of"
    return _done(request, db, actor, f"Thank you: you {said} {person.sent_name}.")


@router.post(f"{BASE}/plan/approve")
@asks_first("Approve", danger=False)
def approve_plan(
    request: Request,
    actor: CurrentActor,
    access: PlanApprover,
    db: DbSession,
) -> Response:
    slot = agreement.slot_for(access.role)
    if slot is None:  # the guard admits only the sponsor and the lead; never guess a slot
        raise ForbiddenError()
    with answers.refusals():
        approval = agreement.approve(db, actor=actor.user, plan=current_plan(db, access), slot=slot)
    return _done(request, db, actor, answers.approved(approval))


@router.post(f"{BASE}/plan/commitment")
def answer_commitment(
    request: Request,
    actor: CurrentActor,
    access: CommitmentAnswerer,
    db: DbSession,
    form: Annotated[CommitmentForm, FormOf(CommitmentForm)],
) -> Response:
    """Commit to the plan, or raise a concern, from the home (internal: the team and mentor)."""
    plan = current_plan(db, access)
    checked = form.check()
    if isinstance(checked, FormErrors):
        key = _commitment_key(db, actor, plan)
        message = checked.get("comment") or checked.get("answer") or checked.get("_form", "")
        return _refused(request, db, actor, 422, key, message, form.comment)
    try:
        with answers.refusals():
            row = commitment.answer(db, actor=actor.user, plan=plan, checked=checked)
    except StaleEdit:
        key = _commitment_key(db, actor, plan)
        message = "You changed your answer meanwhile, so this one was not saved. Answer again."
        return _refused(request, db, actor, 409, key, message, form.comment)
    committed = row.answer == CommitmentAnswer.COMMITTED
    notice = "You committed to the plan." if committed else "Your concern is recorded."
    return _done(request, db, actor, notice)


def _commitment_key(db: DbSession, actor: Actor, plan: Plan) -> str:
    """The waiting item an answer was given to (``templates/waiting/_answers.html``)."""
    assert plan.id is not None
    rows = agreement_repo.commitment_round(db, account_id=plan.account_id, plan_id=plan.id)
    mine = next((row.id for row, _ in rows if row.member_id == actor.id), 0)
    return f"commitment-{mine}"


@router.post(f"{BASE}/actions/{{action_id}}/status")
def change_action_status(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: OwnAction,
    status: Text = "",
    version: Version = 0,
) -> Response:
    action, key = checked.item, f"action-{checked.item.id}"
    if status not in ACTION_STEPS:
        return _refused(request, db, actor, 422, key, f"Choose a status for “{action.title}”.")
    try:
        actions.change_status(
            db,
            actor=actor.user,
            action=action,
            status=ActionStatus(status),
            expected_version=version,
        )
    except StaleEdit as stale:
        label = ActionStatus(stale.current.status).label.lower()
        message = (
            f"{stale.who} changed “{action.title}” meanwhile, so its status was not "
            f"changed. It is now “{label}”."
        )
        return _refused(request, db, actor, 409, key, message)
    notice = f"“{action.title}” is now {ActionStatus(action.status).label.lower()}."
    return _done(request, db, actor, notice)
