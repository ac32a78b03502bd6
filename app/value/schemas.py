"""The rating form: an overall score (required) and a score per dimension (optional), each
0 to 10, the value the rater expects in the future (optional, overall and per dimension), and a
comment. Checked into values or field errors; what was typed always comes back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.kit.forms import Checked
from app.web.forms import FormErrors, as_int, check_text

SCORES = tuple(range(0, 11))


def _score(text: str) -> int | None:
    number = as_int(text, max_digits=2)
    return number if number in SCORES else None


@dataclass(frozen=True)
class RatingValues:
    """A checked rating: what the service takes."""

    overall: int
    scores: dict[str, int] = field(default_factory=dict)  # dimensions left out: not rated
    comment: str = ""
    future_overall: int | None = None  # the value expected in the future; None: not said
    future_scores: dict[str, int] = field(default_factory=dict)


@dataclass
class RatingForm:
    overall: str = ""
    comment: str = ""
    # The dimension names the form was sent with (hidden fields), in the order of the ``score``
    # fields: they come in pairs.
    dimension: tuple[str, ...] = ()
    score: tuple[str, ...] = ()
    # The future: the overall value expected (optional) and, in the order of ``dimension``, a
    # score expected per dimension (none sent: a form that does not ask, all unrated).
    future_overall: str = ""
    future_score: tuple[str, ...] = ()

    @property
    def scores(self) -> dict[str, str]:
        """Dimension -> what was chosen (nothing when the pairs do not match)."""
        if len(self.dimension) != len(self.score):
            return {}
        return dict(zip(self.dimension, self.score, strict=True))

    @property
    def future_scores(self) -> dict[str, str]:
        """Dimension -> the future score chosen (nothing when the pairs do not match)."""
        if len(self.dimension) != len(self.future_score):
            return {}
        return dict(zip(self.dimension, self.future_score, strict=True))

    def check(self, allowed: Sequence[str]) -> Checked[RatingValues]:
        """The overall score and the scores given, today's and the future's, checked against
        the workspace's dimensions (``allowed``)."""
        errors = FormErrors()
        overall = _score(self.overall)
        if overall is None:
            errors.add("overall", "Choose an overall rating from 0 to 10.")
        future_overall = _score(self.future_overall) if self.future_overall.strip() else None
        if self.future_overall.strip() and future_overall is None:
            errors.add("future_overall", "Choose the value you expect from 0 to 10, or leave it.")
        typed = self.scores
        paired = len(self.future_score) in (0, len(self.dimension))
        if sorted(self.dimension) != sorted(allowed) or len(typed) != len(self.dimension):
            paired = False
        if not paired:
            # The workspace changed its dimensions while the form was open (or the form was
            # tampered with): nothing is guessed.
            errors.add(
                "_form",
                "The dimensions to rate changed while you were rating. Check your scores "
                "below and send them again.",
            )
        scores = _dimension_scores(typed, allowed, errors, "score")
        future_scores = _dimension_scores(self.future_scores, allowed, errors, "future_score")
        if future_scores and future_overall is None and "future_overall" not in errors:
            errors.add(
                "future_overall",
                "Choose the overall value you expect too, or leave the expected scores unrated.",
            )
        comment = check_text(
            self.comment, errors, "comment", label="the comment", required=False, max_length=4000
        )
        if errors or overall is None:
            return errors
        return RatingValues(overall, scores, comment, future_overall, future_scores)


def _dimension_scores(
    typed: dict[str, str], allowed: Sequence[str], errors: FormErrors, key: str
) -> dict[str, int]:
    """The scores chosen per dimension (left blank: unrated); an error under ``key:NAME``
    for one that is not 0 to 10."""
    scores: dict[str, int] = {}
    for name, text in typed.items():
        if not text.strip() or name not in allowed:
            continue
        value = _score(text)
        if value is None:
            errors.add(f"{key}:{name}", "Choose a score from 0 to 10, or leave it unrated.")
        else:
            scores[name] = value
    return scores
