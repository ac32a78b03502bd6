"""The forms of the perception page, checked into values or field errors (typed text kept)."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import PerceivedPriority
from app.web.forms import FormErrors, as_int, check_line, check_text


@dataclass(frozen=True)
class BeliefValues:
    """A checked belief: what the services take."""

    title: str
    hypothesis: str = ""
    priority_id: int | None = None  # the client's own priority it matches (None: none)


@dataclass
class BeliefForm:
    """A priority the vendor believes the client has, and why."""

    title: str = ""
    hypothesis: str = ""
    priority_id: str = ""  # the client's own priority it matches ('' = none)

    @classmethod
    def of(cls, belief: PerceivedPriority) -> BeliefForm:
        return cls(belief.title, belief.hypothesis, str(belief.priority_id or ""))

    def check(self, priorities: dict[int, str], taken: dict[int, str]) -> Checked[BeliefValues]:
        """The checked belief. ``priorities``: the client's active priorities (id -> title);
        ``taken``: those another belief already matches (id -> the other belief's title)."""
        errors = FormErrors()
        title = check_line(self.title, errors, "title", label="the priority you believe in")
        hypothesis = check_text(
            self.hypothesis,
            errors,
            "hypothesis",
            label="why you believe it",
            required=False,
            max_length=4000,
        )
        linked: int | None = None
        if self.priority_id:
            linked = as_int(self.priority_id) or -1
            if linked not in priorities:
                errors.add("priority_id", "Choose one of the client's current priorities, or none.")
            elif linked in taken:
                errors.add(
                    "priority_id",
                    f"Your belief “{taken[linked]}” already matches this priority; "
                    "change that one instead.",
                )
        return errors or BeliefValues(title, hypothesis, linked)


def _score(value: str, errors: FormErrors, name: str, *, required: bool) -> int | None:
    value = value.strip()
    if not value:
        if required:
            errors.add(name, "Choose a score from 0 to 10.")
        return None
    number = as_int(value, max_digits=2)
    if number is None or not 0 <= number <= 10:
        errors.add(name, "Choose a score from 0 to 10.")
        return None
    return number


@dataclass(frozen=True)
class RatingValues:
    overall: int
    scores: dict[str, int]  # a dimension left empty is not rated
    note: str


@dataclass
class RatingForm:
    """The value rating the vendor believes the client would give: overall and per dimension.
    ``dimension`` and ``score`` come in pairs, in the order of the form."""

    overall: str = ""
    dimension: tuple[str, ...] = ()
    score: tuple[str, ...] = ()
    note: str = ""

    @property
    def scores(self) -> dict[str, str]:
        """Dimension -> the score typed for it."""
        return dict(zip(self.dimension, self.score, strict=False))

    def check(self, dimensions: list[str]) -> Checked[RatingValues]:
        """The overall score and the scores given. Errors of a dimension are keyed
        ``score-<its position>``."""
        errors = FormErrors()
        overall = _score(self.overall, errors, "overall", required=True)
        scores: dict[str, int] = {}
        for position, dimension in enumerate(dimensions):
            score = _score(
                self.scores.get(dimension, ""), errors, f"score-{position}", required=False
            )
            if score is not None:
                scores[dimension] = score
        note = check_text(
            self.note, errors, "note", label="the note", required=False, max_length=4000
        )
        if errors or overall is None:
            return errors
        return RatingValues(overall, scores, note)
