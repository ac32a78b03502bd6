"""The priority form, checked into values or field errors; what was typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import Horizon, Importance, Priority
from app.web.forms import FormErrors, as_int, check_line, check_text


@dataclass(frozen=True)
class PriorityValues:
    """A checked priority: what the services take."""

    title: str
    description: str = ""
    importance: str = Importance.HIGH.value
    horizon: str = Horizon.NEXT.value
    owner_id: int | None = None  # None: nobody yet (and always for a vendor suggestion)


@dataclass
class PriorityForm:
    title: str = ""
    description: str = ""
    importance: str = Importance.HIGH.value
    horizon: str = Horizon.NEXT.value
    owner_id: str = ""

    @classmethod
    def of(cls, priority: Priority) -> PriorityForm:
        return cls(
            title=priority.title,
            description=priority.description,
            importance=priority.importance,
            horizon=priority.horizon,
            owner_id=str(priority.owner_id or ""),
        )

    def check(self, owner_ids: set[int]) -> Checked[PriorityValues]:
        """The checked priority, owned by one of ``owner_ids`` or by nobody."""
        errors = FormErrors()
        title = check_line(self.title, errors, "title", label="a title")
        description = check_text(
            self.description,
            errors,
            "description",
            label="the description",
            required=False,
            max_length=4000,
        )
        if self.importance not in {i.value for i in Importance}:
            errors.add("importance", "Choose how important this is.")
        if self.horizon not in {h.value for h in Horizon}:
            errors.add("horizon", "Choose a time horizon.")
        owner: int | None = None
        if self.owner_id:
            owner = as_int(self.owner_id) or -1
            if owner not in owner_ids:
                errors.add("owner_id", "Choose an owner from your organisation's members.")
        if errors:
            return errors
        return PriorityValues(title, description, self.importance, self.horizon, owner)


def check_reason(value: str, errors: FormErrors) -> str:
    """The client's reason for rejecting a suggestion: required, so the vendor learns why."""
    return check_text(
        value, errors, "reason", label="why this is not one of your priorities", max_length=2000
    )


def check_order(values: list[str], errors: FormErrors) -> list[int]:
    """The complete new order of the active priorities, as ids (each once)."""
    ids: list[int] = []
    for value in values:
        number = as_int(value)
        if number is None:
            errors.add("ids", "The new order is not readable. Reload the page and try again.")
            return []
        ids.append(number)
    if not ids:
        errors.add("ids", "Send the complete new order of the priorities.")
    elif len(set(ids)) != len(ids):
        errors.add("ids", "A priority appears twice in the new order. Reload the page.")
    return ids
