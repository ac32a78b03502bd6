"""Calendar arithmetic on days: when a plan's next review is due. Pure functions; the joint
review pages, the reminders, the vendor's reviews page, the mentor's queue and the portfolio
all ask here, so every page and e-mail names the same day.

A due date is a calendar day of the account's workspace (its time zone), not of whoever reads
it: a plan that began late on 31 March in Sydney began on 31 March, even for a reader in New
York."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Cadenced(Protocol):
    """What a plan tells about its reviews' rhythm."""

    starts_on: date | None
    created_at: datetime
    review_cadence_months: int


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, on the same day of the month or the month's last
    day if it is shorter (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def plan_began(plan: Cadenced, zone: ZoneInfo) -> date:
    """The day the plan began: the first day of its period, else the day it was made where its
    workspace is (``zone``)."""
    return plan.starts_on or plan.created_at.astimezone(zone).date()


def next_review_on(plan: Cadenced, *, last_held_on: date | None, zone: ZoneInfo) -> date:
    """A review is due ``plan.review_cadence_months`` after the last one held (the last closed
    review, joint or internal), or after the plan began (``plan_began``)."""
    return add_months(last_held_on or plan_began(plan, zone), plan.review_cadence_months)
