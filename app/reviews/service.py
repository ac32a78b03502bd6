"""Recording plan reviews, the mentor's sign-off, and the requests the team sends the mentor.

Everything here is internal to the vendor: every audit event is ``Visibility.INTERNAL`` and
every notification is vendor-only (``notify`` drops client recipients of internal news).

A review freezes two things when it is recorded: the client's rating it considered (the newest
rating of the plan given on or before the day of the review) and the perception gap at that
moment (``gap_snapshot``: plain JSON, so later changes to beliefs or priorities do not rewrite
history). Changing the date of a review before its sign-off takes both afresh for the new date;
a signed-off review is locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.audit import service as audit
from app.kit import moments, versioned
from app.kit.dates import next_review_on
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import (
    Account,
    Initiative,
    JointReview,
    MentorRequest,
    Plan,
    Review,
    Role,
    User,
    ValueRating,
    Visibility,
    utcnow,
)
from app.notifications.service import notify
from app.perception import repository as perception_repo
from app.perception import service as perception
from app.plans import repository as plans_repo
from app.priorities import repository as priorities_repo
from app.reviews import repository
from app.reviews.schedule import ReviewState, review_state
from app.reviews.schemas import CheckedReview, day
from app.value import repository as value_repo

REVIEW = "review"
REQUEST = "mentor_request"
FIELDS = ("held_on", "participants", "what_changed")


REQUEST_TRAIL = versioned.Trail(REQUEST)
REVIEW_TRAIL = versioned.Trail(REVIEW)


_UTC = ZoneInfo("UTC")


class Locked(Exception):
    """The review was signed off (or the request answered): it can no longer change. Its
    message names the day ``at`` where the reader is (``message_in``)."""

    def __init__(self, before: str, at: datetime | None, after: str) -> None:
        super().__init__(before + after)
        self.before, self.at, self.after = before, at, after

    def message_in(self, zone: ZoneInfo) -> str:
        on = f" on {moments.local_day(self.at, zone)}" if self.at else ""
        return f"{self.before}{on}{self.after}"


def _link(account_id: int, anchor: str) -> str:
    return f"/accounts/{account_id}/reviews#{anchor}"


def _tell_mentors(
    session: Session, actor: User, plan: Plan, kind: str, message: str, anchor: str
) -> None:
    """Notify the account's mentors (internal: the client never sees it) of what waits for
    them at ``anchor`` of the reviews page."""
    mentors = repository.members_with_role(session, account_id=plan.account_id, role=Role.MENTOR)
    notify(
        session,
        account_id=plan.account_id,
        recipient_ids=[person.id for person in mentors],
        kind=kind,
        message=message,
        link=_link(plan.account_id, anchor),
        actor=actor,
        visibility=Visibility.INTERNAL,
    )


# --- The perception gap, frozen ----------------------------------------------------------------


def end_of(held_on: date) -> datetime:
    """The first moment after the day ``held_on`` (UTC): ratings before it count for it."""
    return datetime.combine(held_on + timedelta(days=1), time.min, tzinfo=UTC)


# The parts of the gap snapshot that depend on the review's date (the rest is frozen when the
# review is recorded: the vendor's beliefs against the client's priorities on that day).
RATING_KEYS = ("believed_overall", "stated_overall", "dimensions")


def gap_snapshot(
    session: Session, *, plan: Plan, held_on: date, dimensions: Sequence[str]
) -> tuple[ValueRating | None, dict[str, Any]]:
    """The client's rating a review on ``held_on`` considers, and the perception gap then as
    plain JSON: the vendor's current beliefs against the client's current priorities, the
    vendor's believed rating and the client's rating as they stood on that day."""
    assert plan.id is not None
    before = end_of(held_on)
    stated = value_repo.latest(session, plan_id=plan.id, before=before)
    believed = repository.belief_before(session, plan_id=plan.id, before=before)
    beliefs = perception_repo.beliefs(session, plan_id=plan.id)
    client_priorities = [p for p, _ in priorities_repo.for_plan(session, plan_id=plan.id)]
    found = perception.gap(
        beliefs=beliefs,
        client_priorities=client_priorities,
        believed_rating=believed,
        client_rating=stated,
        dimensions=dimensions,
    )
    dimension_rows = [
        {
            "name": score.name,
            "believed": score.believed,
            "stated": score.stated,
            "difference": score.difference,
        }
        for score in found.scores[1:]  # the first row is the overall rating
        if score.believed is not None or score.stated is not None
    ]
    snapshot: dict[str, Any] = {
        "believed_overall": believed.overall if believed else None,
        "stated_overall": stated.overall if stated else None,
        "missed_count": len(found.missed),
        "missed_titles": [priority.title for priority in found.missed],
        "rejected_count": len(found.rejected),
        "unmatched_count": len(found.unmatched),
        "matched_count": len(found.ranks),
        "rank_differences": sum(1 for row in found.ranks if row.difference != 0),
        "beliefs_count": len(beliefs),
        "dimensions": dimension_rows,
    }
    return stated, snapshot


# --- When the next review is due -------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A plan's review schedule as of ``today``."""

    cadence_months: int
    last_held_on: date | None
    next_on: date
    state: ReviewState
    days: int  # from today to the next review (negative: overdue by that many days)

    @property
    def summary(self) -> str:
        """'Overdue by 3 days', 'Due today', 'Due in 5 days', 'In 40 days'."""
        if self.days < 0:
            return f"Overdue by {-self.days} day{'s' if self.days != -1 else ''}"
        if self.days == 0:
            return "Due today"
        plural = "s" if self.days != 1 else ""
        if self.state is ReviewState.DUE:
            return f"Due in {self.days} day{plural}"
        return f"In {self.days} day{plural}"


def schedule_of(
    plan: Plan, *, last_held_on: date | None, today: date, zone: ZoneInfo = _UTC
) -> Schedule:
    """Reviews are due every ``plan.review_cadence_months`` after the last review, or after the
    plan began (``app.kit.dates.next_review_on``; ``today`` is the reader's, ``zone`` the
    workspace's: a review day is the same day for everyone on the account)."""
    next_on = next_review_on(plan, last_held_on=last_held_on, zone=zone)
    return Schedule(
        cadence_months=plan.review_cadence_months,
        last_held_on=last_held_on,
        next_on=next_on,
        state=review_state(next_on, today),
        days=(next_on - today).days,
    )


CADENCE = "review_cadence"  # the audit item type: a plan's cadence, versioned by itself
CADENCE_TRAIL = versioned.Trail(CADENCE)


# --- Cadence -----------------------------------------------------------------------------------


def set_cadence(session: Session, *, actor: User, plan: Plan, months: int, based_on: int) -> bool:
    """Review the plan every ``months`` months; False when that was already the cadence.
    ``based_on`` is the cadence the form showed: the cadence is its own version, so the plan's
    other changes (an approval, a submission) never make this form stale. Raises ``StaleEdit``
    when someone changed the cadence since."""
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)
    session.refresh(plan)
    if plan.review_cadence_months != based_on:
        raise StaleEdit(versioned.who_changed(session, plan, item_type=CADENCE), plan)
    if plan.review_cadence_months == months:
        return False
    old = plan.review_cadence_months
    plan.review_cadence_months = months
    session.add(plan)
    CADENCE_TRAIL.event(
        session,
        actor,
        plan,
        "review.cadence_changed",
        {"review_cadence_months": [old, months]},
        Visibility.INTERNAL,
    )
    return True


# --- Reviews -----------------------------------------------------------------------------------


def _values(review: Review) -> dict[str, Any]:
    return {
        "held_on": review.held_on.isoformat(),
        "participants": review.participants,
        "what_changed": review.what_changed,
        "rating_id": review.rating_id,
    }


def record(
    session: Session,
    *,
    actor: User,
    account: Account,
    plan: Plan,
    checked: CheckedReview,
    dimensions: Sequence[str],
    joint_review_id: int | None = None,
) -> Review:
    """A review held on ``checked.held_on``; the account's mentors are asked to sign it off.
    ``joint_review_id``: the joint review with the client it is the internal record of."""
    assert plan.id is not None
    assert account.id == plan.account_id
    rating, snapshot = gap_snapshot(
        session, plan=plan, held_on=checked.held_on, dimensions=dimensions
    )
    review = Review(
        account_id=plan.account_id,
        plan_id=plan.id,
        held_on=checked.held_on,
        participants=checked.participants,
        what_changed=checked.what_changed,
        rating_id=rating.id if rating else None,
        gap=snapshot,
        created_by_id=actor.id,
        joint_review_id=joint_review_id,
    )
    session.add(review)
    session.flush()
    assert review.id is not None
    REVIEW_TRAIL.event(
        session,
        actor,
        review,
        "review.recorded",
        audit.diff({}, _values(review) | {"joint_review_id": joint_review_id})
        | {"gap": [None, snapshot]},
        Visibility.INTERNAL,
    )
    _tell_mentors(
        session,
        actor,
        plan,
        "review.recorded",
        f"{actor.display_name} recorded the review of {day(review.held_on)} of "
        f"{account.name}: it waits for your comments and sign-off.",
        f"review-{review.id}",
    )
    return review


def locked(session: Session, review: Review) -> Locked:
    signer = repository.person(session, user_id=review.signed_off_by_id)
    who = signer.display_name if signer else "The mentor"
    return Locked(
        f"{who} signed this review off",
        review.signed_off_at,
        ": a signed-off review can no longer be changed.",
    )


def update(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    review: Review,
    checked: CheckedReview,
    dimensions: Sequence[str],
    expected_version: int,
) -> bool:
    """Change a review before its sign-off; False when nothing changed. A new date takes the
    client's and the believed rating afresh for that date (the rest of the gap stays frozen).
    Raises ``Locked`` once the review is signed off and ``StaleEdit`` when someone saved a newer version meanwhile."""
    if review.signed_off_at is not None:
        raise locked(session, review)
    versioned.check_version(session, review, expected_version, item_type=REVIEW)
    before = _values(review)
    old_gap = review.gap
    if checked.held_on != review.held_on:
        rating, snapshot = gap_snapshot(
            session, plan=plan, held_on=checked.held_on, dimensions=dimensions
        )
        review.rating_id = rating.id if rating else None
        # Only what depends on the date moves: the ratings as they stood on the new day. The
        # beliefs and priorities stay as they were frozen when the review was recorded, so
        # correcting a date weeks later does not rewrite that history with today's.
        review.gap = dict(old_gap) | {key: snapshot[key] for key in RATING_KEYS}
    review.held_on = checked.held_on
    review.participants = checked.participants
    review.what_changed = checked.what_changed
    changes = audit.diff(before, _values(review))
    if not changes:
        return False
    if review.gap != old_gap:
        changes["gap"] = [old_gap, review.gap]
    REVIEW_TRAIL.change(session, actor, review, "review.updated", changes, Visibility.INTERNAL)
    return True


def sign_off(
    session: Session,
    *,
    actor: User,
    account: Account,
    review: Review,
    comment: str,
    expected_version: int,
) -> None:
    """The mentor's comments and sign-off; the account's leads and the review's author are told.
    Raises ``Locked`` when it is signed off already, ``StaleEdit`` when it changed since the
    mentor read it."""
    assert review.id is not None
    if review.signed_off_at is not None:
        raise locked(session, review)
    versioned.check_version(session, review, expected_version, item_type=REVIEW)
    review.mentor_comment = comment
    review.signed_off_at = utcnow()
    review.signed_off_by_id = actor.id
    REVIEW_TRAIL.change(
        session,
        actor,
        review,
        "review.signed_off",
        {"mentor_comment": ["", comment], "signed_off_by_id": [None, actor.id]},
        Visibility.INTERNAL,
    )
    review.updated_at = review.signed_off_at
    leads = repository.members_with_role(session, account_id=review.account_id, role=Role.LEAD)
    notify(
        session,
        account_id=review.account_id,
        recipient_ids=[review.created_by_id, *(person.id for person in leads)],
        kind="review.signed_off",
        message=(
            f"{actor.display_name} signed off the review of {day(review.held_on)} of "
            f"{account.name}, with comments."
        ),
        link=_link(review.account_id, f"review-{review.id}"),
        actor=actor,
        visibility=Visibility.INTERNAL,
    )


# --- Requests to the mentor ----------------------------------------------------------------------


def subject_of(initiative: Initiative | None) -> str:
    return f"the initiative “{initiative.title}”" if initiative else "the plan"


def ask(
    session: Session,
    *,
    actor: User,
    account: Account,
    plan: Plan,
    initiative: Initiative | None,
    note: str,
) -> MentorRequest:
    """Ask the account's mentors to look at the plan or one of its initiatives."""
    assert plan.id is not None
    request = MentorRequest(
        account_id=plan.account_id,
        plan_id=plan.id,
        initiative_id=initiative.id if initiative else None,
        note=note,
        requested_by_id=actor.id,
    )
    session.add(request)
    session.flush()
    REQUEST_TRAIL.event(
        session,
        actor,
        request,
        "mentor.requested",
        audit.diff({}, {"initiative_id": request.initiative_id, "note": note}),
        Visibility.INTERNAL,
    )
    _tell_mentors(
        session,
        actor,
        plan,
        "mentor.requested",
        f"{actor.display_name} asks you to look at {subject_of(initiative)} of {account.name}."[
            :500
        ],
        f"request-{request.id}",
    )
    return request


def answer(
    session: Session,
    *,
    actor: User,
    account: Account,
    request: MentorRequest,
    initiative: Initiative | None,
    text: str,
    expected_version: int,
) -> None:
    """The mentor answers a request; whoever asked is told. Raises ``Locked`` when it was
    answered already, ``StaleEdit`` when it changed since the mentor read it."""
    assert request.id is not None
    if request.answered_at is not None:
        who = repository.person(session, user_id=request.answered_by_id)
        raise Locked(
            f"{who.display_name if who else 'A mentor'} answered this request",
            request.answered_at,
            " already.",
        )
    versioned.check_version(session, request, expected_version, item_type=REQUEST)
    request.answer = text
    request.answered_at = utcnow()
    request.answered_by_id = actor.id
    REQUEST_TRAIL.change(
        session, actor, request, "mentor.answered", {"answer": ["", text]}, Visibility.INTERNAL
    )
    notify(
        session,
        account_id=request.account_id,
        recipient_ids=[request.requested_by_id],
        kind="mentor.answered",
        message=f"{actor.display_name} answered your request about "
        f"{subject_of(initiative)} of {account.name}."[:500],
        link=_link(request.account_id, f"request-{request.id}"),
        actor=actor,
        visibility=Visibility.INTERNAL,
    )


# --- Reading a frozen gap ------------------------------------------------------------------------


@dataclass(frozen=True)
class GapView:
    """A review's frozen perception gap, read defensively (missing keys read as unknown)."""

    believed_overall: int | None
    stated_overall: int | None
    missed_count: int
    missed_titles: list[str]
    rejected_count: int
    unmatched_count: int
    matched_count: int
    rank_differences: int
    dimensions: list[dict[str, Any]]

    @classmethod
    def of(cls, data: dict[str, Any]) -> GapView:
        def number(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) else None

        return cls(
            believed_overall=number("believed_overall"),
            stated_overall=number("stated_overall"),
            missed_count=number("missed_count") or 0,
            missed_titles=[str(t) for t in data.get("missed_titles") or []],
            rejected_count=number("rejected_count") or 0,
            unmatched_count=number("unmatched_count") or 0,
            matched_count=number("matched_count") or 0,
            rank_differences=number("rank_differences") or 0,
            dimensions=[d for d in data.get("dimensions") or [] if isinstance(d, dict)],
        )

    @property
    def overall_difference(self) -> int | None:
        """Positive: the vendor believed the client rated it higher than the client did."""
        if self.believed_overall is None or self.stated_overall is None:
            return None
        return self.believed_overall - self.stated_overall


def from_joint(joint: JointReview) -> CheckedReview:
    """The internal record's fields as the closed joint review's frozen minutes give them."""
    assert joint.held_on is not None
    minutes = joint.minutes
    decisions = [str(d.get("text", "")) for d in minutes.get("decisions") or []]
    actions = [str(a.get("title", "")) for a in minutes.get("actions") or []]
    lines = [f"Decided: {text}" for text in decisions] + [f"New action: {t}" for t in actions]
    return CheckedReview(
        held_on=joint.held_on,
        participants=", ".join(str(n) for n in minutes.get("attendees") or [])[:1000],
        what_changed="\n".join(lines)[:8000],
    )
