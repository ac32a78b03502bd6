"""The joint review with the client (both sides): the plan's reviews and the form that
schedules one; one review with its agenda, calendar file and shared minutes; moving,
cancelling and closing it (the lead); decisions and new actions (contributors of both sides);
the client's new rating and its priorities confirmed or re-ranked (client contributors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts import repository as accounts_repo
from app.actions import service as actions
from app.actions.schemas import ActionForm
from app.auth.deps import CurrentActor
from app.db import DbSession
from app.jointreviews import page, repository, service
from app.jointreviews.schemas import DecisionForm, MoveForm, ScheduleForm, day, when
from app.kit.clock import now
from app.kit.forms import FormOf, FormOrDefaultsOf
from app.kit.items import get_or_404
from app.kit.pages import Page
from app.models import JointReview, ReviewDecision
from app.permissions.guards import ItemAccess, PlanReader, ReviewScheduler, item_guard
from app.permissions.policy import Verb
from app.plans.page import current_plan
from app.priorities import service as priorities
from app.priorities.schemas import check_order
from app.value.schemas import RatingForm
from app.web.confirm import asks_first
from app.web.forms import FormErrors, as_int

router = APIRouter()
Text = Annotated[str, Form()]
MINUTES = "minutes"
REFUSALS = (service.NotOpen, service.StaleEdit)


ReadReview = Annotated[
    ItemAccess[JointReview], item_guard(Verb.PLAN_VIEW, JointReview, "joint_review_id")
]
RunReview = Annotated[
    ItemAccess[JointReview], item_guard(Verb.REVIEW_SCHEDULE, JointReview, "joint_review_id")
]
MinutesReview = Annotated[
    ItemAccess[JointReview], item_guard(Verb.REVIEW_MINUTES, JointReview, "joint_review_id")
]
ActionReview = Annotated[
    ItemAccess[JointReview], item_guard(Verb.ACTIONS_WRITE, JointReview, "joint_review_id")
]
RatedReview = Annotated[
    ItemAccess[JointReview], item_guard(Verb.VALUE_RATE, JointReview, "joint_review_id")
]
RankedReview = Annotated[
    ItemAccess[JointReview], item_guard(Verb.PRIORITIES_WRITE, JointReview, "joint_review_id")
]


def _by_position(ids: list[str], positions: list[str]) -> list[str]:
    """``ids`` sorted by the place typed for each (ties and blanks keep the listed order)."""
    if len(positions) != len(ids):
        return ids
    keyed = [
        (as_int(p, max_digits=4) or len(ids) + 1, i, v)
        for i, (v, p) in enumerate(zip(ids, positions, strict=True))
    ]
    return [value for _, _, value in sorted(keyed)]


def _version(value: str) -> int:
    """The version a form was based on; anything unreadable matches no version (stale)."""
    return as_int(value, max_digits=9) or 0


def _show(
    request: Request, db: DbSession, actor: CurrentActor, checked: ItemAccess[JointReview]
) -> Page:
    return page.show_page(request, db, actor, checked.access, checked.item)


# --- The plan's reviews, and scheduling one ------------------------------------------------------


@router.get("/accounts/{account_id}/joint-reviews")
def list_reviews(
    request: Request, actor: CurrentActor, access: PlanReader, db: DbSession
) -> Response:
    return page.list_page(request, db, actor, access, current_plan(db, access)).render()


@router.post("/accounts/{account_id}/joint-reviews")
def schedule_review(
    request: Request,
    actor: CurrentActor,
    access: ReviewScheduler,
    db: DbSession,
    form: Annotated[ScheduleForm, FormOf(ScheduleForm)],
) -> Response:
    plan = current_plan(db, access)
    listing = page.list_page(request, db, actor, access, plan)
    members = accounts_repo.member_ids(db, account_id=access.account_id)
    checked = form.check(now=now(), member_ids=set(members))
    if isinstance(checked, FormErrors):
        return listing.refused(422, "schedule", schedule_form=form, schedule_errors=checked)
    review = service.schedule(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        checked=checked,
        today=actor.today(),
    )
    invited = len(checked.attendee_ids)
    notice = (
        f"Scheduled the joint review of {when(review.starts_at, review.time_zone)}: "
        f"{invited} {'person is' if invited == 1 else 'people are'} invited by e-mail, "
        "with a calendar invitation."
    )
    return page.show_page(request, db, actor, access, review).leave(notice)


# --- One review ----------------------------------------------------------------------------------


@router.get("/accounts/{account_id}/joint-reviews/{joint_review_id}")
def show_review(
    request: Request, actor: CurrentActor, db: DbSession, checked: ReadReview
) -> Response:
    return _show(request, db, actor, checked).render()


@router.get("/accounts/{account_id}/joint-reviews/{joint_review_id}/invite.ics")
def download_invitation(db: DbSession, checked: ReadReview) -> Response:
    """The review's calendar entry (same UID and SEQUENCE as the e-mails), to import by hand."""
    entry = service.calendar_entry(db, account=checked.access.account, review=checked.item)
    return Response(
        entry.text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="joint-review.ics"'},
    )


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/move")
def move_review(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: RunReview,
    form: Annotated[MoveForm, FormOf(MoveForm)],
    version: Text = "",
) -> Response:
    review, shown = checked.item, _show(request, db, actor, checked)
    values = form.check(now=now())
    if isinstance(values, FormErrors):
        return shown.refused(422, move_form=form, move_errors=values)
    try:
        moved = service.move(
            db,
            actor=actor.user,
            account=checked.access.account,
            review=review,
            checked=values,
            expected_version=_version(version),
        )
    except REFUSALS as refusal:
        return page.refused(shown, refusal, move_form=form)
    if not moved:
        return shown.leave("The review already meets at that time.")
    return shown.leave(
        f"Moved the review to {when(review.starts_at, review.time_zone)}: every attendee's "
        "calendar entry is updated."
    )


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/cancel")
@asks_first("Cancel the review")
def cancel_review(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: RunReview,
    version: Text = "",
) -> Response:
    review, shown = checked.item, _show(request, db, actor, checked)
    try:
        service.cancel(
            db,
            actor=actor.user,
            account=checked.access.account,
            review=review,
            expected_version=_version(version),
        )
    except REFUSALS as refusal:
        return page.refused(shown, refusal)
    return shown.leave(
        "Cancelled the review: every attendee is told, and their calendar entry is removed."
    )


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/close")
@asks_first("Close the review", danger=False)
def close_review(
    request: Request, actor: CurrentActor, db: DbSession, checked: RunReview, version: Text = ""
) -> Response:
    review, shown = checked.item, _show(request, db, actor, checked)
    try:
        service.close(db, actor=actor.user, review=review, expected_version=_version(version))
    except REFUSALS as refusal:
        return page.refused(shown, refusal)
    plan = page.plan_of(db, review)
    due_on, _ = page.next_due(
        plan, repository.for_plan(db, plan_id=review.plan_id), checked.access.account
    )
    assert review.held_on is not None
    return shown.leave(
        f"Closed the review of {day(review.held_on)}: its minutes are frozen, and both sides "
        f"read them here. The next review is due on {day(due_on)}."
    )


# --- The shared minutes --------------------------------------------------------------------------


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/decisions")
def add_decision(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: MinutesReview,
    form: Annotated[DecisionForm, FormOf(DecisionForm)],
) -> Response:
    shown = _show(request, db, actor, checked)
    values = form.check()
    if isinstance(values, FormErrors):
        return shown.refused(422, MINUTES, decision_form=form, decision_errors=values)
    try:
        service.add_decision(db, actor=actor.user, review=checked.item, text=values.text)
    except service.NotOpen as closed:
        return page.refused(shown, closed, MINUTES, decision_form=form)
    return shown.done("Added the decision to the minutes.", MINUTES)


def _decision(db: DbSession, checked: ItemAccess[JointReview], decision_id: int) -> ReviewDecision:
    """A live decision of this review (locked when the request writes), else 404."""
    review = checked.item
    return get_or_404(
        db,
        ReviewDecision,
        account_id=review.account_id,
        item_id=decision_id,
        joint_review_id=review.id,
    )


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/decisions/{decision_id}")
def edit_decision(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: MinutesReview,
    decision_id: int,
    form: Annotated[DecisionForm, FormOf(DecisionForm)],
    version: Text = "",
) -> Response:
    """The review's row lock (its guard) is taken before the decision's: a close waits for this
    edit, or this edit finds the review closed."""
    decision, shown = _decision(db, checked, decision_id), _show(request, db, actor, checked)
    forms = {decision.id: form}
    values = form.check()
    if isinstance(values, FormErrors):
        return shown.refused(422, MINUTES, edit_forms=forms, edit_errors={decision.id: values})
    try:
        changed = service.edit_decision(
            db,
            actor=actor.user,
            review=checked.item,
            decision=decision,
            text=values.text,
            expected_version=_version(version),
        )
    except service.NotOpen as closed:
        return page.refused(shown, closed, MINUTES, edit_forms=forms)
    except service.StaleEdit as stale:
        return shown.refused(409, MINUTES, edit_forms=forms, edit_stale={decision.id: stale.who})
    return shown.done(
        "Saved the decision." if changed else "Nothing changed in the decision.", MINUTES
    )


@router.post(
    "/accounts/{account_id}/joint-reviews/{joint_review_id}/decisions/{decision_id}/remove"
)
@asks_first("Remove")
def remove_decision(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: MinutesReview,
    decision_id: int,
    version: Text = "",
) -> Response:
    decision, shown = _decision(db, checked, decision_id), _show(request, db, actor, checked)
    try:
        service.remove_decision(
            db,
            actor=actor.user,
            review=checked.item,
            decision=decision,
            expected_version=_version(version),
        )
    except service.NotOpen as closed:
        return page.refused(shown, closed, MINUTES)
    except service.StaleEdit as stale:
        alert = (
            f"{stale.who} changed this decision meanwhile, so it was not removed: read it "
            "again below and remove it if it should still go."
        )
        return shown.refused(409, MINUTES, alert=alert)
    return shown.done("Removed the decision from the minutes.", MINUTES)


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/actions")
def add_action(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: ActionReview,
    form: Annotated[ActionForm, FormOrDefaultsOf(ActionForm)],
) -> Response:
    shown = _show(request, db, actor, checked)
    members = accounts_repo.member_ids(db, account_id=checked.access.account_id)
    values = form.check(set(members))
    if isinstance(values, FormErrors):
        return shown.refused(422, MINUTES, action_form=form, action_errors=values)
    try:
        action = service.add_action(
            db,
            actor=actor.user,
            plan=page.plan_of(db, checked.item),
            review=checked.item,
            checked=values,
        )
    except service.NotOpen as closed:
        return page.refused(shown, closed, MINUTES, action_form=form)
    except actions.LinkNotAllowed:
        errors = FormErrors({"link": "Choose a priority or a shared initiative of this plan."})
        return shown.refused(422, MINUTES, action_form=form, action_errors=errors)
    return shown.done(f"Added the action “{action.title}” to the minutes and the plan.", MINUTES)


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/rating")
def rate_in_review(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: RatedReview,
    form: Annotated[RatingForm, FormOf(RatingForm)],
) -> Response:
    access, shown = checked.access, _show(request, db, actor, checked)
    values = form.check(access.account.workspace.value_dimensions)
    if isinstance(values, FormErrors):
        return shown.refused(422, MINUTES, rating_form=form, rating_errors=values)
    try:
        service.rate(
            db,
            actor=actor.user,
            account=access.account,
            plan=page.plan_of(db, checked.item),
            review=checked.item,
            values=values,
        )
    except service.NotOpen as closed:
        return page.refused(shown, closed, MINUTES, rating_form=form)
    return shown.done(
        f"Thank you: your rating of {values.overall} out of 10 is saved with this review.", MINUTES
    )


@router.post("/accounts/{account_id}/joint-reviews/{joint_review_id}/priorities")
def rank_in_review(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: RankedReview,
    ids: Annotated[list[str] | None, Form()] = None,
    position: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The client's priorities in the order it confirms (the same order) or chooses: ``ids``
    as listed, each with the ``position`` typed beside it (none: as listed)."""
    shown = _show(request, db, actor, checked)
    errors = FormErrors()
    order = check_order(_by_position(ids or [], position or []), errors)
    if errors:
        return shown.refused(422, MINUTES, rank_error=errors["ids"])
    try:
        moved = service.confirm_ranking(
            db,
            actor=actor.user,
            plan=page.plan_of(db, checked.item),
            review=checked.item,
            ids=order,
        )
    except service.NotOpen as closed:
        return page.refused(shown, closed, MINUTES)
    except priorities.OrderConflict:
        message = (
            "A priority was added or removed meanwhile: check the order below and send it again."
        )
        return shown.refused(409, MINUTES, rank_error=message)
    return shown.done(
        "Saved the new ranking of your priorities."
        if moved
        else "Confirmed your priorities as ranked.",
        MINUTES,
    )
