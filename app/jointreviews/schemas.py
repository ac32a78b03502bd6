"""The forms of a joint review, checked into values or field errors (typed text kept)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.kit import numbers
from app.kit.clock import is_zone, zone_named
from app.kit.forms import Checked
from app.models import JointReview
from app.web.forms import FormErrors, as_int, check_line

MIN_DURATION, MAX_DURATION = 15, 480
MAX_DECISION = 2000
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def day(value: date) -> str:
    """'3 Jan 2026' (``app.kit.numbers.date``)."""
    return numbers.date(value)


def when(value: datetime, zone_name: str) -> str:
    """'Thu 4 Mar 2027, 10:00 (America/New_York)': in the review's own zone."""
    local = value.astimezone(zone_named(zone_name))
    return f"{local:%a} {day(local.date())}, {local:%H:%M} ({zone_name})"


@dataclass(frozen=True)
class CheckedTime:
    starts_at: datetime  # aware, in its zone
    time_zone: str
    duration_minutes: int


@dataclass
class TimeForm:
    """When the review meets: a date, a time of day, its time zone, how long."""

    on: str = ""
    at: str = ""
    time_zone: str = ""
    duration: str = "60"

    @classmethod
    def of(cls, review: JointReview) -> TimeForm:
        local = review.starts_at.astimezone(zone_named(review.time_zone))
        return cls(
            local.date().isoformat(),
            f"{local:%H:%M}",
            review.time_zone,
            str(review.duration_minutes),
        )

    def check_time(self, errors: FormErrors, *, now: datetime) -> CheckedTime | None:
        """The start, in the future, in a known zone; errors noted field by field."""
        zone = self.time_zone.strip()
        if not is_zone(zone):
            errors.add("time_zone", "Choose a time zone from the list, e.g. Europe/London.")
        on = _date(self.on.strip(), errors)
        at = self.at.strip()
        if not _TIME.fullmatch(at):
            errors.add("at", "Enter the time as hours:minutes, e.g. 14:30.")
        duration = as_int(self.duration, max_digits=3)
        if duration is None or not MIN_DURATION <= duration <= MAX_DURATION:
            errors.add(
                "duration",
                f"Enter how long it lasts, {MIN_DURATION} to {MAX_DURATION} minutes.",
            )
        if errors or on is None or duration is None:
            return None
        starts = datetime.combine(on, time.fromisoformat(at), ZoneInfo(zone))
        if starts <= now:
            errors.add("on", "Choose a time still to come: this one has passed.")
            return None
        return CheckedTime(starts, zone, duration)


def _date(text: str, errors: FormErrors) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        errors.add("on", "Enter the date as year-month-day, e.g. 2027-03-04.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add("on", "This is not a date in the calendar.")
        return None


@dataclass(frozen=True)
class CheckedSchedule:
    time: CheckedTime
    attendee_ids: tuple[int, ...]


@dataclass
class ScheduleForm(TimeForm):
    """A new joint review: its time and who is invited (account members of both sides)."""

    attendees: tuple[str, ...] = ()

    def check(self, *, now: datetime, member_ids: set[int]) -> Checked[CheckedSchedule]:
        errors = FormErrors()
        checked = self.check_time(errors, now=now)
        chosen = {as_int(value) for value in self.attendees}
        if not chosen or not chosen <= set(member_ids):
            errors.add("attendees", "Invite at least one person of the account.")
        if errors or checked is None:
            return errors
        return CheckedSchedule(checked, tuple(sorted(i for i in chosen if i is not None)))


@dataclass
class MoveForm(TimeForm):
    """A new time for a scheduled review."""

    def check(self, *, now: datetime) -> Checked[CheckedTime]:
        errors = FormErrors()
        checked = self.check_time(errors, now=now)
        if errors or checked is None:
            return errors
        return checked


@dataclass(frozen=True)
class CheckedDecision:
    text: str


@dataclass
class DecisionForm:
    """A decision of the minutes, one line of text."""

    text: str = ""

    def check(self) -> Checked[CheckedDecision]:
        errors = FormErrors()
        text = check_line(self.text, errors, "text", label="the decision", max_length=MAX_DECISION)
        return errors or CheckedDecision(text)
