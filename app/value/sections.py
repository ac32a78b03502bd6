"""The plan page's value context: every rating of the plan, oldest first, in one query; the
latest with its change against the one before and the value the client expects beside it, and
the trend chart's geometry (both trends).

The client's advice ("what you need to do to succeed with us") is a strategy entry of kind
``advice``: it comes with the strategy context (app/strategy/sections.py), not from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.kit.moments import local
from app.models import Plan, ValueRating
from app.permissions.policy import AccountAccess, Actor
from app.value import chart, repository
from app.value.schemas import SCORES, RatingForm
from app.web.forms import FormErrors


@dataclass(frozen=True)
class DimensionScore:
    name: str
    score: int | None  # None: not rated this time
    change: int | None  # against the previous rating; None: nothing to compare with
    future: int | None = None  # the score expected in the future; None: not said


@dataclass(frozen=True)
class Latest:
    rating: ValueRating
    previous: ValueRating | None
    change: int | None
    dimensions: tuple[DimensionScore, ...]


def dimension_names(ratings: Sequence[ValueRating], current: Sequence[str]) -> list[str]:
    """The workspace's dimensions, then any that earlier ratings used (renamed or dropped
    since), in the order they first appeared."""
    names = list(current)
    for rating in ratings:
        for name in [*rating.scores, *rating.future_scores]:
            if name not in names:
                names.append(name)
    return names


def summarise(ratings: Sequence[ValueRating], dimensions: Sequence[str]) -> Latest | None:
    """The latest rating and how it moved against the one before."""
    if not ratings:
        return None
    rating = ratings[-1]
    previous = ratings[-2] if len(ratings) > 1 else None
    shown = [*dimensions]
    for name in [*rating.scores, *rating.future_scores]:
        if name not in shown:
            shown.append(name)
    scores = []
    for name in shown:
        score = rating.scores.get(name)
        before = previous.scores.get(name) if previous is not None else None
        change = score - before if score is not None and before is not None else None
        scores.append(DimensionScore(name, score, change, rating.future_scores.get(name)))
    change = rating.overall - previous.overall if previous is not None else None
    return Latest(rating, previous, change, tuple(scores))


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    ratings = list(repository.for_plan(db, plan_id=plan.id))
    current = list(access.account.workspace.value_dimensions)  # loaded with the account
    names = dimension_names(ratings, current)
    # Dated where the reader is, like the history table's times.
    points = [
        chart.Rated(local(r.rated_at, actor.zone), r.overall, r.scores, r.future_overall)
        for r in ratings
    ]
    return {
        "value_ratings": ratings,
        "value_latest": summarise(ratings, current),
        "value_chart": chart.build(points, names, actor.locale) if len(ratings) > 1 else None,
        "value_dimensions": current,  # what the rating form asks about
        "value_history_dimensions": names,  # the columns of the history table
        "value_scores": SCORES,
        "value_day": chart.day,
        "value_form": RatingForm(),
        "value_errors": FormErrors(),
        "value_notice": "",
    }
