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


def _changes(rating: ValueRating) -> dict[str, list[object]]:
    """What a new rating says, for its audit event: only the parts given."""
    changes: dict[str, list[object]] = {"overall": [None, rating.overall]}
    given = {
        "scores": rating.scores,
        "future_overall": rating.future_overall,
        "future_scores": rating.future_scores,
        "comment": rating.comment,
        "joint_review_id": rating.joint_review_id,
    }
    changes |= {name: [None, value] for name, value in given.items() if value or value == 0}
    return changes


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
    future_overall: int | None = None,
    future_scores: dict[str, int] | None = None,
) -> ValueRating:
    """A new rating of the plan (values already checked: 0 to 10 each); ``future_overall`` and
    ``future_scores``: the value the rater expects the relationship to have (None: not said);
    ``joint_review_id``: the joint review it was given in."""
    assert plan.id is not None
    if account.id != plan.account_id:
        raise NotThisAccount()
    previous = repository.latest(session, plan_id=plan.id)
    rating = ValueRating(
        account_id=plan.account_id,
        plan_id=plan.id,
        overall=overall,
        scores=scores,
        future_overall=future_overall,
        future_scores=future_scores or {},
        comment=comment,
        rated_by_id=actor.id,
        joint_review_id=joint_review_id,
    )
    session.add(rating)
    session.flush()
    TRAIL.event(session, actor, rating, "value.rated", _changes(rating))
    was = f" (it was {previous.overall})" if previous is not None else ""
    expects = f"; they expect {future_overall}" if future_overall is not None else ""
    notify(
        session,
        account_id=plan.account_id,
        roles=[Role.LEAD],
        kind="value.rated",
        message=(
            f"{actor.display_name} rated the value of working together on {account.name}: "
            f"{overall} out of 10{was}{expects}."
        ),
        link=f"/accounts/{plan.account_id}/plan#value",
        actor=actor,
    )
    return rating
