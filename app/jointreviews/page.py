"""What the joint review pages show, in a fixed number of queries: the plan's reviews (with
when the next one is due and the form that schedules one), and one review with its agenda and
minutes. Shared pages: only the vendor side is shown the link to the internal record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.actions.schemas import ActionForm
from app.jointreviews import repository
from app.jointreviews.minutes import minutes_of
from app.jointreviews.schemas import DecisionForm, MoveForm, ScheduleForm, day, when
from app.jointreviews.service import NotOpen
from app.kit.clock import local_today, now, zone_named, zone_names, zone_of
from app.kit.dates import next_review_on
from app.kit.pages import Page
from app.kit.versioned import StaleEdit
from app.models import Account, JointReview, JointReviewStatus, Membership, Plan, Side
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.priorities import repository as priorities_repo
from app.value.schemas import SCORES, RatingForm
from app.web.errors import NotFoundError
from app.web.forms import FormErrors

LIST_TEMPLATE = "jointreviews/list.html"
SHOW_TEMPLATE = "jointreviews/show.html"


def list_url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/joint-reviews"


def review_url(review: JointReview) -> str:
    return f"/accounts/{review.account_id}/joint-reviews/{review.id}"


def plan_of(db: Session, review: JointReview) -> Plan:
    plan = repository.plan_of(db, account_id=review.account_id, plan_id=review.plan_id)
    if plan is None:
        raise NotFoundError()
    return plan


def next_due(
    plan: Plan, reviews: Sequence[JointReview], account: Account
) -> tuple[date, date | None]:
    """When the next review is due (a cadence after the last one held, or after the plan
    began, a day where the account's workspace is) and when the last one was held."""
    held = [r.held_on for r in reviews if r.held_on is not None]
    last = max(held) if held else None
    zone = zone_named(account.workspace.time_zone)
    return next_review_on(plan, last_held_on=last, zone=zone), last


def schedule_form(
    actor: Actor, access: AccountAccess, members: Sequence[Membership]
) -> ScheduleForm:
    """A blank schedule form: the lead's time zone, everyone on the account invited."""
    zone = zone_of(actor.user, access.account.workspace)
    return ScheduleForm(time_zone=str(zone.key), attendees=tuple(str(m.user_id) for m in members))


def list_context(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    reviews = repository.for_plan(db, plan_id=plan.id)
    members = accounts_repo.list_members(db, account_id=access.account_id)
    due_on, last_held = next_due(plan, reviews, access.account)
    today = local_today(zone_of(actor.user, access.account.workspace))
    return {
        "access": access,
        "account": access.account,
        "plan": plan,
        "upcoming": [r for r in reviews if r.status == JointReviewStatus.SCHEDULED][::-1],
        "closed": [r for r in reviews if r.status == JointReviewStatus.CLOSED],
        "cancelled": [r for r in reviews if r.status == JointReviewStatus.CANCELLED],
        "due_on": due_on,
        "overdue": due_on < today,
        "last_held": last_held,
        "members": members,
        "can_schedule": may(actor, access, Verb.REVIEW_SCHEDULE),
        "schedule_form": schedule_form(actor, access, members),
        "schedule_errors": FormErrors(),
        "zones": zone_names(),
        "day": day,
        "when": when,
        "notice": "",
    }


def list_page(
    request: Request, db: Session, actor: Actor, access: AccountAccess, plan: Plan
) -> Page:
    return Page(
        request, LIST_TEMPLATE, lambda: list_context(db, actor, access, plan), url=list_url(access)
    )


def show_context(
    db: Session, actor: Actor, access: AccountAccess, review: JointReview
) -> dict[str, Any]:
    assert review.id is not None
    # A review of a closed period is read-only like the rest of it (``service.require_open``).
    is_open = review.status == JointReviewStatus.SCHEDULED and repository.in_current_period(
        db, review=review
    )
    members = accounts_repo.list_members(db, account_id=access.account_id)
    minutes = minutes_of(db, review=review)
    can = {
        "run": is_open and may(actor, access, Verb.REVIEW_SCHEDULE),
        "minutes": is_open and may(actor, access, Verb.REVIEW_MINUTES),
        "actions": is_open and may(actor, access, Verb.ACTIONS_WRITE),
        "rate": is_open and may(actor, access, Verb.VALUE_RATE),
        "rank": is_open and may(actor, access, Verb.PRIORITIES_WRITE),
        "record": access.is_vendor and may(actor, access, Verb.REVIEW_WRITE),
    }
    return {
        "access": access,
        "account": access.account,
        "review": review,
        "is_open": is_open,
        "has_met": review.starts_at <= now(),
        "minutes": minutes,
        "members": members,
        "client_people": [m for m in members if m.role_enum.side is Side.CLIENT],
        "can": can,
        "priorities": priorities_repo.active(db, plan_id=review.plan_id) if can["rank"] else [],
        # The internal record is the vendor's: its link is never looked up for the client side.
        "internal_id": repository.internal_record_id(db, joint_review_id=review.id)
        if access.is_vendor
        else None,
        "dimensions": list(access.account.workspace.value_dimensions),
        "scores": SCORES,
        "when": when,
        "day": day,
        "zones": zone_names(),
        "notice": "",
    } | blank_forms(review)


def blank_forms(review: JointReview) -> dict[str, Any]:
    """The page's forms as nobody has typed in them yet (a refusal passes what was typed)."""
    return {
        "move_form": MoveForm.of(review),
        "move_errors": FormErrors(),
        "decision_form": DecisionForm(),
        "decision_errors": FormErrors(),
        "edit_forms": {},
        "edit_errors": {},
        "edit_stale": {},
        "action_form": ActionForm(),
        "action_errors": FormErrors(),
        "rating_form": RatingForm(),
        "rating_errors": FormErrors(),
        "rank_error": "",
        "alert": "",
        "stale": "",
    }


def refused(
    shown: Page, error: NotOpen | StaleEdit, part: str | None = None, **typed: Any
) -> Response:
    """409: the review may no longer change (``alert``: why) or someone saved a newer version
    of it (``stale``: who); ``typed`` keeps what the person typed in its form."""
    said = {"alert": error.message} if isinstance(error, NotOpen) else {"stale": error.who}
    return shown.refused(409, part, **said, **typed)


def show_page(
    request: Request, db: Session, actor: Actor, access: AccountAccess, review: JointReview
) -> Page:
    return Page(
        request,
        SHOW_TEMPLATE,
        lambda: show_context(db, actor, access, review),
        url=review_url(review),
    )
