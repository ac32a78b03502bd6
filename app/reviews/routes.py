"""The reviews page of an account (vendor only): the review cadence and when the next review is
due, recording and editing reviews, the mentor's comments and sign-off, the requests the team
sends the mentor; and the mentor's queue across accounts (``/reviews``). Client roles are
refused by the guards (403) before anything is loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.models import (
    InitiativeStatus,
    MentorRequest,
    Plan,
    Review,
    Role,
    User,
    ValueRating,
    utcnow,
)
from app.permissions.guards import (
    InsightReader,
    MentorAsker,
    MentorReviewer,
    PortfolioReader,
    ReviewWriter,
    enforce_item,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import repository as plans_repo
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
from app.web.errors import ConflictError, NotFoundError
from app.web.forms import FormErrors, as_int
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
BLOCK = "reviews"


def _today() -> date:
    return utcnow().date()


def _plan(db: DbSession, access: AccountAccess) -> Plan:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


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


def reviews_context(
    db: DbSession, actor: Actor, access: AccountAccess, plan: Plan
) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries whatever the number of reviews
    and requests."""
    assert plan.id is not None
    today = _today()
    rows = repository.reviews_for_plan(db, plan_id=plan.id)
    views = review_views(rows)
    last = views[0] if views else None
    latest = repository.latest_rating(db, plan_id=plan.id)
    requests = repository.requests_for_plan(db, plan_id=plan.id)
    initiatives = repository.initiatives(db, account_id=access.account_id, plan_id=plan.id)
    mentors = repository.members_with_role(db, account_id=access.account_id, role=Role.MENTOR)
    schedule = service.schedule_of(
        plan, last_held_on=last.review.held_on if last else None, today=today
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
        "started_on": plan.created_at.date(),
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
        "chart": chart.build(trend) if any(r.stated or r.believed for r in trend) else None,
        "trend": trend,
        "requests": requests,
        "open_requests": [r for r in requests if r.request.answered_at is None],
        "answered_requests": [r for r in requests if r.request.answered_at is not None],
        "initiatives": initiatives,
        "InitiativeStatus": InitiativeStatus,
        "plan_subject": PLAN_SUBJECT,
        "mentors": mentors,
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


def render_reviews(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    block: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = reviews_context(db, actor, access, _plan(db, access)) | extra
    return get_templates(request).render(
        request, "reviews/show.html", context, block=block, status_code=status_code
    )


def _refused(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    status_code: int,
    **extra: Any,
) -> Response:
    """The page (or its block, for htmx) again, with what was typed and why it was refused."""
    block = BLOCK if is_htmx(request) else None
    return render_reviews(request, db, actor, access, block=block, status_code=status_code, **extra)


def _done(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    notice: str,
    anchor: str,
) -> Response:
    if is_htmx(request):
        return render_reviews(request, db, actor, access, block=BLOCK, notice=notice)
    response = RedirectResponse(f"/accounts/{access.account_id}/reviews#{anchor}", status_code=303)
    get_templates(request).flash(response, notice)
    return response


def _review(
    db: DbSession, actor: Actor, access: AccountAccess, review_id: int, verb: Verb
) -> Review:
    review = repository.get_review(db, account_id=access.account_id, review_id=review_id)
    if review is None:
        raise NotFoundError()
    enforce_item(actor, access, verb, review)
    return review


def _request(db: DbSession, actor: Actor, access: AccountAccess, request_id: int) -> MentorRequest:
    found = repository.get_request(db, account_id=access.account_id, request_id=request_id)
    if found is None:
        raise NotFoundError()
    enforce_item(actor, access, Verb.MENTOR_REVIEW, found)
    return found


def _told(people: Sequence[User], what: str) -> str:
    """'Ana is asked to …' / 'Ana and Ben are asked to …' ('' when nobody)."""
    names = [person.display_name for person in people]
    if not names:
        return ""
    return f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} {what}."


# --- The page and its cadence --------------------------------------------------------------------


@router.get("/accounts/{account_id}/reviews")
def show_reviews(
    request: Request, actor: CurrentActor, access: InsightReader, db: DbSession
) -> Response:
    return render_reviews(request, db, actor, access)


@router.post("/accounts/{account_id}/reviews/cadence")
def set_cadence(
    request: Request,
    actor: CurrentActor,
    access: ReviewWriter,
    db: DbSession,
    months: Text = "",
    based_on: Text = "",
) -> Response:
    """``based_on``: the cadence the form showed (a change meanwhile makes the save stale)."""
    plan = _plan(db, access)
    form = CadenceForm(months)
    errors, value = form.check()
    if errors or value is None:
        return _refused(request, db, actor, access, 422, cadence_form=form, cadence_errors=errors)
    try:
        changed = service.set_cadence(
            db,
            actor=actor.user,
            plan=plan,
            months=value,
            based_on=as_int(based_on, max_digits=2) or 0,
        )
    except service.StaleEdit as stale:
        return _refused(request, db, actor, access, 409, cadence_form=form, cadence_stale=stale.who)
    if not changed:
        notice = f"The plan is already reviewed every {value} month{'s' if value != 1 else ''}."
    else:
        assert plan.id is not None
        schedule = service.schedule_of(
            plan, last_held_on=repository.last_held_on(db, plan_id=plan.id), today=_today()
        )
        notice = (
            f"The plan is now reviewed every {value} month{'s' if value != 1 else ''}: "
            f"the next review is due on {day(schedule.next_on)}."
        )
    return _done(request, db, actor, access, notice, "schedule")


# --- Reviews ---------------------------------------------------------------------------------------


@router.post("/accounts/{account_id}/reviews")
def record_review(
    request: Request,
    actor: CurrentActor,
    access: ReviewWriter,
    db: DbSession,
    settings: SettingsDep,
    held_on: Text = "",
    participants: Text = "",
    what_changed: Text = "",
) -> Response:
    plan = _plan(db, access)
    form = ReviewForm(held_on, participants, what_changed)
    errors, checked = form.check(started_on=plan.created_at.date(), today=_today())
    if errors or checked is None:
        return _refused(request, db, actor, access, 422, review_form=form, review_errors=errors)
    review = service.record(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        checked=checked,
        dimensions=_dimensions(access),
        base_url=settings.base_url,
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
    return _done(request, db, actor, access, " ".join(parts), f"review-{review.id}")


def _render_edit(
    request: Request,
    access: AccountAccess,
    review: Review,
    form: ReviewForm,
    *,
    version: int,
    started_on: date,
    errors: FormErrors | None = None,
    stale: service.StaleEdit | None = None,
    locked: str = "",
    status_code: int = 200,
) -> Response:
    return get_templates(request).render(
        request,
        "reviews/edit.html",
        {
            "access": access,
            "account": access.account,
            "review": review,
            "form": form,
            "version": version,
            "errors": errors or FormErrors(),
            "stale": stale,
            "locked": locked,
            "day": day,
            "today": _today(),
            "started_on": started_on,
        },
        status_code=status_code,
    )


def _plan_of(db: DbSession, review: Review) -> Plan:
    """The plan a review belongs to (the current one, or an earlier plan of the account)."""
    plan = repository.plan_of(db, account_id=review.account_id, plan_id=review.plan_id)
    if plan is None:
        raise NotFoundError()
    return plan


@router.get("/accounts/{account_id}/reviews/{review_id}/edit")
def edit_review(
    request: Request, actor: CurrentActor, access: ReviewWriter, db: DbSession, review_id: int
) -> Response:
    review = _review(db, actor, access, review_id, Verb.REVIEW_WRITE)
    if review.signed_off_at is not None:
        raise ConflictError(service.locked_message(db, review))
    return _render_edit(
        request,
        access,
        review,
        ReviewForm.of(review),
        version=review.version,
        started_on=_plan_of(db, review).created_at.date(),
    )


@router.post("/accounts/{account_id}/reviews/{review_id}")
def update_review(
    request: Request,
    actor: CurrentActor,
    access: ReviewWriter,
    db: DbSession,
    review_id: int,
    held_on: Text = "",
    participants: Text = "",
    what_changed: Text = "",
    version: Text = "",
) -> Response:
    review = _review(db, actor, access, review_id, Verb.REVIEW_WRITE)
    plan = _plan_of(db, review)
    started_on = plan.created_at.date()
    form = ReviewForm(held_on, participants, what_changed)
    based_on = _version(version)
    errors, checked = form.check(started_on=started_on, today=_today())
    if errors or checked is None:
        return _render_edit(
            request,
            access,
            review,
            form,
            version=based_on,
            started_on=started_on,
            errors=errors,
            status_code=422,
        )
    try:
        changed = service.update(
            db,
            actor=actor.user,
            plan=plan,
            review=review,
            checked=checked,
            dimensions=_dimensions(access),
            expected_version=based_on,
        )
    except service.Locked as locked:
        # Nothing was saved; what was typed stays on the page, next to why.
        return _render_edit(
            request,
            access,
            review,
            form,
            version=review.version,
            started_on=started_on,
            locked=locked.message,
            status_code=409,
        )
    except service.StaleEdit as stale:
        return _render_edit(
            request,
            access,
            review,
            form,
            version=review.version,
            started_on=started_on,
            stale=stale,
            status_code=409,
        )
    notice = (
        f"Saved the review of {day(review.held_on)}."
        if changed
        else "Nothing changed in the review."
    )
    response = RedirectResponse(
        f"/accounts/{access.account_id}/reviews#review-{review.id}", status_code=303
    )
    get_templates(request).flash(response, notice)
    return response


@router.post("/accounts/{account_id}/reviews/{review_id}/sign-off")
def sign_off_review(
    request: Request,
    actor: CurrentActor,
    access: MentorReviewer,
    db: DbSession,
    settings: SettingsDep,
    review_id: int,
    comment: Text = "",
    version: Text = "",
) -> Response:
    review = _review(db, actor, access, review_id, Verb.MENTOR_REVIEW)
    form = SignOffForm(comment)
    errors = form.check()
    forms = {review.id: form}
    if errors:
        return _refused(
            request,
            db,
            actor,
            access,
            422,
            signoff_forms=forms,
            signoff_errors={review.id: errors},
        )
    try:
        service.sign_off(
            db,
            actor=actor.user,
            account=access.account,
            review=review,
            comment=form.comment,
            expected_version=_version(version),
            base_url=settings.base_url,
        )
    except service.Locked as locked:
        return _refused(request, db, actor, access, 409, alert=locked.message, kept=form.comment)
    except service.StaleEdit as stale:
        alert = (
            f"{stale.who} changed this review meanwhile, so it was not signed off. "
            "Read it again below; your comments are still in the form."
        )
        return _refused(request, db, actor, access, 409, alert=alert, signoff_forms=forms)
    leads = repository.members_with_role(db, account_id=access.account_id, role=Role.LEAD)
    notice = f"Signed off the review of {day(review.held_on)}. " + _told(leads, "told")
    return _done(request, db, actor, access, notice.strip(), f"review-{review.id}")


# --- Requests to the mentor ------------------------------------------------------------------------


@router.post("/accounts/{account_id}/mentor-requests")
def ask_mentor(
    request: Request,
    actor: CurrentActor,
    access: MentorAsker,
    db: DbSession,
    settings: SettingsDep,
    subject: Text = PLAN_SUBJECT,
    note: Text = "",
) -> Response:
    plan = _plan(db, access)
    assert plan.id is not None
    live = {
        i.id: i
        for i in repository.initiatives(db, account_id=access.account_id, plan_id=plan.id)
        if i.id is not None
    }
    form = MentorRequestForm(subject, note)
    errors, initiative_id = form.check({key: i.title for key, i in live.items()})
    if errors:
        return _refused(request, db, actor, access, 422, request_form=form, request_errors=errors)
    initiative = live[initiative_id] if initiative_id is not None else None
    made = service.ask(
        db,
        actor=actor.user,
        account=access.account,
        plan=plan,
        initiative=initiative,
        note=form.note,
        base_url=settings.base_url,
    )
    mentors = repository.members_with_role(db, account_id=access.account_id, role=Role.MENTOR)
    notice = f"Asked for the mentor's view on {service.subject_of(initiative)}. " + (
        _told(mentors, "told") or "This account has no mentor yet: ask a lead to invite one."
    )
    return _done(request, db, actor, access, notice, f"request-{made.id}")


@router.post("/accounts/{account_id}/mentor-requests/{request_id}/answer")
def answer_request(
    request: Request,
    actor: CurrentActor,
    access: MentorReviewer,
    db: DbSession,
    settings: SettingsDep,
    request_id: int,
    answer: Text = "",
    version: Text = "",
) -> Response:
    found = _request(db, actor, access, request_id)
    initiative = None
    if found.initiative_id is not None:
        initiative = repository.initiative_of(
            db, account_id=access.account_id, initiative_id=found.initiative_id
        )
        if initiative is None:
            raise NotFoundError()
    form = AnswerForm(answer)
    errors = form.check()
    forms = {found.id: form}
    if errors:
        return _refused(
            request, db, actor, access, 422, answer_forms=forms, answer_errors={found.id: errors}
        )
    try:
        service.answer(
            db,
            actor=actor.user,
            account=access.account,
            request=found,
            initiative=initiative,
            text=form.answer,
            expected_version=_version(version),
            base_url=settings.base_url,
        )
    except service.Locked as locked:
        return _refused(request, db, actor, access, 409, alert=locked.message, kept=form.answer)
    except service.StaleEdit as stale:
        alert = (
            f"{stale.who} changed this request meanwhile, so your answer was not saved. "
            "Read it again below; your answer is still in the form."
        )
        return _refused(request, db, actor, access, 409, alert=alert, answer_forms=forms)
    asker = repository.person(db, user_id=found.requested_by_id)
    notice = f"Answered the request about {service.subject_of(initiative)}." + (
        f" {asker.display_name} is told." if asker and asker.id != actor.id else ""
    )
    return _done(request, db, actor, access, notice, f"request-{found.id}")


# --- The mentor's queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    account: repository.QueueAccount
    schedule: service.Schedule


@router.get("/reviews")
def queue(request: Request, actor: PortfolioReader, db: DbSession) -> Response:
    """For each account the person mentors (a workspace admin: every account of the
    workspace, read-only): reviews waiting for sign-off, open requests, reviews due."""
    today = _today()
    accounts = repository.queue_accounts(db, actor=actor)
    held = repository.last_held(db, actor=actor)
    waiting = repository.waiting_reviews(db, actor=actor)
    asked = repository.open_requests(db, actor=actor)
    by_account = {row.account.id: row for row in accounts}
    due = [
        DueRow(row, schedule)
        for row in accounts
        if (
            schedule := service.schedule_of(
                row.plan, last_held_on=held.get(row.plan.id or 0), today=today
            )
        ).state
        is not ReviewState.SCHEDULED
    ]
    due.sort(key=lambda r: (r.schedule.next_on, r.account.account.name))
    return get_templates(request).render(
        request,
        "reviews/queue.html",
        {
            "accounts": accounts,
            "by_account": by_account,
            "waiting": waiting,
            "asked": asked,
            "due": due,
            "day": day,
            "today": today,
            "ReviewState": ReviewState,
            "gap_of": service.GapView.of,
            "is_admin_view": actor.is_workspace_admin,
            "subject_of": service.subject_of,
        },
    )
