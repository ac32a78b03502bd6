"""The opportunity form, checked into values or a message per field; what was typed always
comes back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.kit import numbers
from app.kit.forms import Checked, parse_amount
from app.models import Opportunity, OpportunityStatus
from app.opportunities.scoring import RATINGS
from app.results.schemas import BID_REASONS, REASON_REQUIRED
from app.web.forms import FormErrors, as_int, check_line, check_text

MAX_SIZE_DIGITS = 12
MAX_DAYS = 3650

# name -> (label, what 1 means, what 5 means)
RATING_SCALES: dict[str, tuple[str, str, str]] = {
    "profitability": ("Profitability for us", "thin or no margin", "among our best margins"),
    "need": ("The client's need for our offer", "nice to have", "they cannot do without it"),
    "growth": (
        "Growth of that part of the client's business",
        "shrinking",
        "growing fast",
    ),
    "importance": (
        "Importance of our offer to the client's business",
        "peripheral",
        "core to how they compete",
    ),
    "history": ("Our track record with the account", "none, or poor", "long and successful"),
    "relationship": (
        "Our relationships with the decision makers",
        "we do not know them",
        "they trust us",
    ),
}
assert tuple(RATING_SCALES) == RATINGS

STATUS_LABELS = {
    OpportunityStatus.OPEN.value: "Open",
    OpportunityStatus.WON.value: "Won",
    OpportunityStatus.LOST.value: "Lost",
    OpportunityStatus.DROPPED.value: "Dropped",
}


def parse_size(value: str, locale: str = numbers.DEFAULT_LOCALE) -> int | None:
    """A whole amount of up to 12 digits (``app.kit.forms.parse_amount``); None if not one."""
    return parse_amount(value, locale, max_digits=MAX_SIZE_DIGITS)


@dataclass(frozen=True)
class OpportunityValues:
    """A checked opportunity: what the services take."""

    title: str
    description: str
    size: int
    days: int
    ratings: dict[str, int]
    owner_id: int | None
    status: str
    priority_ids: list[int]
    bid_reason: str = ""  # why it was won, lost or dropped ('' while open)
    bid_note: str = ""

    def values(self) -> dict[str, Any]:
        """The opportunity's fields as the audit trail records them."""
        return {
            "title": self.title,
            "description": self.description,
            "size": self.size,
            "days": self.days,
            **self.ratings,
            "owner_id": self.owner_id,
            "status": self.status,
            "bid_reason": self.bid_reason,
            "bid_note": self.bid_note,
            "priority_ids": self.priority_ids,
        }


@dataclass
class OpportunityForm:
    title: str = ""
    description: str = ""
    size: str = ""
    days: str = ""
    profitability: str = ""
    need: str = ""
    growth: str = ""
    importance: str = ""
    history: str = ""
    relationship: str = ""
    owner_id: str = ""
    status: str = OpportunityStatus.OPEN.value
    priority_ids: tuple[str, ...] = ()
    bid_reason: str = ""
    bid_note: str = ""

    @property
    def ratings(self) -> dict[str, str]:
        """The typed rating of each scale, by name."""
        return {name: getattr(self, name) for name in RATINGS}

    @classmethod
    def of(
        cls,
        opportunity: Opportunity,
        priority_ids: list[int],
        locale: str = numbers.DEFAULT_LOCALE,
    ) -> OpportunityForm:
        return cls(
            title=opportunity.title,
            description=opportunity.description,
            size=numbers.number(opportunity.size, locale),
            days=str(opportunity.days),
            **{name: str(getattr(opportunity, name)) for name in RATINGS},
            owner_id=str(opportunity.owner_id or ""),
            status=opportunity.status,
            priority_ids=tuple(str(p) for p in priority_ids),
            bid_reason=opportunity.bid_reason,
            bid_note=opportunity.bid_note,
        )

    def check(
        self,
        owner_ids: set[int],
        priority_ids: set[int],
        locale: str = numbers.DEFAULT_LOCALE,
    ) -> Checked[OpportunityValues]:
        """The checked values, or what is wrong. ``owner_ids``: who may own it (the account's
        active vendor members, and its current owner); ``priority_ids``: the active priorities
        of the account's current plan (a link to anything else is refused); ``locale``: the
        reader's, whose grouping of thousands the size may use."""
        errors = FormErrors()
        self.title = check_line(self.title, errors, "title", label="a title")
        self.description = check_text(
            self.description,
            errors,
            "description",
            label="the description",
            required=False,
            max_length=4000,
        )
        size, days = self._size(errors, locale), self._days(errors)
        ratings = self._ratings(errors)
        owner: int | None = None
        if self.owner_id:
            owner = as_int(self.owner_id) or -1
            if owner not in owner_ids:
                errors.add("owner_id", "Choose an owner from your team in this account, or nobody.")
        if self.status not in STATUS_LABELS:
            errors.add("status", "Choose open, won, lost or dropped.")
        linked = self._links(errors, priority_ids)
        bid_reason, bid_note = self._bid(errors)
        if errors or size is None or days is None:
            return errors
        return OpportunityValues(
            title=self.title,
            description=self.description,
            size=size,
            days=days,
            ratings=ratings,
            owner_id=owner,
            status=self.status,
            priority_ids=sorted(linked),
            bid_reason=bid_reason,
            bid_note=bid_note,
        )

    def _bid(self, errors: FormErrors) -> tuple[str, str]:
        """The bid record: why it was won, lost or dropped (required for lost and dropped),
        and a note; an open opportunity keeps neither (what was typed stays in the form)."""
        self.bid_note = check_text(
            self.bid_note, errors, "bid_note", label="the note", required=False, max_length=1000
        )
        if self.status == OpportunityStatus.OPEN.value or self.status not in STATUS_LABELS:
            return "", ""
        if self.bid_reason and self.bid_reason not in BID_REASONS:
            errors.add("bid_reason", "Choose a reason from the list.")
        elif not self.bid_reason and self.status in REASON_REQUIRED:
            label = STATUS_LABELS[self.status].lower()
            errors.add(
                "bid_reason",
                f"Choose why it was {label}: the reason counts in the account's results. "
                "“Other” with a note will do.",
            )
        return self.bid_reason, self.bid_note

    def _size(self, errors: FormErrors, locale: str) -> int | None:
        self.size = self.size.strip()
        size = parse_size(self.size, locale)
        if not self.size:
            errors.add("size", "Enter the size: what the opportunity is worth, e.g. 120,000.")
        elif size is None:
            errors.add(
                "size",
                "Enter the size as a whole amount of up to 12 digits, without decimals or a "
                "currency sign, e.g. 120,000 or 120 000.",
            )
        return size

    def _days(self, errors: FormErrors) -> int | None:
        self.days = self.days.strip()
        days = as_int(self.days, max_digits=4)
        if not self.days:
            errors.add("days", "Enter how many days of effort it takes to win it.")
        elif days is None or not 1 <= days <= MAX_DAYS:
            errors.add("days", f"Enter a whole number of days from 1 to {MAX_DAYS:,}.")
        return days

    def _ratings(self, errors: FormErrors) -> dict[str, int]:
        ratings: dict[str, int] = {}
        for name, (label, _, _) in RATING_SCALES.items():
            raw = getattr(self, name).strip()
            setattr(self, name, raw)
            rating = as_int(raw, max_digits=1)
            if rating is None or not 1 <= rating <= 5:
                errors.add(name, f"Choose 1 to 5 for “{label}”.")
            else:
                ratings[name] = rating
        return ratings

    def _links(self, errors: FormErrors, priority_ids: set[int]) -> list[int]:
        linked: list[int] = []
        for raw in self.priority_ids:
            chosen = as_int(raw) or -1
            if chosen not in priority_ids:
                errors.add(
                    "priority_ids", "Choose priorities from the client's current ranked list."
                )
            elif chosen not in linked:
                linked.append(chosen)
        return linked
