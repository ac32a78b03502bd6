"""The comment form, checked into a body or field errors; what was typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.web.forms import FormErrors, check_text

MAX_BODY = 8000


@dataclass
class CommentForm:
    body: str = ""
    team_only: bool = False

    def check(self) -> FormErrors:
        errors = FormErrors()
        self.body = check_text(self.body, errors, "body", label="your comment", max_length=MAX_BODY)
        return errors
