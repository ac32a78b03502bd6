"""Whether a plan's next review stands out: scheduled, due soon or overdue. The day itself is
``app.kit.dates.next_review_on`` (one function for every page and reminder)."""

from __future__ import annotations

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


def review_state(next_on: date, today: date) -> ReviewState:
    if next_on < today:
        return ReviewState.OVERDUE
    if next_on <= today + timedelta(days=DUE_SOON_DAYS):
        return ReviewState.DUE
    return ReviewState.SCHEDULED
