"""Parsing the compare page's query parameters into version ids, or a clear message."""

from __future__ import annotations

from dataclasses import dataclass

from app.agreement.commitment import CheckedAnswer
from app.kit.forms import Checked
from app.models import CommitmentAnswer
from app.web.forms import FormErrors, as_int, check_text

CURRENT = "current"
_MAX_DIGITS = 18  # larger ids cannot exist (and would overflow the database's integer)


@dataclass
class CompareQuery:
    """``from`` (a version id) and ``to`` (a version id or "current"), as typed."""

    from_: str = ""
    to: str = ""

    @staticmethod
    def _id(value: str) -> int | None:
        return as_int(value, max_digits=_MAX_DIGITS)

    def check(self) -> tuple[str, int | None, int | None]:
        """(error message or "", from id, to id); to id None means the current plan."""
        from_id = self._id(self.from_)
        if from_id is None:
            return "Choose an agreed version to compare from.", None, None
        if self.to.strip() in ("", CURRENT):
            return "", from_id, None
        to_id = self._id(self.to)
        if to_id is None:
            return "Choose an agreed version, or the current plan, to compare with.", None, None
        return "", from_id, to_id


MAX_CONCERN = 2000


@dataclass
class CommitmentForm:
    """An asked person's answer: commit, or raise a concern saying what it is."""

    answer: str = ""
    comment: str = ""
    version: str = ""

    def check(self) -> Checked[CheckedAnswer]:
        errors = FormErrors()
        choice = self.answer.strip()
        if choice not in (CommitmentAnswer.COMMITTED, CommitmentAnswer.CONCERN):
            errors.add("answer", "Choose: commit to the plan, or raise a concern.")
        concern = choice == CommitmentAnswer.CONCERN
        comment = check_text(
            self.comment,
            errors,
            "comment",
            label="your concern",
            required=concern,
            max_length=MAX_CONCERN,
        )
        version = as_int(self.version)
        if version is None:
            errors.add("_form", "The page is out of date: reload it and answer again.")
        if errors:
            return errors
        assert version is not None
        return CheckedAnswer(CommitmentAnswer(choice), comment, version)
