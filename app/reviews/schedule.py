"""When a plan's next review is due. Pure functions: the portfolio, the reviews page and the
mentor's queue all ask here, so they agree."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

DUE_SOON_DAYS = 14  # a review this close stands out as due


class ReviewState(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"  # within DUE_SOON_DAYS
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"scheduled": "Scheduled", "due": "Due soon", "overdue": "Overdue"}[self.value]


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, on the same day of the month or the month's last
    day if it is shorter (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_review_on(*, started_on: date, last_held_on: date | None, cadence_months: int) -> date:
    """A review is due ``cadence_months`` after the last one, or after the plan began."""
    return add_months(last_held_on or started_on, cadence_months)


def review_state(next_on: date, today: date) -> ReviewState:
    if next_on < today:
        return ReviewState.OVERDUE
    if next_on <= today + timedelta(days=DUE_SOON_DAYS):
        return ReviewState.DUE
    return ReviewState.SCHEDULED
