"""The SMART check and overdue rule for actions: pure functions of an action's fields.

The letters of SMART and the goals' check are ``app.kit.smart`` (goals are checked by their
words); an action's gaps are its own fields, each named with the letter it serves.

An action is specific and measurable when it says what outcome it serves and how that is
measured, assigned when someone owns it, and time-bound when it has a due date. Only open
actions are checked: a done or cancelled action is history, not a plan.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Protocol

from app.kit.smart import Letter
from app.models import ActionStatus


class Gap(StrEnum):
    """A missing part of an action, worded as the flag shown next to it."""

    OUTCOME = "outcome"
    OWNER = "owner"
    DUE_DATE = "due_date"

    @property
    def label(self) -> str:
        return {
            "outcome": "Needs an outcome and how it is measured",
            "owner": "Needs an owner",
            "due_date": "Needs a due date",
        }[self.value]

    @property
    def letter(self) -> Letter:
        """The part of SMART the gap leaves out."""
        return {
            "outcome": Letter.MEASURABLE,
            "owner": Letter.ACHIEVABLE,
            "due_date": Letter.TIME_BOUND,
        }[self.value]


class SmartParts(Protocol):
    @property
    def outcome(self) -> str: ...

    @property
    def owner_id(self) -> int | None: ...

    @property
    def due_on(self) -> date | None: ...

    @property
    def status(self) -> str: ...


OPEN_STATUSES = frozenset(s.value for s in ActionStatus if s.is_open)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def gaps(action: SmartParts, *, owner_active: bool = True) -> list[Gap]:
    """What the action lacks, in the order outcome, owner, due date; none for a closed action.

    ``owner_active=False`` counts an owner who has left the account as no owner."""
    if not is_open(action.status):
        return []
    missing: list[Gap] = []
    if not action.outcome.strip():
        missing.append(Gap.OUTCOME)
    if action.owner_id is None or not owner_active:
        missing.append(Gap.OWNER)
    if action.due_on is None:
        missing.append(Gap.DUE_DATE)
    return missing


def overdue_days(action: SmartParts, *, today: date) -> int:
    """How many days an open action is past its due date (0: not overdue)."""
    if action.due_on is None or not is_open(action.status):
        return 0
    return max((today - action.due_on).days, 0)


def due_label(action: SmartParts, *, today: date) -> str:
    """'Overdue by 3 days', 'Due today', 'Due in 2 days' (open actions); '' otherwise."""
    if action.due_on is None or not is_open(action.status):
        return ""
    days = (action.due_on - today).days
    if days < 0:
        return f"Overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    return f"Due in {days} days"
