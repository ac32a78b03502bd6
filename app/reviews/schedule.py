"""When a plan's next review is due. Pure functions: the portfolio, the reviews page and the
mentor's queue all ask here, so they agree."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

# Where the date arithmetic lives (the joint review, shared with the client, needs it too).
from app.jointreviews.cadence import add_months, next_review_on

__all__ = ["DUE_SOON_DAYS", "ReviewState", "add_months", "next_review_on", "review_state"]

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
