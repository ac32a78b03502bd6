"""What a person wants to be told, and how: one choice per kind of notice (a reminder the
scheduler gives, or a notification of a change), right away, in a daily or weekly digest, or
not at all. No row means the kind's default.

The kinds are listed here once, with their labels; the preferences page, the scheduler, the
digests and ``notify`` all read this list. A kind that only ever goes to the vendor side (a
review, the mentor, a stale plan) is shown only to vendor people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Delivery, NoticePreference, User, utcnow

ALL = (Delivery.IMMEDIATE, Delivery.DAILY, Delivery.WEEKLY, Delivery.OFF)
WEEKLY_OR_OFF = (Delivery.WEEKLY, Delivery.OFF)
NOW_OR_OFF = (Delivery.IMMEDIATE, Delivery.OFF)  # a calendar invitation waits for no digest


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    group: str  # "reminders" or "news"
    vendor_only: bool = False
    choices: tuple[Delivery, ...] = ALL
    default: Delivery = Delivery.IMMEDIATE


JOINT_REVIEW_INVITED = "joint_review.invited"
REMINDERS = "reminders"
NEWS = "news"
WEEKLY_SUMMARY = "summary.weekly"
# The unsubscribe "kinds" of the two digests: the kinds a person gets in that digest.
DAILY_DIGEST = "digest.daily"
WEEKLY_DIGEST = "digest.weekly"

KINDS: tuple[Kind, ...] = (
    Kind("action.due_soon", "An action of yours is due in 3 days", REMINDERS),
    Kind("action.due_today", "An action of yours is due today", REMINDERS),
    Kind("action.overdue", "An action of yours is overdue", REMINDERS),
    Kind("review.due_soon", "A plan review is due in 14 days", REMINDERS, vendor_only=True),
    Kind("review.overdue", "A plan review is overdue", REMINDERS, vendor_only=True),
    Kind("plan.stale", "Nobody changed a plan you lead for 60 days", REMINDERS, vendor_only=True),
    Kind(
        WEEKLY_SUMMARY,
        "Your week: open actions due soon or overdue, every Monday",
        REMINDERS,
        choices=WEEKLY_OR_OFF,
        default=Delivery.WEEKLY,
    ),
    Kind("action.assigned", "An action is given to you or changed", NEWS),
    Kind("mention", "Someone mentions you in a comment", NEWS),
    Kind("initiative.proposed", "An initiative is proposed to you", NEWS),
    Kind("initiative.answered", "The client answers an initiative", NEWS, vendor_only=True),
    Kind("priority.suggested", "A priority is suggested to you", NEWS),
    Kind("priority.suggestion_accepted", "Your suggested priority is accepted", NEWS),
    Kind("priority.suggestion_rejected", "Your suggested priority is declined", NEWS),
    Kind("strategy.suggested", "An entry of your strategy is suggested to you", NEWS),
    Kind(
        "strategy.suggestion_accepted",
        "Your suggested strategy entry is accepted",
        NEWS,
        vendor_only=True,
    ),
    Kind(
        "strategy.suggestion_rejected",
        "Your suggested strategy entry is declined",
        NEWS,
        vendor_only=True,
    ),
    Kind("value.rated", "The client rates the value", NEWS),
    Kind("agreement.requested", "You are asked to agree the plan", NEWS),
    Kind("agreement.approved", "Someone approves the plan", NEWS),
    Kind("plan.agreed", "The plan is agreed", NEWS),
    Kind("plan.period_started", "The plan moves to its next period", NEWS),
    Kind(
        JOINT_REVIEW_INVITED,
        "You are invited to a joint review, or it is moved or cancelled (with the calendar entry)",
        NEWS,
        choices=NOW_OR_OFF,
    ),
    Kind("validation.requested", "You are asked to check the account profile", NEWS),
    Kind("stakeholder.sent", "People of your organisation are sent to you to check", NEWS),
    Kind("validation.answered", "The client answers a profile check", NEWS, vendor_only=True),
    Kind("stakeholder.answered", "The client answers a stakeholder check", NEWS, vendor_only=True),
    Kind("review.recorded", "A review is recorded", NEWS, vendor_only=True),
    Kind("review.signed_off", "The mentor signs a review off", NEWS, vendor_only=True),
    Kind("mentor.requested", "You are asked to mentor", NEWS, vendor_only=True),
    Kind("mentor.answered", "The mentor answers your request", NEWS, vendor_only=True),
    Kind("commitment.requested", "You are asked to commit to the plan", NEWS, vendor_only=True),
    Kind(
        "commitment.answered",
        "The team commits to the plan or raises a concern",
        NEWS,
        vendor_only=True,
    ),
)
BY_NAME = {kind.name: kind for kind in KINDS}
DIGEST_LABELS = {
    DAILY_DIGEST: "the daily digest",
    WEEKLY_DIGEST: "the weekly digest",
}


def kind_of(name: str) -> Kind:
    """The kind of that name; an unknown kind (a notification added later) gets the default."""
    return BY_NAME.get(name) or Kind(name, name, NEWS)


def label_of(name: str) -> str:
    """What an unsubscribe page calls the kind of e-mail."""
    if name in DIGEST_LABELS:
        return DIGEST_LABELS[name]
    return f"“{kind_of(name).label}”"


def kinds_for(user: User) -> list[Kind]:
    """The kinds a person may choose for: every kind, but the vendor's own only to vendor
    people (a client is never told of reviews, the mentor or a stale plan)."""
    vendor = user.workspace_id is not None
    return [kind for kind in KINDS if vendor or not kind.vendor_only]


def chosen(session: Session, *, user_id: int) -> dict[str, Delivery]:
    """The person's choice for every kind (defaults filled in): one query."""
    rows = session.exec(select(NoticePreference).where(NoticePreference.user_id == user_id)).all()
    saved = {row.kind: Delivery(row.delivery) for row in rows}
    return {kind.name: saved.get(kind.name, kind.default) for kind in KINDS} | saved


def deliveries(
    session: Session, *, user_ids: Iterable[int], kinds: Iterable[str]
) -> dict[tuple[int, str], Delivery]:
    """(person, kind) -> how, for several people and kinds at once: one query."""
    people, names = sorted(set(user_ids)), sorted(set(kinds))
    found: dict[tuple[int, str], Delivery] = {
        (uid, name): kind_of(name).default for uid in people for name in names
    }
    if not people or not names:
        return found
    rows = session.exec(
        select(NoticePreference)
        .where(col(NoticePreference.user_id).in_(people))
        .where(col(NoticePreference.kind).in_(names))
    ).all()
    for row in rows:
        found[(row.user_id, row.kind)] = Delivery(row.delivery)
    return found


def save(
    session: Session, *, user_id: int, wanted: dict[str, Delivery]
) -> dict[str, tuple[str, str]]:
    """Store the person's choices; returns what changed, kind -> (before, after). The caller
    holds the person's row lock, so two saves of one person queue instead of both inserting."""
    rows = {
        row.kind: row
        for row in session.exec(
            select(NoticePreference).where(NoticePreference.user_id == user_id)
        ).all()
    }
    changed: dict[str, tuple[str, str]] = {}
    for name, delivery in wanted.items():
        row = rows.get(name)
        before = Delivery(row.delivery) if row else kind_of(name).default
        if before == delivery:
            continue
        changed[name] = (before.value, delivery.value)
        if row is None:
            row = NoticePreference(user_id=user_id, kind=name, delivery=delivery)
        row.delivery, row.updated_at = delivery, utcnow()
        session.add(row)
    if changed:
        session.flush()
    return changed


def turned_off_by(name: str, current: dict[str, Delivery]) -> dict[str, Delivery]:
    """What an unsubscribe link of ``name`` turns off: that kind, or for a digest every kind the
    person gets in that digest (the weekly one with its summary)."""
    if name == DAILY_DIGEST:
        return {k: Delivery.OFF for k, d in current.items() if d == Delivery.DAILY}
    if name == WEEKLY_DIGEST:
        return {k: Delivery.OFF for k, d in current.items() if d == Delivery.WEEKLY}
    return {name: Delivery.OFF}


def is_unsubscribable(name: str) -> bool:
    return name in BY_NAME or name in DIGEST_LABELS
