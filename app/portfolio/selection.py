"""Where the team's time goes, by tier, and the accounts whose treatment does not match their
tier (internal to the vendor; the portfolio page shows it).

- Time: the account team's planned hours of the current quarter (``app.scorecard.hours``),
  summed per tier, with each tier's share of the total. More than
  ``OPPORTUNISTIC_SHARE_LIMIT`` of the hours on Opportunistic accounts is flagged: time the
  scorecard says is better spent elsewhere.
- Mismatches: a Strategic account without the mentor its treatment requires
  (``app.scorecard.treatment``), without a joint plan (no client people on the plan nor
  invited to it), or without the client's yes to a key-account relationship
  (``app.keyaccount``).

Every fact comes with the accounts' own query (``repository.visible_accounts``): the report
costs no query of its own, whatever the number of accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from app.models import DEFAULT_TREATMENT, KeyAccountWish, Tier
from app.portfolio.repository import Selection
from app.scorecard.hours import quarter_of

# A share of the planned hours on Opportunistic accounts above this is flagged.
OPPORTUNISTIC_SHARE_LIMIT = 0.25


class Gap(StrEnum):
    NO_MENTOR = "no_mentor"
    NO_JOINT_PLAN = "no_joint_plan"
    NO_YES = "no_yes"


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    name: str
    gap: Gap
    detail: str  # what is missing, in words


@dataclass(frozen=True)
class TierTime:
    key: str  # a tier's value, or "unscored"
    label: str
    accounts: int
    hours: int
    share: float | None  # of all planned hours; None: no hours planned at all


@dataclass(frozen=True)
class TimeReport:
    quarter: str
    total: int
    tiers: list[TierTime]
    mismatches: list[Mismatch]
    unplanned: int  # visible accounts without hours for the quarter
    opportunistic_share: float | None

    @property
    def too_much_opportunistic(self) -> bool:
        return (self.opportunistic_share or 0) > OPPORTUNISTIC_SHARE_LIMIT

    @property
    def limit(self) -> float:
        return OPPORTUNISTIC_SHARE_LIMIT


class Scored(Protocol):
    """What the report needs of a portfolio row."""

    @property
    def account_id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def tier(self) -> Tier | None: ...

    @property
    def selection(self) -> Selection | None: ...


def _answer_words(answer: str | None) -> str:
    if answer is None:
        return "the client has not answered whether it wants a key-account relationship"
    return f"the client answered “{KeyAccountWish(answer).label}” to a key-account relationship"


def _mismatches(row: Scored, facts: Selection) -> list[Mismatch]:
    """What a Strategic account lacks of its treatment."""
    found = []
    required = facts.strategic_mentor
    if required is None:
        required = DEFAULT_TREATMENT[Tier.STRATEGIC][1]
    if required and not facts.mentored:
        found.append(Mismatch(row.account_id, row.name, Gap.NO_MENTOR, "no mentor"))
    if not facts.joint:
        detail = "no joint plan: no client people on the plan or invited to it"
        found.append(Mismatch(row.account_id, row.name, Gap.NO_JOINT_PLAN, detail))
    if facts.answer != KeyAccountWish.YES.value:
        found.append(Mismatch(row.account_id, row.name, Gap.NO_YES, _answer_words(facts.answer)))
    return found


def _tiers(rows: Sequence[Scored], total: int) -> list[TierTime]:
    keys: list[tuple[str, str, Tier | None]] = [(t.value, t.label, t) for t in Tier]
    keys.append(("unscored", "Not scored", None))
    found = []
    for key, label, tier in keys:
        members = [row for row in rows if row.tier is tier]
        spent = sum(_hours(row) for row in members)
        found.append(TierTime(key, label, len(members), spent, spent / total if total else None))
    return found


def _hours(row: Scored) -> int:
    return (row.selection.hours or 0) if row.selection else 0


def report(rows: Sequence[Scored], *, today: date) -> TimeReport:
    """The quarter's time by tier and the mismatches of the accounts in ``rows``, from what
    the portfolio's rows carry (no query of its own)."""
    total = sum(_hours(row) for row in rows)
    tiers = _tiers(rows, total)
    mismatches = []
    for row in rows:
        if row.tier is Tier.STRATEGIC and row.selection is not None:
            mismatches.extend(_mismatches(row, row.selection))
    return TimeReport(
        quarter=quarter_of(today),
        total=total,
        tiers=tiers,
        mismatches=mismatches,
        unplanned=sum(1 for row in rows if row.selection is None or row.selection.hours is None),
        opportunistic_share=next(t for t in tiers if t.key == Tier.OPPORTUNISTIC.value).share,
    )
