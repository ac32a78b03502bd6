"""The form that starts the next period: its name and dates, what is left behind, and the
confirmation step (starting a period cannot be undone)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.actions.schemas import FIRST_YEAR, LAST_YEAR, parse_due
from app.kit.forms import Checked
from app.web.forms import FormErrors, as_int, check_line

PERIOD_MAX = 50  # Plan.period
CONFIRM = "confirm"  # the step that starts the period; any other shows what will happen
EDIT = "edit"  # back from the confirmation to the form, with the choices made


@dataclass(frozen=True)
class NextPeriod:
    """The checked form: the new period, the period it starts from (the current plan as the
    form saw it), and the ids of the open items to leave behind."""

    period: str
    starts_on: date
    ends_on: date
    from_plan: int
    leave: frozenset[int]


def _date(value: str, errors: FormErrors, field: str, label: str) -> date | None:
    """The date of an HTML date input, or None with the error noted (missing or not a date)."""
    try:
        found = parse_due(value.strip())
    except ValueError:
        errors.add(field, f"Enter {label} as a date between {FIRST_YEAR} and {LAST_YEAR}.")
        return None
    if found is None:
        errors.add(field, f"Enter {label}, e.g. 2027-01-01.")
    return found


@dataclass
class NextPeriodForm:
    period: str = ""
    starts_on: str = ""
    ends_on: str = ""
    from_plan: str = ""
    leave: tuple[str, ...] = ()
    step: str = ""

    @property
    def left(self) -> set[str]:
        """The ids left behind, as typed (for ticking their boxes again)."""
        return set(self.leave)

    def check(self, *, taken: Iterable[str], open_ids: set[int]) -> Checked[NextPeriod]:
        """``taken``: the names of the account's periods; ``open_ids``: the items that may
        carry over (an id that is not one of them is refused, not ignored)."""
        errors = FormErrors()
        period = check_line(
            self.period, errors, "period", label="the name of the new period", max_length=PERIOD_MAX
        )
        if period and period.casefold() in {name.casefold() for name in taken}:
            errors.add("period", f"There is already a period called “{period}”: choose another.")
        starts_on = _date(self.starts_on, errors, "starts_on", "the first day of the period")
        ends_on = _date(self.ends_on, errors, "ends_on", "the last day of the period")
        if starts_on and ends_on and ends_on <= starts_on:
            errors.add("ends_on", "The period has to end after it starts.")
        leave = {as_int(value) for value in self.leave}
        if not leave <= open_ids:
            errors.add(
                "leave", "Some of the items to leave behind are not open items of this plan."
            )
        from_plan = as_int(self.from_plan)
        if from_plan is None:
            errors.add("period", "Open the form again from the plan and start over.")
        if errors or starts_on is None or ends_on is None or from_plan is None:
            return errors
        return NextPeriod(period, starts_on, ends_on, from_plan, frozenset(i for i in leave if i))
