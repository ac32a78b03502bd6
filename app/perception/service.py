"""Recording what the vendor believes about the client, and the gap to what the client stated.

Everything here is internal to the vendor: every audit event is ``Visibility.INTERNAL`` and
nothing notifies anyone. Believed priorities keep a ranking of their own (1..n per plan, under
the plan's row lock like the client's priorities); believed ratings are kept as a history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.kit import items, versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import (
    PerceivedPriority,
    PerceivedRating,
    Plan,
    Priority,
    PriorityStatus,
    User,
    ValueRating,
    Visibility,
)
from app.perception import repository
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo

ITEM = "perceived_priority"
FIELDS = ("title", "hypothesis", "priority_id")


TRAIL = versioned.Trail(ITEM)


RATING_TRAIL = versioned.Trail("perceived_rating")


def _values(belief: PerceivedPriority) -> dict[str, Any]:
    return {name: getattr(belief, name) for name in FIELDS}


def add_belief(
    session: Session, *, actor: User, plan: Plan, values: BeliefValues
) -> PerceivedPriority:
    """A believed priority, at the bottom of the vendor's ranking."""
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)
    belief = PerceivedPriority(
        account_id=plan.account_id,
        plan_id=plan.id,
        rank=repository.last_rank(session, plan_id=plan.id) + 1,
        title=values.title,
        hypothesis=values.hypothesis,
        priority_id=values.priority_id,
        created_by_id=actor.id,
    )
    TRAIL.created(
        session,
        actor,
        belief,
        _values(belief),
        changes={"rank": [None, belief.rank]},
        verb="perception.belief_added",
        visibility=Visibility.INTERNAL,
    )
    return belief


def update_belief(
    session: Session,
    *,
    actor: User,
    belief: PerceivedPriority,
    values: BeliefValues,
    expected_version: int,
) -> None:
    """Raises ``StaleEdit`` when someone saved a newer version meanwhile: nothing is written."""
    TRAIL.edit(
        session,
        actor,
        belief,
        {name: getattr(values, name) for name in FIELDS},
        expected_version,
        verb="perception.belief_updated",
        visibility=Visibility.INTERNAL,
    )


def move_belief(session: Session, *, actor: User, belief: PerceivedPriority, up: bool) -> bool:
    """Swap with the neighbour above or below; False when already first or last."""
    plans_repo.lock_plan(session, plan_id=belief.plan_id)
    session.refresh(belief)
    moved = items.swap(
        session, belief, order=PerceivedPriority.rank, same=(PerceivedPriority.plan_id,), up=up
    )
    if moved is None:
        return False
    TRAIL.event(
        session,
        actor,
        belief,
        "perception.belief_moved",
        {"rank": list(moved)},
        Visibility.INTERNAL,
    )
    return True


def remove_belief(session: Session, *, actor: User, belief: PerceivedPriority) -> None:
    plans_repo.lock_plan(session, plan_id=belief.plan_id)
    session.refresh(belief)
    verb = "perception.belief_removed"
    TRAIL.removed(
        session, actor, belief, ("title", "rank"), verb=verb, visibility=Visibility.INTERNAL
    )
    session.flush()
    repository.close_gap(session, plan_id=belief.plan_id, after_rank=belief.rank)


def record_rating(
    session: Session, *, actor: User, plan: Plan, overall: int, scores: dict[str, int], note: str
) -> PerceivedRating:
    """A new believed rating; earlier ones stay as the history."""
    assert plan.id is not None
    rating = PerceivedRating(
        account_id=plan.account_id,
        plan_id=plan.id,
        overall=overall,
        scores=scores,
        note=note,
        recorded_by_id=actor.id,
    )
    RATING_TRAIL.created(
        session,
        actor,
        rating,
        {"overall": overall, "scores": scores, "note": note},
        verb="perception.rating_recorded",
        visibility=Visibility.INTERNAL,
    )
    return rating


# --- The gap -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankGap:
    belief: PerceivedPriority
    priority: Priority

    @property
    def difference(self) -> int:
        """Positive: the vendor ranks it lower (a larger number) than the client does."""
        assert self.priority.rank is not None
        return self.belief.rank - self.priority.rank


class BeliefAgainstStatement:
    """A score the vendor believes the client gives, next to the one the client gave (None:
    not recorded); the dataclasses that mix this in declare both."""

    believed: int | None
    stated: int | None

    @property
    def difference(self) -> int | None:
        """Positive: the vendor believes the client rates it higher than the client does."""
        if self.believed is None or self.stated is None:
            return None
        return self.believed - self.stated


@dataclass(frozen=True)
class ScoreGap(BeliefAgainstStatement):
    name: str  # "Overall" or a dimension
    believed: int | None
    stated: int | None


@dataclass
class Gap:
    missed: list[Priority] = field(default_factory=list)  # stated, never anticipated
    unmatched: list[PerceivedPriority] = field(default_factory=list)  # believed, never stated
    ranks: list[RankGap] = field(default_factory=list)  # both, ranked differently or alike
    rejected: list[Priority] = field(default_factory=list)  # suggestions the client rejected
    scores: list[ScoreGap] = field(default_factory=list)  # overall first, then dimensions


def _is_live(priority: Priority | None) -> bool:
    return (
        priority is not None
        and priority.status == PriorityStatus.ACTIVE
        and priority.removed_at is None
    )


def gap(
    *,
    beliefs: Sequence[tuple[PerceivedPriority, Priority | None]],
    client_priorities: Sequence[Priority],
    believed_rating: PerceivedRating | None,
    client_rating: ValueRating | None,
    dimensions: Sequence[str],
) -> Gap:
    """Where the vendor's beliefs differ from what the client stated (no queries)."""
    result = Gap()
    linked: set[int] = set()
    for belief, priority in beliefs:
        if priority is not None and _is_live(priority):
            assert priority.id is not None
            linked.add(priority.id)
            result.ranks.append(RankGap(belief, priority))
        else:
            # Linked to nothing, or to a priority the client has since removed.
            result.unmatched.append(belief)
    for priority in client_priorities:
        if priority.status == PriorityStatus.ACTIVE and priority.id not in linked:
            result.missed.append(priority)
        elif priority.status == PriorityStatus.REJECTED:
            result.rejected.append(priority)
    if believed_rating is not None or client_rating is not None:
        believed = believed_rating.scores if believed_rating else {}
        stated = client_rating.scores if client_rating else {}
        result.scores.append(
            ScoreGap(
                "Overall",
                believed_rating.overall if believed_rating else None,
                client_rating.overall if client_rating else None,
            )
        )
        names = list(dimensions) + [n for n in (*believed, *stated) if n not in dimensions]
        for name in dict.fromkeys(names):
            result.scores.append(ScoreGap(name, believed.get(name), stated.get(name)))
    return result
