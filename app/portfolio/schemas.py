"""The portfolio's query string: the sort column and direction, and the filters.

A GET page with a filter form should never refuse a link someone bookmarked or hand-edited: a
value it does not know falls back to the default (no filter, the default order) instead of an
error page, and the page says which filter was ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from app.models import PlanStatus, Tier

PATH = "/portfolio"
CSV_PATH = "/portfolio.csv"
MAX_SEARCH = 100

# Column key -> (its heading, the direction a first click sorts in). Low figures first for the
# shares (the accounts that need attention lead), the most overdue / largest gap first.
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("Account", "asc"),
    "tier": ("Tier", "asc"),
    "plan": ("Plan", "asc"),
    "focus": ("Client focus", "asc"),
    "coverage": ("Coverage", "asc"),
    "value": ("Client value", "asc"),
    "gap": ("Perception gap", "desc"),
    "overdue": ("Overdue actions", "desc"),
    "review": ("Next review", "asc"),
}
DEFAULT_SORT = "tier"  # then by name: the stable default order

UNSCORED = "unscored"
NO_PLAN = "none"
TIER_CHOICES: dict[str, str] = {t.value: t.label for t in Tier} | {UNSCORED: "Not scored"}
STATE_CHOICES: dict[str, str] = {
    PlanStatus.DRAFT.value: "Draft",
    PlanStatus.SUBMITTED.value: "Submitted for agreement",
    PlanStatus.AGREED.value: "Agreed",
    NO_PLAN: "No current plan",
}
REVIEW_CHOICES: dict[str, str] = {
    "due": "Due soon",
    "overdue": "Overdue",
    "attention": "Due soon or overdue",
}


@dataclass(frozen=True)
class PortfolioQuery:
    sort: str = DEFAULT_SORT
    direction: str = "asc"
    tier: str = ""
    state: str = ""
    review: str = ""
    q: str = ""
    ignored: tuple[str, ...] = field(default=(), compare=False)  # what was not understood

    @classmethod
    def parse(
        cls, *, sort: str, direction: str, tier: str, state: str, review: str, q: str
    ) -> PortfolioQuery:
        ignored: list[str] = []

        def choice(value: str, allowed: dict[str, str], label: str) -> str:
            value = value.strip().lower()
            if value and value not in allowed:
                ignored.append(label)
                return ""
            return value

        sort = sort.strip().lower()
        if sort and sort not in COLUMNS:
            ignored.append("sort order")
        if sort not in COLUMNS:
            sort = DEFAULT_SORT
        direction = direction.strip().lower()
        if direction not in ("asc", "desc"):
            direction = COLUMNS[sort][1]
        search = " ".join(q.split())  # control characters and runs of spaces fold away
        if len(search) > MAX_SEARCH:
            search = search[:MAX_SEARCH]
            ignored.append(f"the end of the search text (over {MAX_SEARCH} characters)")
        return cls(
            sort=sort,
            direction=direction,
            tier=choice(tier, TIER_CHOICES, "tier filter"),
            state=choice(state, STATE_CHOICES, "plan state filter"),
            review=choice(review, REVIEW_CHOICES, "review filter"),
            q=search,
            ignored=tuple(ignored),
        )

    @property
    def descending(self) -> bool:
        return self.direction == "desc"

    @property
    def is_filtered(self) -> bool:
        return bool(self.tier or self.state or self.review or self.q)

    def _params(self) -> dict[str, str]:
        params = {
            "sort": self.sort,
            "dir": self.direction,
            "tier": self.tier,
            "state": self.state,
            "review": self.review,
            "q": self.q,
        }
        if self.sort == DEFAULT_SORT and self.direction == COLUMNS[DEFAULT_SORT][1]:
            params.pop("sort"), params.pop("dir")
        return {key: value for key, value in params.items() if value}

    def url(self, path: str = PATH) -> str:
        query = urlencode(self._params())
        return f"{path}?{query}" if query else path

    def csv_url(self) -> str:
        """The same rows, in the same order, as a CSV file."""
        return self.url(CSV_PATH)

    def sorted_by(self, column: str) -> str:
        """The link of a column heading: sort by it, the other way round if it is the current
        sort; the filters stay."""
        if column == self.sort:
            direction = "asc" if self.descending else "desc"
        else:
            direction = COLUMNS[column][1]
        return replace(self, sort=column, direction=direction).url()

    def by(self, column: str, direction: str) -> str:
        """A link sorted by ``column`` in ``direction``; the filters stay."""
        return replace(self, sort=column, direction=direction).url()

    def filtered(self, *, tier: str = "", state: str = "", review: str = "", q: str = "") -> str:
        """A link with these filters (and only these), keeping the sort."""
        return replace(self, tier=tier, state=state, review=review, q=q).url()

    def cleared(self) -> str:
        """The same order without any filter."""
        return self.filtered()

    def aria_sort(self, column: str) -> str:
        if column != self.sort:
            return ""
        return "descending" if self.descending else "ascending"
