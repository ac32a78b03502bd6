"""Rating the relationship. Ratings are never edited: each one is kept, the latest is current.
A new rating is audited (shared) and the account's leads hear about it."""

from __future__ import annotations

from sqlmodel import Session

from app.kit import versioned
from app.models import Account, Plan, Role, User, ValueRating
from app.notifications.service import notify
from app.value import repository

ITEM_TYPE = "value_rating"


TRAIL = versioned.Trail(ITEM_TYPE)


class NotThisAccount(Exception):
    """The plan belongs to another account than the one rated: nothing was written."""


def rate(
    session: Session,
    *,
    actor: User,
    account: Account,
    plan: Plan,
    overall: int,
    scores: dict[str, int],
    comment: str,
    joint_review_id: int | None = None,
) -> ValueRating:
    """A new rating of the plan (values already checked: 0 to 10 each); ``joint_review_id``:
    the joint review it was given in."""
    assert plan.id is not None
    if account.id != plan.account_id:
        raise NotThisAccount()
    previous = repository.latest(session, plan_id=plan.id)
    rating = ValueRating(
        account_id=plan.account_id,
        plan_id=plan.id,
        overall=overall,
        scores=scores,
        comment=comment,
        rated_by_id=actor.id,
        joint_review_id=joint_review_id,
    )
    session.add(rating)
    session.flush()
    changes: dict[str, list[object]] = {"overall": [None, overall]}
    if scores:
        changes["scores"] = [None, scores]
    if comment:
        changes["comment"] = [None, comment]
    if joint_review_id:
        changes["joint_review_id"] = [None, joint_review_id]
    TRAIL.event(session, actor, rating, "value.rated", changes)
    was = f" (it was {previous.overall})" if previous is not None else ""
    notify(
        session,
        account_id=plan.account_id,
        roles=[Role.LEAD],
        kind="value.rated",
        message=(
            f"{actor.display_name} rated the value of working together on {account.name}: "
            f"{overall} out of 10{was}."
        ),
        link=f"/accounts/{plan.account_id}/plan#value",
        actor=actor,
    )
    return rating
