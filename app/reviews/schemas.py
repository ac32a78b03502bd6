"""The forms of the reviews page, checked into values or field errors (typed text kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.kit import numbers
from app.kit.forms import ISO_DATE, Checked
from app.models import Review
from app.web.forms import FormErrors, as_int, check_text

MIN_CADENCE, MAX_CADENCE = 1, 12
MAX_PARTICIPANTS = 1000
MAX_WHAT_CHANGED = 8000
MAX_MENTOR_COMMENT = 4000
MAX_NOTE = 2000
MAX_ANSWER = 4000
PLAN_SUBJECT = "plan"  # a mentor request about the plan as a whole


def day(value: date) -> str:
    """'3 Jan 2026' (``app.kit.numbers.date``)."""
    return numbers.date(value)


@dataclass(frozen=True)
class CheckedCadence:
    months: int


@dataclass
class CadenceForm:
    months: str = ""

    def check(self) -> Checked[CheckedCadence]:
        months = as_int(self.months, max_digits=2)
        if months is None or not MIN_CADENCE <= months <= MAX_CADENCE:
            errors = FormErrors()
            errors.add("months", f"Choose every {MIN_CADENCE} to {MAX_CADENCE} months.")
            return errors
        return CheckedCadence(months)


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

    def check(self, *, started_on: date, today: date) -> Checked[CheckedReview]:
        """A review is held between the day the plan began and today."""
        errors = FormErrors()
        held_on = _held_on(self.held_on.strip(), errors, started_on=started_on, today=today)
        participants = check_text(
            self.participants,
            errors,
            "participants",
            label="who took part",
            max_length=MAX_PARTICIPANTS,
        )
        what_changed = check_text(
            self.what_changed,
            errors,
            "what_changed",
            label="what changed since the last review",
            max_length=MAX_WHAT_CHANGED,
        )
        if errors or held_on is None:
            return errors
        return CheckedReview(held_on, participants, what_changed)


def _held_on(text: str, errors: FormErrors, *, started_on: date, today: date) -> date | None:
    held_on: date | None = None
    if not text:
        errors.add("held_on", "Enter the date of the review, e.g. " + today.isoformat() + ".")
    elif not ISO_DATE.fullmatch(text):
        errors.add("held_on", "Enter the date as year-month-day, e.g. " + today.isoformat() + ".")
    else:
        try:
            held_on = date.fromisoformat(text)
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
    return held_on


@dataclass(frozen=True)
class CheckedSignOff:
    comment: str


@dataclass
class SignOffForm:
    """The mentor's comments on a review, given with the sign-off."""

    comment: str = ""

    def check(self) -> Checked[CheckedSignOff]:
        errors = FormErrors()
        comment = check_text(
            self.comment,
            errors,
            "comment",
            label="your comments on the review",
            max_length=MAX_MENTOR_COMMENT,
        )
        return errors or CheckedSignOff(comment)


@dataclass(frozen=True)
class CheckedRequest:
    initiative_id: int | None  # None: the plan as a whole
    note: str


@dataclass
class MentorRequestForm:
    """What the team asks the mentor to look at: the plan or one of its initiatives."""

    subject: str = PLAN_SUBJECT
    note: str = ""

    def check(self, initiatives: dict[int, str]) -> Checked[CheckedRequest]:
        """The initiative's id (None: the plan) and the note. ``initiatives``: the current
        plan's live initiatives (id -> title), drafts included."""
        errors = FormErrors()
        subject = self.subject.strip()
        initiative_id: int | None = None
        if subject != PLAN_SUBJECT:
            initiative_id = as_int(subject)
            if initiative_id is None or initiative_id not in initiatives:
                errors.add("subject", "Choose the plan or one of its initiatives.")
        note = check_text(
            self.note,
            errors,
            "note",
            label="what you would like the mentor to look at",
            required=False,
            max_length=MAX_NOTE,
        )
        return errors or CheckedRequest(initiative_id, note)


@dataclass
class AnswerForm:
    """The mentor's answer to a request."""

    answer: str = ""

    def check(self) -> Checked[CheckedAnswer]:
        errors = FormErrors()
        answer = check_text(
            self.answer, errors, "answer", label="your answer", max_length=MAX_ANSWER
        )
        return errors or CheckedAnswer(answer)


@dataclass(frozen=True)
class CheckedAnswer:
    answer: str
