"""The room the client believes there is: for the vendor only (the perception page), the value
the client expects the relationship to have against the value it sees today, overall and per
dimension, from the client's latest rating. Nothing is read here: the rating is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.models import ValueRating


@dataclass(frozen=True)
class Room:
    name: str  # "Overall" or a dimension
    today: int | None  # None: not rated today
    future: int | None  # None: no value expected was said

    @property
    def gap(self) -> int | None:
        """Future minus today: positive, the client sees more to come; None: not both said."""
        if self.today is None or self.future is None:
            return None
        return self.future - self.today


def room(rating: ValueRating | None, dimensions: Sequence[str]) -> list[Room]:
    """Overall first, then each dimension (the workspace's, then any the rating used besides);
    nothing when there is no rating or it did not say what the client expects."""
    if rating is None or rating.future_overall is None:
        return []
    names = [*dimensions]
    for name in [*rating.scores, *rating.future_scores]:
        if name not in names:
            names.append(name)
    rows = [Room("Overall", rating.overall, rating.future_overall)]
    rows += [Room(name, rating.scores.get(name), rating.future_scores.get(name)) for name in names]
    return rows
