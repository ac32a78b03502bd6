"""Starting the plan's next period.

The current plan is closed, never changed otherwise (but for its joint reviews still to be
held, which move with the plan, below): its items, comments, agreement, frozen
versions and reviews stay exactly as they were, read-only (``app.permissions.policy``
refuses every change to a closed period). The new period is a new plan with its own agreement
(a draft, never agreed) and *copies* of the open items the lead carries over, each linked to
the item it was copied from (``carried_from_id``), with a new random id:

- priorities (ranked ones and suggestions waiting for an answer), initiatives (drafts, proposed
  and accepted ones) and open actions carry over unless left behind; their links follow them
  (an initiative's priorities, an action's priority or initiative) when the linked item carried
  over too, and are dropped otherwise;
- the client's strategy is the client's standing view: every entry carries over, so the client
  starts the period from it and edits it there;
- value ratings stay with the period they were given in (a rating is the client's word at a
  date; copying it would date it anew), so the new period's value trend starts with its first
  rating;
- a joint review still to be held (scheduled, not closed or cancelled) moves to the new
  period with the plan, as the lead expects: the meeting reviews the plan as it now stands;
  held and cancelled ones stay with the period they were held or called off in;
- comment threads stay with the original items: a carried item links back to the thread it had
  in the previous period (readable there by whoever may read it), so no comment is duplicated,
  re-dated or moved out of the period it was written in.

It is one transaction under the row lock of the current plan (``plans.repository.current``),
with one audit event for the rollover and one per carried item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from app.accounts import repository as accounts_repo
from app.kit import versioned
from app.models import (
    Action,
    InitiativePriority,
    JointReview,
    Plan,
    PriorityStatus,
    User,
    Visibility,
    utcnow,
)
from app.notifications.service import notify
from app.periods import repository
from app.periods.repository import Candidates
from app.periods.schemas import NextPeriod

PLAN_TRAIL = versioned.Trail("plan")
TRAILS = {
    "priority": versioned.Trail("priority"),
    "initiative": versioned.Trail("initiative"),
    "action": versioned.Trail("action"),
    "strategy_entry": versioned.Trail("strategy_entry"),
}
JOINT_REVIEW_TRAIL = versioned.Trail("joint_review")
# The fields a copy takes from its original, by item type: what the item says and where it
# stands, never a link of the period it was in (a joint review it was recorded in, its row,
# plan, version and history). A new field carries over only once it is listed here.
_STANDING = ("account_id", "status", "owner_id", "created_at", "created_by_id")
_ANSWERED = ("answered_at", "answered_by_id", "answer_reason")
CARRIED_FIELDS: dict[str, tuple[str, ...]] = {
    "priority": (
        *_STANDING,
        *_ANSWERED,
        "rank",
        "title",
        "description",
        "importance",
        "horizon",
        "suggested_by_id",
    ),
    "initiative": (
        *_STANDING,
        *_ANSWERED,
        "title",
        "description",
        "value_for_client",
        "value_for_vendor",
        "visibility",
        "proposed_at",
    ),
    "action": (
        *_STANDING,
        "title",
        "outcome",
        "due_on",
        "priority_id",
        "initiative_id",
    ),
    "strategy_entry": (
        "account_id",
        "kind",
        "position",
        "text",
        "detail",
        "horizon",
        "created_at",
        "created_by_id",
    ),
}

M = TypeVar("M", bound=SQLModel)


class AlreadyStarted(Exception):
    """The period the form started from is not the current one any more."""

    def __init__(self, current: Plan) -> None:
        super().__init__(current.period)
        self.current = current


@dataclass
class Rollover:
    """What starting the period did: the new plan, and the copies made (old id -> copy)."""

    plan: Plan
    previous: Plan
    copies: dict[str, dict[int, Any]] = field(default_factory=dict)
    moved_reviews: int = 0  # joint reviews still to be held, moved to the new period

    def shared_count(self, item_type: str) -> int:
        """Carried items of a type the client may see (drafts are internal)."""
        items = self.copies.get(item_type, {}).values()
        return sum(1 for item in items if getattr(item, "visibility", "") != Visibility.INTERNAL)


def _copy(original: M, item_type: str, plan: Plan, **values: Any) -> M:
    data = versioned.values_of(original, CARRIED_FIELDS[item_type]) | values
    return type(original)(**data, plan_id=plan.id, carried_from_id=original.id)  # type: ignore[attr-defined]


def _carry(
    session: Session,
    actor: User,
    result: Rollover,
    item_type: str,
    originals: Any,
    adjust: Callable[[Any], dict[str, Any]] = lambda _item: {},
) -> None:
    """Copy ``originals`` into the new plan, one audit event each (internal for an internal
    item: a client never learns a draft was carried)."""
    copies = result.copies.setdefault(item_type, {})
    for original in originals:
        copy = _copy(original, item_type, result.plan, **adjust(original))
        session.add(copy)
        session.flush()
        copies[original.id] = copy
        TRAILS[item_type].event(
            session,
            actor,
            copy,
            f"{item_type}.carried_over",
            {
                "period": [result.previous.period, result.plan.period],
                "carried_from": [None, original.id],
            },
            Visibility(getattr(copy, "visibility", Visibility.SHARED)),
        )


def _new_plan(session: Session, actor: User, previous: Plan, values: NextPeriod) -> Plan:
    """Close ``previous`` and make the new period current, audited once."""
    previous.is_current = False
    previous.closed_at = utcnow()
    session.add(previous)
    session.flush()  # one current plan per account (a unique index): the old one goes first
    plan = Plan(
        account_id=previous.account_id,
        period=values.period,
        starts_on=values.starts_on,
        ends_on=values.ends_on,
        previous_id=previous.id,
        review_cadence_months=previous.review_cadence_months,
        created_by_id=actor.id,
    )
    PLAN_TRAIL.created(
        session,
        actor,
        plan,
        {"period": plan.period, "starts_on": plan.starts_on, "ends_on": plan.ends_on},
        changes={"previous_period": [None, previous.period], "status": [None, plan.status]},
        verb="plan.period_started",
    )
    return plan


def _carry_all(
    session: Session, actor: User, result: Rollover, found: Candidates, leave: frozenset[int]
) -> None:
    priorities = [p for p in found.priorities if p.id not in leave]
    ranks = iter(range(1, len(priorities) + 1))
    _carry(
        session,
        actor,
        result,
        "priority",
        priorities,
        lambda p: {"rank": next(ranks) if p.status == PriorityStatus.ACTIVE else None},
    )
    _carry(
        session, actor, result, "initiative", [i for i in found.initiatives if i.id not in leave]
    )
    carried_priorities = result.copies["priority"]
    carried_initiatives = result.copies["initiative"]
    for link in found.links:
        initiative = carried_initiatives.get(link.initiative_id)
        priority = carried_priorities.get(link.priority_id)
        if initiative is not None and priority is not None:
            session.add(
                InitiativePriority(
                    initiative_id=initiative.id,
                    priority_id=priority.id,
                    account_id=initiative.account_id,
                )
            )

    def relinked(action: Any) -> dict[str, Any]:
        priority = carried_priorities.get(action.priority_id)
        initiative = carried_initiatives.get(action.initiative_id)
        return {
            "priority_id": priority.id if priority is not None else None,
            "initiative_id": initiative.id if initiative is not None else None,
        }

    _carry(
        session,
        actor,
        result,
        "action",
        [a for a in found.actions if a.id not in leave],
        relinked,
    )
    _carry(session, actor, result, "strategy_entry", found.strategy)


def _move_open_reviews(
    session: Session, actor: User, result: Rollover, reviews: Sequence[JointReview]
) -> None:
    """A joint review still to be held moves with the plan to the new period: the meeting is
    about the plan as it is now, and its minutes (decisions, new actions, the client's rating)
    belong to the period they are taken in. Same meeting, same calendar entry. The actions
    already recorded in its minutes move with it as their carried copies (the originals stay,
    read-only, with the old period)."""
    moving = {review.id: review for review in reviews}
    for old_id, copy in result.copies.get("action", {}).items():
        original = session.get(Action, old_id)  # loaded by the carry: no query
        if original is not None and original.joint_review_id in moving:
            copy.joint_review_id = original.joint_review_id
    for review in reviews:
        review.plan_id = result.plan.id  # type: ignore[assignment]
        JOINT_REVIEW_TRAIL.change(
            session,
            actor,
            review,
            "joint_review.moved_to_period",
            {"period": [result.previous.period, result.plan.period]},
        )
        result.moved_reviews += 1


def _tell(session: Session, actor: User, result: Rollover) -> None:
    """Everyone on the account is told, in words both sides may read: only shared items are
    counted, so a carried draft is never named nor counted to the client."""
    counts = [
        _plural(result.shared_count("priority"), "priority", "priorities"),
        _plural(result.shared_count("initiative"), "initiative", "initiatives"),
        _plural(result.shared_count("action"), "action", "actions"),
    ]
    message = (
        f"{actor.display_name} started the plan's next period, {result.plan.period}: "
        f"{', '.join(counts[:2])} and {counts[2]} carried over. "
        f"{result.previous.period} stays readable."
    )
    notify(
        session,
        account_id=result.plan.account_id,
        recipient_ids=accounts_repo.member_ids(session, account_id=result.plan.account_id),
        kind="plan.period_started",
        message=message,
        link=f"/accounts/{result.plan.account_id}/plan",
        actor=actor,
    )


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def start_next(session: Session, *, actor: User, current: Plan, values: NextPeriod) -> Rollover:
    """Close ``current`` (the account's current plan, its row locked by the request) and start
    the period ``values`` describes, carrying over every open item not left behind."""
    if current.id != values.from_plan or not current.is_current:
        raise AlreadyStarted(current)
    assert current.id is not None
    # Locked before anything is audited: the minutes' routes lock a review, then the audit
    # chain; taking them in the same order here leaves no lock cycle.
    reviews = repository.open_joint_reviews(session, plan_id=current.id)
    found = repository.candidates(session, plan_id=current.id)
    result = Rollover(plan=_new_plan(session, actor, current, values), previous=current)
    _carry_all(session, actor, result, found, values.leave)
    _move_open_reviews(session, actor, result, reviews)
    _tell(session, actor, result)
    return result


__all__ = ["AlreadyStarted", "Rollover", "start_next"]
