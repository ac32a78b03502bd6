"""The reviews page of an account (vendor only): the review cadence and when the next review is
due, recording and editing reviews, the mentor's comments and sign-off, the requests the team
sends the mentor; and the mentor's queue across accounts (``/reviews``). Client roles are
refused by the guards (403) before anything is loaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.clock import zone_named
from app.kit.forms import FormOf
from app.kit.pages import Page, account_page_of
from app.models import (
    Initiative,
    InitiativeStatus,
    JointReview,
    JointReviewStatus,
    MentorRequest,
    Plan,
    Review,
    Role,
    Tier,
    User,
    ValueRating,
)
from app.permissions.guards import (
    ItemAccess,
    MentorAsker,
    PortfolioReader,
    ReviewWriter,
    account_page,
    item_guard,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans.page import current_plan
from app.reviews import chart, repository, service
from app.reviews.schedule import DUE_SOON_DAYS, ReviewState
from app.reviews.schemas import (
    MAX_CADENCE,
    MIN_CADENCE,
    PLAN_SUBJECT,
    AnswerForm,
    CadenceForm,
    MentorRequestForm,
    ReviewForm,
    SignOffForm,
    day,
)
from app.scorecard import repository as scorecard_repo
from app.scorecard import treatment
from app.value import repository as value_repo
from app.web.confirm import asks_first
from app.web.errors import ConflictError, or_404
from app.web.forms import FormErrors, Text, as_int

router = APIRouter()
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)
TEMPLATE = "reviews/show.html"
BLOCK = "reviews"

WrittenReview = Annotated[ItemAccess[Review], item_guard(Verb.REVIEW_WRITE, Review, "review_id")]
SignedReview = Annotated[ItemAccess[Review], item_guard(Verb.MENTOR_REVIEW, Review, "review_id")]
AnsweredRequest = Annotated[
    ItemAccess[MentorRequest], item_guard(Verb.MENTOR_REVIEW, MentorRequest, "request_id")
]


def _started_on(plan: Plan, actor: Actor) -> date:
    """The day the plan began where the person is (the same calendar as their today)."""
    return plan.created_at.astimezone(actor.zone).date()


def _dimensions(access: AccountAccess) -> list[str]:
    return list(access.account.workspace.value_dimensions)


def _version(value: str) -> int:
    """The version a form was based on; anything unreadable matches no version (stale)."""
    return as_int(value, max_digits=9) or 0


@dataclass(frozen=True)
class ReviewView:
    """A review as the history shows it, with its rating compared to the previous review's."""

    review: Review
    rating: ValueRating | None
    author: User | None
    signer: User | None
    gap: service.GapView
    first: bool  # the plan's first review
    re_rated: bool  # the client rated again since the previous review (or ever, for the first)
    change: int | None  # the rating's overall minus the previous review's rating's overall


def review_views(rows: list[repository.ReviewRow]) -> list[ReviewView]:
    """``rows`` newest first, as views newest first."""
    views: list[ReviewView] = []
    previous: repository.ReviewRow | None = None
    for row in reversed(rows):
        rating, before = row.rating, previous.rating if previous else None
        re_rated = rating is not None and (before is None or rating.id != before.id)
        change = rating.overall - before.overall if rating and before and re_rated else None
        views.append(
            ReviewView(
                row.review,
                rating,
                row.author,
                row.signer,
                service.GapView.of(row.review.gap),
                previous is None,
                re_rated,
                change,
            )
        )
        previous = row
    return views[::-1]


def reviews_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries whatever the number of reviews
    and requests."""
    plan = current_plan(db, access)
    assert plan.id is not None
    today = actor.today()
    rows = repository.reviews_for_plan(db, plan_id=plan.id)
    views = review_views(rows)
    last = views[0] if views else None
    latest = value_repo.latest(db, plan_id=plan.id)
    requests = repository.requests_for_plan(db, plan_id=plan.id)
    initiatives = repository.initiatives(db, account_id=access.account_id, plan_id=plan.id)
    mentors = repository.members_with_role(db, account_id=access.account_id, role=Role.MENTOR)
    schedule = service.schedule_of(
        plan,
        last_held_on=last.review.held_on if last else None,
        today=today,
        zone=zone_named(actor.home_zone),
    )
    trend = [
        chart.Reviewed(v.review.held_on, v.gap.stated_overall, v.gap.believed_overall)
        for v in reversed(views)
    ]
    return {
        "access": access,
        "account": access.account,
        "plan": plan,
        "today": today,
        "day": day,
        "started_on": _started_on(plan, actor),
        "can_write": may(actor, access, Verb.REVIEW_WRITE),
        "can_sign": may(actor, access, Verb.MENTOR_REVIEW),
        "can_ask": may(actor, access, Verb.MENTOR_ASK),
        "schedule": schedule,
        "ReviewState": ReviewState,
        "due_soon_days": DUE_SOON_DAYS,
        "cadence_choices": range(MIN_CADENCE, MAX_CADENCE + 1),
        "reviews": views,
        "waiting": [v for v in views if v.review.signed_off_at is None],
        "latest_rating": latest,
        # The client rated since the last review (or, before the first review, at all).
        "re_rated": latest is not None
        and (last is None or latest.rated_at.date() > last.review.held_on),
        "chart": chart.build(trend, actor.locale)
        if any(r.stated or r.believed for r in trend)
        else None,
        "trend": trend,
        "requests": requests,
        "open_requests": [r for r in requests if r.request.answered_at is None],
        "answered_requests": [r for r in requests if r.request.answered_at is not None],
        "initiatives": initiatives,
        "InitiativeStatus": InitiativeStatus,
        "plan_subject": PLAN_SUBJECT,
        "mentors": mentors,
        "tier_treatment": _tier_treatment(db, access),
    } | _blank_forms(plan, today)


def _tier_treatment(db: DbSession, access: AccountAccess) -> treatment.Treatment | None:
    """The treatment of the account's tier (its latest scoring's), whose cadence the page
    offers as the default; None when the account is not scored. Two queries."""
    latest = scorecard_repo.latest(db, account_id=access.account_id)
    if latest is None:
        return None
    return treatment.of_workspace(db, workspace_id=access.account.workspace_id)[Tier(latest.tier)]


def _blank_forms(plan: Plan, today: date) -> dict[str, Any]:
    """The page's forms as nobody has typed in them yet (a refusal passes what was typed)."""
    return {
        "cadence_form": CadenceForm(str(plan.review_cadence_months)),
        "cadence_errors": FormErrors(),
        "cadence_stale": "",
        "review_form": ReviewForm(held_on=today.isoformat()),
        "review_errors": FormErrors(),
        "signoff_forms": {},
        "signoff_errors": {},
        "request_form": MentorRequestForm(),
        "request_errors": FormErrors(),
        "answer_forms": {},
        "answer_errors": {},
        "alert": "",
        "kept": "",
        "notice": "",
    }


def _url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/reviews"


reviews_page = account_page_of(TEMPLATE, reviews_context, _url)


def _plan_of(db: DbSession, review: Review) -> Plan:
    """The plan a review belongs to (the current one, or an earlier plan of the account)."""
    return or_404(repository.plan_of(db, account_id=review.account_id, plan_id=review.plan_id))


def _told(people: Sequence[User], what: str) -> str:
    """'Ana is asked to …' / 'Ana and Ben are asked to …' ('' when nobody)."""
    names = [person.display_name for person in people]
    if not names:
        return ""
    return f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} {what}."


def _every(months: int) -> str:
    return f"every {months} month{'s' if months != 1 else ''}"


# --- The page and its cadence --------------------------------------------------------------------


account_page(
    router, "/accounts/{account_id}/reviews", Verb.INSIGHT_VIEW, reviews_page, name="show_reviews"
)


@router.post("/accounts/{account_id}/reviews/cadence")
def set_cadence(
    request: Request,
    actor: CurrentActor,
    access: ReviewWriter,
    db: DbSession,
    form: Annotated[CadenceForm, FormOf(CadenceForm)],
    based_on: Text = "",
) -> Response:
    """``based_on``: the cadence the form showed (a change meanwhile makes the save stale)."""
    plan = current_plan(db, access)
    page = reviews_page(request, db, actor, access)
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, cadence_form=form, cadence_errors=values)
    try:
        changed = service.set_cadence(
            db,
            actor=actor.user,
            plan=plan,
            months=values.months,
            based_on=as_int(based_on, max_digits=2) or 0,
        )
    except service.StaleEdit as stale:
        return page.refused(409, BLOCK, cadence_form=form, cadence_stale=stale.who)
    if not changed:
        notice = f"The plan is already reviewed {_every(values.months)}."
    else:
        assert plan.id is not None
        schedule = service.schedule_of(
            plan,
            last_held_on=repository.last_held_on(db, plan_id=plan.id),
            today=actor.today(),
            zone=zone_named(actor.home_zone),
        )
        notice = (
            f"The plan is now reviewed {_every(values.months)}: "
            f"the next review is due on {day(schedule.next_on)}."
        )
    return page.done(notice, BLOCK, anchor="schedule")


# --- Reviews ---------------------------------------------------------------------------------------


@router.post("/accounts/{account_id}/reviews")
def record_review(
    request: Request,
    actor: CurrentActor,
    access: ReviewWriter,
    db: DbSession,
    form: Annotated[ReviewForm, FormOf(ReviewForm)],
) -> Response:
    plan = current_plan(db, access)
    page = reviews_page(request, db, actor, access)
    values = form.check(started_on=_started_on(plan, actor), today=actor.today())
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, review_form=form, review_errors=values)
    review = service.record(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        checked=values,
        dimensions=_dimensions(access),
    )
    mentors = repository.members_with_role(db, account_id=access.account_id, role=Role.MENTOR)
    parts = [f"Recorded the review of {day(review.held_on)}."]
    parts.append(
        _told(mentors, "asked to comment and sign it off")
        or "This account has no mentor yet: ask a lead to invite one, to sign reviews off."
    )
    if review.rating_id is None:
        parts.append(
            "The client had not rated the relationship by then: ask the client sponsor to rate it."
        )
    return page.done(" ".join(parts), BLOCK, anchor=f"review-{review.id}")


JointReviewRecorded = Annotated[
    ItemAccess[JointReview], item_guard(Verb.REVIEW_WRITE, JointReview, "joint_review_id")
]


@router.post("/accounts/{account_id}/reviews/from-joint/{joint_review_id}")
def record_from_joint(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: JointReviewRecorded,
) -> Response:
    """The internal record of a closed joint review (its date, attendees, decisions and new
    actions), linked to it; one per joint review."""
    access, joint = checked.access, checked.item
    assert joint.id is not None
    if joint.status != JointReviewStatus.CLOSED:
        raise ConflictError("Close the joint review first: its record is made from its minutes.")
    if repository.record_of_joint(db, joint_review_id=joint.id) is not None:
        raise ConflictError("Your side has recorded this joint review already.")
    review = service.record(
        db,
        actor=actor.user,
        account=access.account,
        plan=_plan_of_joint(db, joint),
        checked=service.from_joint(joint),
        dimensions=_dimensions(access),
        joint_review_id=joint.id,
    )
    notice = f"Recorded the internal review of {day(review.held_on)} from the joint review."
    return reviews_page(request, db, actor, access).leave(notice, f"review-{review.id}")


def _plan_of_joint(db: DbSession, joint: JointReview) -> Plan:
    return or_404(repository.plan_of(db, account_id=joint.account_id, plan_id=joint.plan_id))


def _edit_page(request: Request, actor: Actor, checked: ItemAccess[Review], plan: Plan) -> Page:
    """The page that edits one review; after saving, back to the reviews page."""
    access, review = checked.access, checked.item

    def context() -> dict[str, Any]:
        return {
            "access": access,
            "account": access.account,
            "review": review,
            "errors": FormErrors(),
            "stale": None,
            "locked": "",
            "day": day,
            "today": actor.today(),
            "started_on": _started_on(plan, actor),
        }

    return Page(request, "reviews/edit.html", context, url=_url(access))


@router.get("/accounts/{account_id}/reviews/{review_id}/edit")
def edit_review(
    request: Request, actor: CurrentActor, db: DbSession, checked: WrittenReview
) -> Response:
    review = checked.item
    if review.signed_off_at is not None:
        raise ConflictError(service.locked(db, review).message_in(actor.zone))
    page = _edit_page(request, actor, checked, _plan_of(db, review))
    return page.render(form=ReviewForm.of(review), version=review.version)


@router.post("/accounts/{account_id}/reviews/{review_id}")
def update_review(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenReview,
    form: Annotated[ReviewForm, FormOf(ReviewForm)],
    version: Text = "",
) -> Response:
    review, plan = checked.item, _plan_of(db, checked.item)
    page, based_on = _edit_page(request, actor, checked, plan), _version(version)
    values = form.check(started_on=_started_on(plan, actor), today=actor.today())
    if isinstance(values, FormErrors):
        return page.refused(422, form=form, version=based_on, errors=values)
    try:
        changed = service.update(
            db,
            actor=actor.user,
            plan=plan,
            review=review,
            checked=values,
            dimensions=_dimensions(checked.access),
            expected_version=based_on,
        )
    except service.Locked as locked:
        # Nothing was saved; what was typed stays on the page, next to why.
        return page.refused(
            409, form=form, version=review.version, locked=locked.message_in(actor.zone)
        )
    except service.StaleEdit as stale:
        return page.refused(409, form=form, version=review.version, stale=stale)
    notice = (
        f"Saved the review of {day(review.held_on)}."
        if changed
        else "Nothing changed in the review."
    )
    return page.leave(notice, f"review-{review.id}")


class MentorForm(Protocol[V_co]):
    def check(self) -> V_co | FormErrors: ...


def _mentor_says(
    page: Page,
    actor: Actor,
    form: MentorForm[V],
    name: str,
    item_id: int | None,
    *,
    save: Callable[[V], object],
    kept: Callable[[V], str],
    meanwhile: str,
) -> Response | None:
    """What the mentor writes about one review or request (a sign-off, an answer), checked and
    saved with the version it was based on: None once saved, else the page again with their
    text kept (422 field errors; 409 locked, or changed meanwhile by someone it names)."""
    values, forms = form.check(), {item_id: form}
    if isinstance(values, FormErrors):
        errors = {f"{name}_forms": forms, f"{name}_errors": {item_id: values}}
        return page.refused(422, BLOCK, **errors)
    try:
        save(values)
    except service.Locked as locked:
        return page.refused(409, BLOCK, alert=locked.message_in(actor.zone), kept=kept(values))
    except service.StaleEdit as stale:
        alert = f"{stale.who} changed {meanwhile}"
        return page.refused(409, BLOCK, alert=alert, **{f"{name}_forms": forms})
    return None


@router.post("/accounts/{account_id}/reviews/{review_id}/sign-off")
@asks_first("Sign off", danger=False)
def sign_off_review(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: SignedReview,
    form: Annotated[SignOffForm, FormOf(SignOffForm)],
    version: Text = "",
) -> Response:
    access, review = checked.access, checked.item
    page = reviews_page(request, db, actor, access)
    refused = _mentor_says(
        page,
        actor,
        form,
        "signoff",
        review.id,
        save=lambda values: service.sign_off(
            db,
            actor=actor.user,
            account=access.account,
            review=review,
            comment=values.comment,
            expected_version=_version(version),
        ),
        kept=lambda values: values.comment,
        meanwhile="this review meanwhile, so it was not signed off. "
        "Read it again below; your comments are still in the form.",
    )
    if refused is not None:
        return refused
    leads = repository.members_with_role(db, account_id=access.account_id, role=Role.LEAD)
    notice = f"Signed off the review of {day(review.held_on)}. " + _told(leads, "told")
    return page.done(notice.strip(), BLOCK, anchor=f"review-{review.id}")


# --- Requests to the mentor ------------------------------------------------------------------------


@router.post("/accounts/{account_id}/mentor-requests")
def ask_mentor(
    request: Request,
    actor: CurrentActor,
    access: MentorAsker,
    db: DbSession,
    form: Annotated[MentorRequestForm, FormOf(MentorRequestForm)],
) -> Response:
    plan = current_plan(db, access)
    assert plan.id is not None
    page = reviews_page(request, db, actor, access)
    live = {
        i.id: i
        for i in repository.initiatives(db, account_id=access.account_id, plan_id=plan.id)
        if i.id is not None
    }
    values = form.check({key: i.title for key, i in live.items()})
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, request_form=form, request_errors=values)
    initiative = live[values.initiative_id] if values.initiative_id is not None else None
    made = service.ask(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        initiative=initiative,
        note=values.note,
    )
    mentors = repository.members_with_role(db, account_id=access.account_id, role=Role.MENTOR)
    notice = f"Asked for the mentor's view on {service.subject_of(initiative)}. " + (
        _told(mentors, "told") or "This account has no mentor yet: ask a lead to invite one."
    )
    return page.done(notice, BLOCK, anchor=f"request-{made.id}")


def _initiative_of(db: DbSession, found: MentorRequest) -> Initiative | None:
    """The initiative a request is about (None: the plan); 404 if it is not the account's."""
    if found.initiative_id is None:
        return None
    return or_404(
        repository.initiative_of(db, account_id=found.account_id, initiative_id=found.initiative_id)
    )


@router.post("/accounts/{account_id}/mentor-requests/{request_id}/answer")
def answer_request(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredRequest,
    form: Annotated[AnswerForm, FormOf(AnswerForm)],
    version: Text = "",
) -> Response:
    access, found = checked.access, checked.item
    initiative = _initiative_of(db, found)
    page = reviews_page(request, db, actor, access)
    refused = _mentor_says(
        page,
        actor,
        form,
        "answer",
        found.id,
        save=lambda values: service.answer(
            db,
            actor=actor.user,
            account=access.account,
            request=found,
            initiative=initiative,
            text=values.answer,
            expected_version=_version(version),
        ),
        kept=lambda values: values.answer,
        meanwhile="this request meanwhile, so your answer was not saved. "
        "Read it again below; your answer is still in the form.",
    )
    if refused is not None:
        return refused
    asker = repository.person(db, user_id=found.requested_by_id)
    notice = f"Answered the request about {service.subject_of(initiative)}." + (
        f" {asker.display_name} is told." if asker and asker.id != actor.id else ""
    )
    return page.done(notice, BLOCK, anchor=f"request-{found.id}")


# --- The mentor's queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    account: repository.QueueAccount
    schedule: service.Schedule


def queue_context(db: DbSession, actor: Actor) -> dict[str, Any]:
    """For each account the person mentors (a workspace admin: every account of the
    workspace, read-only): reviews waiting for sign-off, open requests, reviews due."""
    today = actor.today()
    accounts = repository.queue_accounts(db, actor=actor)
    held = repository.last_held(db, actor=actor)
    due = [
        DueRow(row, schedule)
        for row in accounts
        if (
            schedule := service.schedule_of(
                row.plan,
                last_held_on=held.get(row.plan.id or 0),
                today=today,
                zone=zone_named(actor.home_zone),
            )
        ).state
        is not ReviewState.SCHEDULED
    ]
    due.sort(key=lambda r: (r.schedule.next_on, r.account.account.name))
    return {
        "accounts": accounts,
        "by_account": {row.account.id: row for row in accounts},
        "waiting": repository.waiting_reviews(db, actor=actor),
        "asked": repository.open_requests(db, actor=actor),
        "due": due,
        "day": day,
        "today": today,
        "ReviewState": ReviewState,
        "gap_of": service.GapView.of,
        "is_admin_view": actor.is_workspace_admin,
        "subject_of": service.subject_of,
    }


@router.get("/reviews")
def queue(request: Request, actor: PortfolioReader, db: DbSession) -> Response:
    """The mentor's queue across the accounts they mentor."""
    return Page(
        request, "reviews/queue.html", lambda: queue_context(db, actor), url="/reviews"
    ).render()
