"""The rating form: an overall score (required) and a score per dimension (optional), each
0 to 10, and a comment. Checked into values or field errors; what was typed always comes back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.web.forms import FormErrors, as_int, check_text

SCORES = tuple(range(0, 11))


def _score(text: str) -> int | None:
    number = as_int(text, max_digits=2)
    return number if number in SCORES else None


@dataclass
class RatingForm:
    overall: str = ""
    scores: dict[str, str] = field(default_factory=dict)  # dimension -> what was chosen
    comment: str = ""
    # The dimension names the form was sent with, in order (to check them against the
    # workspace's current dimensions).
    sent: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, *, overall: str, dimensions: Sequence[str], scores: Sequence[str], comment: str
    ) -> RatingForm:
        """The form's fields: ``dimension`` (hidden, the name) and ``score`` come in pairs."""
        form = cls(overall=overall, comment=comment, sent=list(dimensions))
        if len(dimensions) == len(scores):
            form.scores = dict(zip(dimensions, scores, strict=True))
        return form

    def check(self, allowed: Sequence[str]) -> tuple[FormErrors, int, dict[str, int]]:
        """Errors, the overall score and the scores given (dimensions left out: not rated)."""
        errors = FormErrors()
        overall = _score(self.overall)
        if overall is None:
            errors.add("overall", "Choose an overall rating from 0 to 10.")
        if sorted(self.sent) != sorted(allowed) or len(self.scores) != len(self.sent):
            # The workspace changed its dimensions while the form was open (or the form was
            # tampered with): nothing is guessed.
            errors.add(
                "_form",
                "The dimensions to rate changed while you were rating. Check your scores "
                "below and send them again.",
            )
        scores: dict[str, int] = {}
        for name, typed in self.scores.items():
            if not typed.strip() or name not in allowed:
                continue
            value = _score(typed)
            if value is None:
                errors.add(f"score:{name}", "Choose a score from 0 to 10, or leave it unrated.")
            else:
                scores[name] = value
        self.comment = check_text(
            self.comment, errors, "comment", label="the comment", required=False, max_length=4000
        )
        return errors, overall or 0, scores
