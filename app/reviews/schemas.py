"""The forms of the reviews page, checked into values or field errors (typed text kept)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.models import Review
from app.web.forms import FormErrors, as_int, check_text

MIN_CADENCE, MAX_CADENCE = 1, 12
MAX_PARTICIPANTS = 1000
MAX_WHAT_CHANGED = 8000
MAX_MENTOR_COMMENT = 4000
MAX_NOTE = 2000
MAX_ANSWER = 4000
PLAN_SUBJECT = "plan"  # a mentor request about the plan as a whole

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day(value: date) -> str:
    """'3 Jan 2026'."""
    return f"{value.day} {value:%b %Y}"


@dataclass
class CadenceForm:
    months: str = ""

    def check(self) -> tuple[FormErrors, int | None]:
        errors = FormErrors()
        months = as_int(self.months, max_digits=2)
        if months is None or not MIN_CADENCE <= months <= MAX_CADENCE:
            errors.add("months", f"Choose every {MIN_CADENCE} to {MAX_CADENCE} months.")
            return errors, None
        return errors, months


@dataclass(frozen=True)
class CheckedReview:
    held_on: date
    participants: str
    what_changed: str


@dataclass
class ReviewForm:
    """When the review was held, who took part, what changed since the last one."""

    held_on: str = ""
    participants: str = ""
    what_changed: str = ""

    @classmethod
    def of(cls, review: Review) -> ReviewForm:
        return cls(review.held_on.isoformat(), review.participants, review.what_changed)

    def check(self, *, started_on: date, today: date) -> tuple[FormErrors, CheckedReview | None]:
        """A review is held between the day the plan began and today."""
        errors = FormErrors()
        self.held_on = self.held_on.strip()
        held_on: date | None = None
        if not self.held_on:
            errors.add("held_on", "Enter the date of the review, e.g. " + today.isoformat() + ".")
        elif not _ISO_DATE.fullmatch(self.held_on):
            errors.add(
                "held_on", "Enter the date as year-month-day, e.g. " + today.isoformat() + "."
            )
        else:
            try:
                held_on = date.fromisoformat(self.held_on)
            except ValueError:
                errors.add("held_on", "This is not a date in the calendar.")
        if held_on is not None and held_on > today:
            errors.add(
                "held_on",
                "A review is recorded once it has been held: the date cannot be later "
                f"than today ({day(today)}).",
            )
            held_on = None
        elif held_on is not None and held_on < started_on:
            errors.add(
                "held_on", f"The plan began on {day(started_on)}: a review of it cannot be earlier."
            )
            held_on = None
        self.participants = check_text(
            self.participants,
            errors,
            "participants",
            label="who took part",
            max_length=MAX_PARTICIPANTS,
        )
        self.what_changed = check_text(
            self.what_changed,
            errors,
            "what_changed",
            label="what changed since the last review",
            max_length=MAX_WHAT_CHANGED,
        )
        if errors or held_on is None:
            return errors, None
        return errors, CheckedReview(held_on, self.participants, self.what_changed)


@dataclass
class SignOffForm:
    """The mentor's comments on a review, given with the sign-off."""

    comment: str = ""

    def check(self) -> FormErrors:
        errors = FormErrors()
        self.comment = check_text(
            self.comment,
            errors,
            "comment",
            label="your comments on the review",
            max_length=MAX_MENTOR_COMMENT,
        )
        return errors


@dataclass
class MentorRequestForm:
    """What the team asks the mentor to look at: the plan or one of its initiatives."""

    subject: str = PLAN_SUBJECT
    note: str = ""

    def check(self, initiatives: dict[int, str]) -> tuple[FormErrors, int | None]:
        """Errors, and the initiative's id (None: the plan). ``initiatives``: the current plan's
        live initiatives (id -> title), drafts included."""
        errors = FormErrors()
        self.subject = self.subject.strip()
        initiative_id: int | None = None
        if self.subject != PLAN_SUBJECT:
            initiative_id = as_int(self.subject)
            if initiative_id is None or initiative_id not in initiatives:
                errors.add("subject", "Choose the plan or one of its initiatives.")
        self.note = check_text(
            self.note,
            errors,
            "note",
            label="what you would like the mentor to look at",
            required=False,
            max_length=MAX_NOTE,
        )
        return errors, initiative_id


@dataclass
class AnswerForm:
    """The mentor's answer to a request."""

    answer: str = ""

    def check(self) -> FormErrors:
        errors = FormErrors()
        self.answer = check_text(
            self.answer, errors, "answer", label="your answer", max_length=MAX_ANSWER
        )
        return errors
