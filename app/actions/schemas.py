"""The action form, checked into values or field errors; what was typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.kit.forms import Checked, parse_date
from app.models import Action, ActionStatus
from app.web.forms import FormErrors, as_int, check_line, check_text

# A due date outside these years is a typo (e.g. 0202 for 2026), not a plan.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Link:
    """What an action serves: one client priority or one shared initiative (or nothing yet)."""

    priority_id: int | None = None
    initiative_id: int | None = None

    @property
    def value(self) -> str:
        if self.priority_id is not None:
            return f"priority:{self.priority_id}"
        if self.initiative_id is not None:
            return f"initiative:{self.initiative_id}"
        return ""


@dataclass(frozen=True)
class CheckedAction:
    """The form's values once checked."""

    title: str
    outcome: str
    owner_id: int | None
    due_on: date | None
    status: str
    link: Link = field(default_factory=Link)


def parse_link(value: str) -> Link | None:
    """``priority:<id>``, ``initiative:<id>`` or '' (nothing); None when it is neither."""
    if not value:
        return Link()
    kind, _, raw = value.partition(":")
    number = as_int(raw)
    if number is None:
        return None
    if kind == "priority":
        return Link(priority_id=number)
    if kind == "initiative":
        return Link(initiative_id=int(raw))
    return None


def parse_due(value: str) -> date | None:
    """A due date (``parse_date``) between ``FIRST_YEAR`` and ``LAST_YEAR``."""
    return parse_date(value, first_year=FIRST_YEAR, last_year=LAST_YEAR)


@dataclass
class ActionForm:
    title: str = ""
    outcome: str = ""
    owner_id: str = ""
    due_on: str = ""
    status: str = ActionStatus.NOT_STARTED.value
    link: str = ""

    @classmethod
    def of(cls, action: Action) -> ActionForm:
        return cls(
            title=action.title,
            outcome=action.outcome,
            owner_id=str(action.owner_id or ""),
            due_on=action.due_on.isoformat() if action.due_on else "",
            status=action.status,
            link=Link(action.priority_id, action.initiative_id).value,
        )

    def check(self, owner_ids: set[int]) -> Checked[CheckedAction]:
        """The checked values, or what is wrong. Whether the linked priority or initiative may
        be linked is the service's to decide (it knows the plan)."""
        errors = FormErrors()
        title = check_line(self.title, errors, "title", label="what will be done")
        outcome = check_text(
            self.outcome,
            errors,
            "outcome",
            label="the outcome",
            required=False,
            max_length=2000,
        )
        owner: int | None = None
        if self.owner_id:
            owner = as_int(self.owner_id) or -1
            if owner not in owner_ids:
                errors.add("owner_id", "Choose an owner from the people on this account.")
        due: date | None = None
        try:
            due = parse_due(self.due_on.strip())
        except ValueError:
            errors.add(
                "due_on",
                f"Enter the due date as a date between {FIRST_YEAR} and {LAST_YEAR}, "
                "e.g. 2027-03-31.",
            )
        if self.status not in {s.value for s in ActionStatus}:
            errors.add("status", "Choose a status.")
        link = parse_link(self.link)
        if link is None:
            errors.add("link", "Choose a priority or an initiative of this plan, or nothing.")
        if errors or link is None:
            return errors
        return CheckedAction(title, outcome, owner, due, self.status, link)
