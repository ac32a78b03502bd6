"""When a plan's next review is due, from its cadence. Pure functions: the joint review pages
(both sides) and the vendor's reviews page, mentor's queue and portfolio all ask here."""

from __future__ import annotations

import calendar
from datetime import date


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
