"""The goal and actual forms, checked into values or a message per field (what was typed always
comes back), and the words of the bid record's reasons.

Money is a whole amount in the workspace's currency, as an opportunity's size is
(``app.kit.forms.parse_amount``); share of wallet a whole percentage, 0 to 100."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.kit import numbers
from app.kit.forms import Checked, parse_amount
from app.models import AccountActual, AccountGoal, BidReason, OpportunityStatus
from app.web.forms import FormErrors, as_int

MAX_DIGITS = 12
FIRST_YEAR, LAST_YEAR = 2000, 2100
QUARTERS = (1, 2, 3, 4)

# Why a bid was won, lost or dropped, in the words the form and the pages use.
BID_REASONS: dict[str, str] = {
    BidReason.PRICE.value: "Price",
    BidReason.OFFER.value: "How well our offer fits the need",
    BidReason.RELATIONSHIP.value: "Our relationships with the decision makers",
    BidReason.COMPETITOR.value: "A competitor's offer",
    BidReason.TIMING.value: "Timing or budget",
    BidReason.NO_DECISION.value: "The client decided not to buy",
    BidReason.CAPACITY.value: "Our capacity to deliver",
    BidReason.OTHER.value: "Other (say why in the note)",
}
# Closing a bid as lost or dropped needs its reason; a win may give one.
REASON_REQUIRED = frozenset({OpportunityStatus.LOST.value, OpportunityStatus.DROPPED.value})
CLOSED = frozenset({OpportunityStatus.WON.value, *REASON_REQUIRED})


@dataclass(frozen=True)
class Figures:
    """Checked revenue, margin and share of wallet."""

    revenue: int
    margin: int
    share_of_wallet: int

    def values(self) -> dict[str, Any]:
        return {
            "revenue": self.revenue,
            "margin": self.margin,
            "share_of_wallet": self.share_of_wallet,
        }


@dataclass(frozen=True)
class GoalValues(Figures):
    year: int


@dataclass(frozen=True)
class ActualValues(Figures):
    year: int
    quarter: int


def _money(raw: str, errors: FormErrors, name: str, label: str, locale: str) -> int | None:
    raw = raw.strip()
    amount = parse_amount(raw, locale, max_digits=MAX_DIGITS)
    if not raw:
        errors.add(name, f"Enter the {label}, a whole amount such as 1,200,000 (0 for none).")
    elif amount is None:
        errors.add(
            name,
            f"Enter the {label} as a whole amount of up to 12 digits, without decimals or a "
            "currency sign, e.g. 1,200,000 or 1 200 000.",
        )
    return amount


def _share(raw: str, errors: FormErrors) -> int | None:
    raw = raw.strip().removesuffix("%").strip()
    share = as_int(raw, max_digits=3)
    if not raw:
        errors.add("share_of_wallet", "Enter the share of wallet, a percentage from 0 to 100.")
    elif share is None or not 0 <= share <= 100:
        errors.add("share_of_wallet", "Enter the share of wallet as a whole number from 0 to 100.")
    return share


def _year(raw: str, errors: FormErrors) -> int | None:
    year = as_int(raw.strip(), max_digits=4)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        errors.add("year", f"Choose a year from {FIRST_YEAR} to {LAST_YEAR}.")
        return None
    return year


@dataclass
class FiguresForm:
    year: str = ""
    revenue: str = ""
    margin: str = ""
    share_of_wallet: str = ""

    def _figures(self, errors: FormErrors, locale: str) -> tuple[int | None, ...]:
        self.revenue, self.margin = self.revenue.strip(), self.margin.strip()
        self.share_of_wallet = self.share_of_wallet.strip()
        return (
            _money(self.revenue, errors, "revenue", "revenue", locale),
            _money(self.margin, errors, "margin", "margin", locale),
            _share(self.share_of_wallet, errors),
        )

    def _typed(self, item: AccountGoal | AccountActual, locale: str) -> None:
        self.year = str(item.year)
        self.revenue = numbers.number(item.revenue, locale)
        self.margin = numbers.number(item.margin, locale)
        self.share_of_wallet = str(item.share_of_wallet)


@dataclass
class GoalForm(FiguresForm):
    """A year's goals: revenue and margin for the year, the share of wallet to reach."""

    @classmethod
    def of(cls, goal: AccountGoal | None, year: int, locale: str) -> GoalForm:
        form = cls(year=str(year))
        if goal is not None:
            form._typed(goal, locale)
        return form

    def check(self, locale: str = numbers.DEFAULT_LOCALE) -> Checked[GoalValues]:
        errors = FormErrors()
        year = _year(self.year, errors)
        revenue, margin, share = self._figures(errors, locale)
        if errors or year is None or revenue is None or margin is None or share is None:
            return errors
        return GoalValues(revenue=revenue, margin=margin, share_of_wallet=share, year=year)


@dataclass
class ActualForm(FiguresForm):
    """What one quarter really brought: its revenue and margin, the share of wallet then."""

    quarter: str = ""

    @classmethod
    def of(cls, actual: AccountActual | None, year: int, quarter: int, locale: str) -> ActualForm:
        form = cls(year=str(year), quarter=str(quarter))
        if actual is not None:
            form._typed(actual, locale)
        return form

    def check(self, today: date, locale: str = numbers.DEFAULT_LOCALE) -> Checked[ActualValues]:
        """``today``: the reader's; a quarter that has not begun has no actuals yet."""
        errors = FormErrors()
        year = _year(self.year, errors)
        quarter = as_int(self.quarter.strip(), max_digits=1)
        if quarter not in QUARTERS:
            errors.add("quarter", "Choose a quarter, 1 to 4.")
        elif year is not None and (year, quarter) > (today.year, quarter_of(today)):
            errors.add("quarter", "That quarter has not begun: record it once it has.")
        revenue, margin, share = self._figures(errors, locale)
        if errors or year is None or quarter is None:
            return errors
        if revenue is None or margin is None or share is None:
            return errors
        return ActualValues(
            revenue=revenue, margin=margin, share_of_wallet=share, year=year, quarter=quarter
        )


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1
