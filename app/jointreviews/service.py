"""Running a joint review with the client: scheduling it (a calendar invitation to every
attendee), moving it (the same calendar entry, updated), cancelling it, its shared minutes
(decisions, new actions, the client's new rating and ranking) and closing it, which freezes
the minutes. Every change is audited (shared: both sides take part) and refuses stale
versions; minutes change only while the review is open, checked under the review's row lock
(the guards lock it), so a close and an edit never interleave."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.actions import service as actions
from app.actions.schemas import CheckedAction
from app.db import absolute_url
from app.jointreviews import agenda, repository
from app.jointreviews.calendar import Invitation, Method, ics
from app.jointreviews.minutes import live_minutes
from app.jointreviews.schemas import CheckedSchedule, CheckedTime, day, when
from app.kit import versioned
from app.kit.clock import local_today, now, zone_named
from app.kit.versioned import StaleEdit as StaleEdit
from app.mail import outbox, unsubscribe
from app.mail.unsubscribe import NOTICE_HEADER
from app.models import (
    Account,
    Action,
    Delivery,
    JointReview,
    JointReviewStatus,
    MailKind,
    Plan,
    ReviewDecision,
    User,
    ValueRating,
)
from app.notifications import preferences
from app.priorities import repository as priorities_repo
from app.priorities import service as priorities
from app.value import service as value
from app.value.schemas import RatingValues

TRAIL = versioned.Trail("joint_review")
DECISION_TRAIL = versioned.Trail("review_decision")
UID_DOMAIN = "jointplan"


class NotOpen(Exception):
    """The review is closed or cancelled: its minutes and its time can no longer change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def require_open(session: Session, review: JointReview) -> None:
    """Raise ``NotOpen`` unless the review may still change: scheduled, in the current period
    (a rollover moves a review still to be held to the new period; one left in a closed period
    by an earlier version is read-only like the rest of it)."""
    if review.status == JointReviewStatus.CLOSED:
        assert review.held_on is not None
        raise NotOpen(
            f"This review was closed after the meeting of {day(review.held_on)}: its minutes "
            "are frozen and can no longer change."
        )
    if review.status == JointReviewStatus.CANCELLED:
        raise NotOpen("This review was cancelled: nothing can be added to it.")
    if not repository.in_current_period(session, review=review):
        raise NotOpen(
            "This review belongs to a closed period of the plan: like the rest of that period, "
            "it can no longer change."
        )


def _time_values(time: CheckedTime) -> dict[str, Any]:
    return {
        "starts_at": time.starts_at.astimezone(UTC),
        "time_zone": time.time_zone,
        "duration_minutes": time.duration_minutes,
    }


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the audit trail keeps them (times as ISO text)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


# --- Scheduling, moving, cancelling --------------------------------------------------------------


def schedule(
    session: Session,
    *,
    actor: User,
    account: Account,
    plan: Plan,
    checked: CheckedSchedule,
    today: date | None = None,
) -> JointReview:
    """A new joint review of the plan; every attendee gets the invitation. ``today``: the
    lead's local date (the agenda counts what is overdue as of it); by default, the date where
    the meeting's time zone is."""
    assert plan.id is not None
    assert plan.account_id == account.id
    values = _time_values(checked.time) | {"attendee_ids": list(checked.attendee_ids)}
    review = JointReview(
        account_id=plan.account_id,
        plan_id=plan.id,
        uid=f"{secrets.token_hex(16)}@{UID_DOMAIN}",
        agenda=agenda.build(
            session, plan=plan, today=today or local_today(zone_named(checked.time.time_zone))
        ),
        organizer_id=actor.id,
        **values,
    )
    TRAIL.created(session, actor, review, _audited(values), verb="joint_review.scheduled")
    invite(session, actor=actor, account=account, review=review)
    return review


def move(
    session: Session,
    *,
    actor: User,
    account: Account,
    review: JointReview,
    checked: CheckedTime,
    expected_version: int,
) -> bool:
    """A new time: the same calendar entry (UID), its SEQUENCE one higher, an update to every
    attendee. False when the time did not change. Raises ``NotOpen`` and ``StaleEdit``."""
    require_open(session, review)
    versioned.check_version(session, review, expected_version, item_type=TRAIL.item_type)
    values = _time_values(checked)
    before = {key: getattr(review, key) for key in values}
    if before == values:
        return False
    values["sequence"] = review.sequence + 1
    TRAIL.edit(
        session,
        actor,
        review,
        values,
        expected_version,
        verb="joint_review.moved",
        changes={k: [_audited(before)[k], _audited(values)[k]] for k in before},
    )
    invite(session, actor=actor, account=account, review=review, moved=True)
    return True


def cancel(
    session: Session,
    *,
    actor: User,
    account: Account,
    review: JointReview,
    expected_version: int,
) -> None:
    """Call the meeting off: every attendee's calendar gets the cancellation (same UID)."""
    require_open(session, review)
    versioned.check_version(session, review, expected_version, item_type=TRAIL.item_type)
    old = review.status
    review.status = JointReviewStatus.CANCELLED
    review.sequence += 1
    review.cancelled_at, review.cancelled_by_id = now(), actor.id
    TRAIL.change(
        session,
        actor,
        review,
        "joint_review.cancelled",
        {"status": [old, review.status], "sequence": [review.sequence - 1, review.sequence]},
    )
    invite(session, actor=actor, account=account, review=review)


@dataclass(frozen=True)
class Entry:
    """The review's calendar object as every attendee gets it, and who gets it."""

    text: str
    attendees: list[User]
    link: str


def calendar_entry(session: Session, *, account: Account, review: JointReview) -> Entry:
    """The review's calendar object (REQUEST, or CANCEL once cancelled) for the attendees still
    on the account: the one the e-mails attach and the page offers to download."""
    assert review.id is not None
    members = set(accounts_repo.member_ids(session, account_id=review.account_id))
    found = repository.people(session, user_ids=[*review.attendee_ids, review.organizer_id or 0])
    attendees = [found[i] for i in review.attendee_ids if i in found and i in members]
    link = absolute_url(session, f"/accounts/{review.account_id}/joint-reviews/{review.id}")
    text = ics(
        review,
        Invitation(
            summary=f"Joint review: {account.name}",
            description=agenda.as_text(review.agenda) + f"\n\nMinutes and agenda: {link}",
            url=link,
            organizer=found.get(review.organizer_id or 0),
            attendees=attendees,
        ),
        Method.CANCEL if review.status == JointReviewStatus.CANCELLED else Method.REQUEST,
    )
    return Entry(text, attendees, link)


def invite(
    session: Session,
    *,
    actor: User,
    account: Account,
    review: JointReview,
    moved: bool = False,
) -> None:
    """E-mail every attendee still on the account the review's calendar object: REQUEST (new
    or moved) or CANCEL, one object for everyone; not to whoever turned these e-mails off."""
    entry = calendar_entry(session, account=account, review=review)
    cancelled = review.status == JointReviewStatus.CANCELLED
    at = when(review.starts_at, review.time_zone)
    what = "Cancelled" if cancelled else "New time" if moved else "Invitation"
    kind = preferences.JOINT_REVIEW_INVITED
    how = preferences.deliveries(
        session, user_ids=[p.id or 0 for p in entry.attendees], kinds=[kind]
    )
    for person in entry.attendees:
        if how[(person.id or 0, kind)] == Delivery.OFF:
            continue  # they turned these e-mails off (the review's page still lists them)
        outbox.enqueue(
            session,
            to=person.email,
            subject=f"{what}: joint review of {account.name}, {at}",
            body=_body(person, actor, account, review, at, entry.link, cancelled, moved),
            kind=MailKind.NOTIFICATION,
            workspace_id=account.workspace_id,
            account_id=review.account_id,
            sender_id=actor.id,
            calendar=entry.text,
            unsubscribe=unsubscribe.field(kind, person.id or 0),
            headers={NOTICE_HEADER: kind},
        )


def _body(
    person: User,
    actor: User,
    account: Account,
    review: JointReview,
    at: str,
    link: str,
    cancelled: bool,
    moved: bool,
) -> str:
    if cancelled:
        news = f"{actor.display_name} cancelled the joint review of {account.name} of {at}."
    elif moved:
        news = f"{actor.display_name} moved the joint review of {account.name} to {at}."
    else:
        news = f"{actor.display_name} invites you to the joint review of {account.name}, {at}."
    return (
        f"Hello {person.display_name},\n\n{news}\n\n"
        + ("" if cancelled else f"Agenda:\n{agenda.as_text(review.agenda)}\n\n")
        + f"Open it in Jointplan:\n{link}\n\n"
        "The calendar invitation is attached (invite.ics): your calendar updates the same entry.\n"
    )


# --- The shared minutes --------------------------------------------------------------------------


def add_decision(
    session: Session, *, actor: User, review: JointReview, text: str
) -> ReviewDecision:
    require_open(session, review)
    assert review.id is not None
    decision = ReviewDecision(
        account_id=review.account_id,
        joint_review_id=review.id,
        text=text,
        created_by_id=actor.id,
    )
    DECISION_TRAIL.created(session, actor, decision, {"text": text})
    return decision


def edit_decision(
    session: Session,
    *,
    actor: User,
    review: JointReview,
    decision: ReviewDecision,
    text: str,
    expected_version: int,
) -> bool:
    """Raises ``NotOpen`` once the review is closed and ``StaleEdit`` when someone saved a
    newer version meanwhile: nothing is written."""
    require_open(session, review)
    return bool(DECISION_TRAIL.edit(session, actor, decision, {"text": text}, expected_version))


def remove_decision(
    session: Session,
    *,
    actor: User,
    review: JointReview,
    decision: ReviewDecision,
    expected_version: int,
) -> None:
    """Raises ``NotOpen`` and ``StaleEdit`` (someone changed the decision since the page that
    removes it was shown: the person sees the newer text before removing it)."""
    require_open(session, review)
    versioned.check_version(session, decision, expected_version, item_type=DECISION_TRAIL.item_type)
    decision.removed_at = now()
    DECISION_TRAIL.change(
        session, actor, decision, "review_decision.removed", {"text": [decision.text, None]}
    )


def add_action(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    review: JointReview,
    checked: CheckedAction,
) -> Action:
    """A new joint action of the plan, recorded in the review's minutes (the actions service
    makes it: its checks, audit and owner's notice)."""
    require_open(session, review)
    return actions.create(
        session,
        actor=actor,
        plan=plan,
        checked=checked,
        joint_review_id=review.id,
    )


def rate(
    session: Session,
    *,
    actor: User,
    account: Account,
    plan: Plan,
    review: JointReview,
    values: RatingValues,
) -> ValueRating:
    """The client's new rating of the relationship, stamped with the review."""
    require_open(session, review)
    return value.rate(
        session,
        actor=actor,
        account=account,
        plan=plan,
        overall=values.overall,
        scores=values.scores,
        comment=values.comment,
        future_overall=values.future_overall,
        future_scores=values.future_scores,
        joint_review_id=review.id,
    )


def confirm_ranking(
    session: Session, *, actor: User, plan: Plan, review: JointReview, ids: list[int]
) -> bool:
    """The client confirms its priorities as ranked, or re-ranks them (through the priorities
    service); the review keeps the ranking as it then stood. True when the order changed.
    Raises ``priorities.OrderConflict`` when ``ids`` are not exactly the active priorities."""
    require_open(session, review)
    assert plan.id is not None
    moved = priorities.reorder(session, actor=actor, plan=plan, ids=ids)
    ranking = [p.title for p in priorities_repo.active(session, plan_id=plan.id)]
    before = review.ranking
    review.ranking, review.ranking_by_id, review.ranking_at = ranking, actor.id, now()
    session.add(review)
    TRAIL.event(
        session,
        actor,
        review,
        "joint_review.priorities_reranked" if moved else "joint_review.priorities_confirmed",
        {"ranking": [before, ranking]},
    )
    return moved


# --- Closing -------------------------------------------------------------------------------------


def close(session: Session, *, actor: User, review: JointReview, expected_version: int) -> None:
    """The lead closes a review once it has met: its minutes are frozen (a snapshot the pages
    show from then on) and the plan's next review is due a cadence after the day it was held.
    Raises ``NotOpen`` (closed, cancelled or not met yet) and ``StaleEdit``."""
    require_open(session, review)
    if review.starts_at > now():
        raise NotOpen(
            f"This review meets on {when(review.starts_at, review.time_zone)}: close it once it "
            "has been held."
        )
    versioned.check_version(session, review, expected_version, item_type=TRAIL.item_type)
    minutes = live_minutes(session, review=review) | {"closed_by": actor.display_name}
    # Status and day together: the database holds that a closed review has its day.
    old, review.status = review.status, JointReviewStatus.CLOSED
    review.held_on = review.starts_at.astimezone(zone_named(review.time_zone)).date()
    review.minutes = minutes
    review.closed_at, review.closed_by_id = now(), actor.id
    TRAIL.change(
        session,
        actor,
        review,
        "joint_review.closed",
        {"status": [old, review.status], "held_on": [None, review.held_on.isoformat()]},
    )
