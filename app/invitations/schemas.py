"""The invite form, checked into the values an invitation is made from."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.schemas import parse_role
from app.kit.forms import Checked
from app.models import Role
from app.web.forms import FormErrors, check_email, check_text, text_problem

# Long enough for a few friendly sentences, short enough to stay a note.
NOTE_MAX = 1000


@dataclass(frozen=True)
class NewInvitation:
    email: str  # normalized
    role: Role
    note: str  # "" when none was written; line breaks as "\n"
    second_sponsor: bool  # the inviter confirmed a sponsor beside the one the account has


@dataclass
class InviteForm:
    email: str = ""
    role: str = ""
    note: str = ""
    second_sponsor: str = ""

    def check(self) -> Checked[NewInvitation]:
        errors = FormErrors()
        address = check_email(self.email, errors)
        role = parse_role(self.role, errors)
        # Browsers send a textarea's line breaks as CRLF: one character each, as people count.
        typed = self.note.replace("\r\n", "\n").replace("\r", "\n")
        note = check_text(
            typed, errors, "note", label="the note", required=False, max_length=NOTE_MAX
        )
        # A note may run over lines, but what reads differently from what it holds (bidi
        # overrides, zero-width characters) has no place in an e-mail quoting someone.
        problem = text_problem(note.replace("\n", " ").replace("\t", " "), one_line=True)
        if problem:
            errors.add("note", problem.format(label="the note"))
        if errors or role is None:
            return errors
        return NewInvitation(address, role, note, second_sponsor=self.second_sponsor == "yes")
