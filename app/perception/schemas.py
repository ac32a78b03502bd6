"""The forms of the perception page, checked into values or field errors (typed text kept)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import PerceivedPriority
from app.web.forms import FormErrors, as_int, check_line, check_text


@dataclass
class BeliefForm:
    """A priority the vendor believes the client has, and why."""

    title: str = ""
    hypothesis: str = ""
    priority_id: str = ""  # the client's own priority it matches ('' = none)

    @classmethod
    def of(cls, belief: PerceivedPriority) -> BeliefForm:
        return cls(belief.title, belief.hypothesis, str(belief.priority_id or ""))

    def check(
        self, priorities: dict[int, str], taken: dict[int, str]
    ) -> tuple[FormErrors, int | None]:
        """Errors, and the linked client priority's id. ``priorities``: the client's active
        priorities (id -> title); ``taken``: those another belief already matches (id -> the
        other belief's title)."""
        errors = FormErrors()
        self.title = check_line(self.title, errors, "title", label="the priority you believe in")
        self.hypothesis = check_text(
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
        return errors, linked


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


@dataclass
class RatingForm:
    """The value rating the vendor believes the client would give: overall and per dimension."""

    overall: str = ""
    scores: dict[str, str] = field(default_factory=dict)  # dimension -> typed score
    note: str = ""

    def check(self, dimensions: list[str]) -> tuple[FormErrors, int | None, dict[str, int]]:
        """Errors, the overall score and the scores given (a dimension left empty is not
        rated). Errors of a dimension are keyed ``score-<its position>``."""
        errors = FormErrors()
        overall = _score(self.overall, errors, "overall", required=True)
        scores: dict[str, int] = {}
        for position, dimension in enumerate(dimensions):
            score = _score(
                self.scores.get(dimension, ""), errors, f"score-{position}", required=False
            )
            if score is not None:
                scores[dimension] = score
        self.note = check_text(
            self.note, errors, "note", label="the note", required=False, max_length=4000
        )
        return errors, overall, scores
