"""The client's answer to what was sent for validation, checked into field errors; the typed
correction always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Validation
from app.web.forms import FormErrors, check_text

CORRECTION_MAX = 8000
DECISIONS = {"confirm": Validation.CONFIRMED, "correct": Validation.CORRECTED}


@dataclass
class AnswerForm:
    decision: str = ""  # "confirm" or "correct"
    correction: str = ""

    def check(self) -> tuple[FormErrors, Validation | None]:
        """Errors, and the answer. A confirmation carries no correction."""
        errors = FormErrors()
        decision = DECISIONS.get(self.decision)
        if decision is None:
            errors.add("decision", "Choose whether the text is right or needs correcting.")
        elif decision is Validation.CORRECTED:
            self.correction = check_text(
                self.correction,
                errors,
                "correction",
                label="your correction",
                max_length=CORRECTION_MAX,
            )
        else:
            self.correction = ""
        return errors, decision
