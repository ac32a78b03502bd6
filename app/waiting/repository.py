"""Every query of "Waiting for you": each loads one kind of waiting item for all the person's
accounts at once, so the home costs the same few queries however many accounts and items the
person has. Callers pass only the accounts where the person may answer that kind (the policy
decides, in ``app.waiting.page``); an empty list costs no query.

Each query keeps to what the page it links to shows: the current plan's live items (the plan
page), the items sent and still pending (the validation page, as
``accounts.repository.waiting_for_check`` counts them), the open actions the person owns on
accounts they are still on ("my actions"), the unread mentions their inbox keeps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.kit.queries import is_live
from app.models import (
    Action,
    ActionStatus,
    Commitment,
    CommitmentAnswer,
    Initiative,
    InitiativeStatus,
    Membership,
    Notification,
    Plan,
    PlanStatus,
    Priority,
    PriorityStatus,
    ProfileSection,
    Stakeholder,
    StrategySuggestion,
    SuggestionStatus,
    Validation,
    ValueRating,
    Visibility,
)

MENTION = "mention"  # the notification kind of an @mention (``comments.service``)
OPEN_ACTIONS = [s.value for s in ActionStatus if s.is_open]


@dataclass(frozen=True)
class Row:
    """One waiting item: of which account, its id (the anchor on its page) and what it is."""

    account_id: int
    id: int
    title: str
    due_on: date | None = None
    link: str = ""  # a notification's link; an item to check: what it is; an action: status
    version: str = ""  # what an answer from the home is based on (a stale one gets 409)


def _current_plan(
    model: type[Priority] | type[Initiative] | type[Action],
) -> sa.ColumnElement[bool]:
    return sa.and_(col(Plan.id) == model.plan_id, col(Plan.is_current))


def suggestions(session: Session, *, account_ids: Sequence[int]) -> list[Row]:
    """The vendor's suggested priorities waiting for the client's answer: one query."""
    if not account_ids:
        return []
    rows = session.exec(
        select(Priority.account_id, Priority.id, Priority.title, Priority.version)
        .join(Plan, _current_plan(Priority))
        .where(col(Priority.account_id).in_(sorted(set(account_ids))))
        .where(col(Priority.status) == PriorityStatus.SUGGESTED.value)
        .where(is_live(Priority))
        .order_by(col(Priority.created_at), col(Priority.id))
    ).all()
    return [Row(int(a), int(i or 0), t, version=str(v)) for a, i, t, v in rows]


def strategy_suggestions(session: Session, *, account_ids: Sequence[int]) -> list[Row]:
    """The vendor's suggested strategy entries waiting for the client's answer: one query."""
    if not account_ids:
        return []
    rows = session.exec(
        select(StrategySuggestion.account_id, StrategySuggestion.id, StrategySuggestion.text)
        .join(Plan, sa.and_(col(Plan.id) == StrategySuggestion.plan_id, col(Plan.is_current)))
        .where(col(StrategySuggestion.account_id).in_(sorted(set(account_ids))))
        .where(col(StrategySuggestion.status) == SuggestionStatus.SUGGESTED.value)
        .order_by(col(StrategySuggestion.created_at), col(StrategySuggestion.id))
    ).all()
    return [Row(int(a), int(i or 0), t) for a, i, t in rows]


def proposals(session: Session, *, account_ids: Sequence[int]) -> list[Row]:
    """The vendor's proposals (shared initiatives) waiting for the client's answer: one query."""
    if not account_ids:
        return []
    rows = session.exec(
        select(Initiative.account_id, Initiative.id, Initiative.title, Initiative.version)
        .join(Plan, _current_plan(Initiative))
        .where(col(Initiative.account_id).in_(sorted(set(account_ids))))
        .where(col(Initiative.status) == InitiativeStatus.PROPOSED.value)
        .where(col(Initiative.visibility) == Visibility.SHARED.value)
        .where(is_live(Initiative))
        .order_by(col(Initiative.proposed_at), col(Initiative.created_at), col(Initiative.id))
    ).all()
    return [Row(int(a), int(i or 0), t, version=str(v)) for a, i, t, v in rows]


def _labelled(
    account_id: Any, item_id: Any, title: Any, what: str, sent: Any, answered: Any
) -> sa.Select[Any]:
    """The columns both halves of ``to_check`` share, by name."""
    columns: list[Any] = [
        col(account_id).label("account_id"),
        col(item_id).label("id"),
        col(title).label("title"),
        sa.literal(what).label("what"),
        col(sent).label("sent"),
        col(answered).label("answered"),
    ]
    return sa.select(*columns)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


def section_version(shared_at: datetime | None, answered_at: datetime | None) -> str:
    """What the validation page's form of a profile section carries (``profile.service.
    answer_version``, which tests/test_waiting_answers.py holds this to)."""
    moments = [_utc(m) for m in (shared_at, answered_at) if m is not None]
    return max(moments).strftime("%Y%m%d%H%M%S%f") if moments else "0"


def person_version(sent_at: datetime | None, answered_at: datetime | None) -> str:
    """What the validation page's form of a person carries (``stakeholders.service.
    shared_version``, which tests/test_waiting_answers.py holds this to)."""
    return "|".join(m.isoformat() if m else "" for m in (sent_at, answered_at))


def to_check(session: Session, *, account_ids: Sequence[int]) -> list[Row]:
    """What was sent to the client for its check and still waits for its answer: profile
    sections (titled by their kind, which the caller names) and people on the relationship map
    (by the name as sent), one query for both."""
    if not account_ids:
        return []
    wanted = sorted(set(account_ids))
    sections = _labelled(
        ProfileSection.account_id,
        ProfileSection.id,
        ProfileSection.kind,
        "section",
        ProfileSection.shared_at,
        ProfileSection.answered_at,
    ).where(
        col(ProfileSection.account_id).in_(wanted),
        col(ProfileSection.validation) == Validation.PENDING.value,
    )
    people = _labelled(
        Stakeholder.account_id,
        Stakeholder.id,
        Stakeholder.sent_name,
        "person",
        Stakeholder.sent_at,
        Stakeholder.answered_at,
    )
    people = people.where(
        col(Stakeholder.account_id).in_(wanted),
        col(Stakeholder.validation) == Validation.PENDING.value,
        col(Stakeholder.removed_at).is_(None),
    )
    both = sa.union_all(sections, people).subquery()
    rows = session.execute(
        sa.select(*both.c).order_by(both.c.what.desc(), both.c.title, both.c.id)
    ).all()
    return [
        Row(int(a), int(i), str(t), link=str(w), version=_check_version(str(w), sent, answered))
        for a, i, t, w, sent, answered in rows
    ]


def _check_version(what: str, sent: object, answered: object) -> str:
    moments = (_moment(sent), _moment(answered))
    return section_version(*moments) if what == "section" else person_version(*moments)


def _moment(value: object) -> datetime | None:
    """A time as the ORM loads it (a union of SQLite columns may come back as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if isinstance(value, datetime) else None


@dataclass(frozen=True)
class CurrentPlan:
    plan: Plan
    last_rated_at: datetime | None  # the client's latest rating of the account


def current_plans(session: Session, *, account_ids: Sequence[int]) -> list[CurrentPlan]:
    """The accounts' current plans with the time of the latest value rating: one query."""
    if not account_ids:
        return []
    last_rated = (
        select(sa.func.max(ValueRating.rated_at))
        .where(col(ValueRating.account_id) == Plan.account_id)
        .correlate(Plan)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Plan, last_rated)
        .where(col(Plan.account_id).in_(sorted(set(account_ids))))
        .where(col(Plan.is_current))
    ).all()
    return [CurrentPlan(plan, _aware(rated)) for plan, rated in rows]


def submitted(plans: Sequence[CurrentPlan]) -> list[Plan]:
    return [p.plan for p in plans if p.plan.status == PlanStatus.SUBMITTED]


def _aware(value: object) -> datetime | None:
    """SQLite's max() of a time column comes back as text or naive: make it aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def actions(session: Session, *, user_id: int) -> list[Row]:
    """The person's open actions on the current plans of the accounts they are still on, as
    "my actions" lists them (earliest due first, undated last): one query."""
    membership = sa.and_(
        col(Membership.account_id) == Action.account_id,
        col(Membership.user_id) == user_id,
        col(Membership.removed_at).is_(None),
    )
    rows = session.execute(
        sa.select(
            col(Action.account_id),
            col(Action.id),
            col(Action.title),
            col(Action.due_on),
            col(Action.version),
            col(Action.status),
        )
        .join(Membership, membership)
        .join(Plan, _current_plan(Action))
        .where(col(Action.owner_id) == user_id)
        .where(is_live(Action))
        .where(col(Action.status).in_(OPEN_ACTIONS))
        .order_by(
            col(Action.due_on).is_(None), col(Action.due_on), col(Action.created_at), col(Action.id)
        )
    ).all()
    return [
        Row(int(a), int(i or 0), t, due_on=d, link=str(s), version=str(v))
        for a, i, t, d, v, s in rows
    ]


def mentions(session: Session, *, user_id: int) -> list[Row]:
    """The person's unread @mentions, of accounts they are still on (as their inbox keeps
    them), newest first: one query."""
    membership = sa.and_(
        col(Membership.account_id) == Notification.account_id,
        col(Membership.user_id) == user_id,
        col(Membership.removed_at).is_(None),
    )
    rows = session.exec(
        select(Notification.account_id, Notification.id, Notification.message, Notification.link)
        .join(Membership, membership)
        .where(col(Notification.user_id) == user_id)
        .where(col(Notification.kind) == MENTION)
        .where(col(Notification.read_at).is_(None))
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    ).all()
    return [Row(int(a or 0), int(i or 0), m, link=link) for a, i, m, link in rows]


def here_columns(account_id: Any, *, user_id: Any, check: bool) -> dict[str, Any]:
    """What "Waiting for you" needs of one account beyond what its plan page loads, as columns
    (scalar subqueries) the plan page reads in a statement it runs anyway: the account's latest
    rating time, the person's unread mentions there and, when ``check`` (the person may answer
    them), how many items sent for the client's check still wait. Each counts what the query of
    its kind above lists for that account. Account and person: values, or bind parameters."""
    last_rated = select(sa.func.max(ValueRating.rated_at)).where(
        col(ValueRating.account_id) == account_id
    )
    mentions = (
        select(sa.func.count())
        .select_from(Notification)
        .join(Membership, col(Membership.account_id) == Notification.account_id)
        .where(col(Membership.user_id) == user_id, col(Membership.removed_at).is_(None))
        .where(col(Notification.account_id) == account_id)
        .where(col(Notification.user_id) == user_id)
        .where(col(Notification.kind) == MENTION)
        .where(col(Notification.read_at).is_(None))
    )
    columns: dict[str, Any] = {
        "last_rated": last_rated.scalar_subquery(),
        "mentions": mentions.scalar_subquery(),
    }
    if check:
        sections = select(sa.func.count()).where(
            col(ProfileSection.account_id) == account_id,
            col(ProfileSection.validation) == Validation.PENDING.value,
        )
        people = select(sa.func.count()).where(
            col(Stakeholder.account_id) == account_id,
            col(Stakeholder.validation) == Validation.PENDING.value,
            col(Stakeholder.removed_at).is_(None),
        )
        columns["check"] = sections.scalar_subquery() + people.scalar_subquery()
    return columns


def aware(value: object) -> datetime | None:
    """A time column's max() as an aware UTC time (``_aware``)."""
    return _aware(value)


def commitments(session: Session, *, user_id: int, account_ids: Sequence[int]) -> list[Row]:
    """The current plans whose lead asked the person to commit (not submitted since) and that
    they have not answered: one query (the row's title is the plan's period)."""
    if not account_ids:
        return []
    rows = session.exec(
        select(Commitment.account_id, Commitment.id, Plan.period, Commitment.version)
        .join(Plan, sa.and_(col(Plan.id) == Commitment.plan_id, col(Plan.is_current)))
        .where(col(Commitment.account_id).in_(sorted(set(account_ids))))
        .where(col(Commitment.member_id) == user_id)
        .where(col(Commitment.current))
        .where(col(Commitment.answer) == CommitmentAnswer.NONE.value)
        .where(
            sa.or_(
                col(Plan.status) != PlanStatus.SUBMITTED.value,
                col(Plan.submitted_at) == Commitment.submitted_at_asking,
            )
        )
        .order_by(col(Commitment.asked_at), col(Commitment.id))
    ).all()
    return [Row(int(a), int(i or 0), str(p), version=str(v)) for a, i, p, v in rows]
