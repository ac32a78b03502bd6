"""The comment form, checked into a body or field errors; what was typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.web.forms import FormErrors, check_text

MAX_BODY = 8000


@dataclass(frozen=True)
class CommentValues:
    """A checked comment: what the services take."""

    body: str
    team_only: bool = False


@dataclass
class CommentForm:
    body: str = ""
    team_only: str = ""  # the checkbox: "" when not ticked
    shown: str = ""  # "latest": the form is under the thread's latest page (see add_comment)

    def check(self) -> Checked[CommentValues]:
        errors = FormErrors()
        body = check_text(self.body, errors, "body", label="your comment", max_length=MAX_BODY)
        if errors:
            return errors
        return CommentValues(body, team_only=bool(self.team_only))
