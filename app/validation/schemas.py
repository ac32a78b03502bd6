"""The client's answer to what was sent for validation, checked into an answer or field errors;
the typed correction always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import Validation
from app.web.forms import FormErrors, check_text

CORRECTION_MAX = 8000
DECISIONS = {"confirm": Validation.CONFIRMED, "correct": Validation.CORRECTED}


@dataclass(frozen=True)
class Answer:
    """A checked answer: confirmed, or corrected with the client's text."""

    decision: Validation
    correction: str = ""  # only with a correction


@dataclass
class AnswerForm:
    decision: str = ""  # "confirm" or "correct"
    correction: str = ""

    @property
    def typed(self) -> str | None:
        """The correction as typed, to show again (None: the client did not correct)."""
        return self.correction if self.decision == "correct" else None

    def check(self) -> Checked[Answer]:
        """The answer. A confirmation carries no correction."""
        errors = FormErrors()
        decision = DECISIONS.get(self.decision)
        correction = ""
        if decision is None:
            errors.add("decision", "Choose whether the text is right or needs correcting.")
        elif decision is Validation.CORRECTED:
            correction = check_text(
                self.correction,
                errors,
                "correction",
                label="your correction",
                max_length=CORRECTION_MAX,
            )
        if errors or decision is None:
            return errors
        return Answer(decision, correction)
