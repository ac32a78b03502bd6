"""The account team's planned hours per account per quarter (internal to the vendor): where the
team means to spend its time, which the portfolio sums by tier.

Keyword-only; flushes, never commits. Recording a quarter's hours checks for the quarter's row
and then writes it: the account row is locked first (``FOR NO KEY UPDATE`` on PostgreSQL;
SQLite's writers queue), and the form carries the version of each offered quarter it showed
(0: none yet), so of two people saving the same quarter at once one saves and the other is
refused with ``StaleEdit`` (nothing written, no figure silently replaced); the unique
constraint on (account, quarter) stands behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.audit import service as audit
from app.db import for_write
from app.kit import versioned
from app.kit.forms import Checked
from app.models import PlannedHours, User, Visibility
from app.web.forms import FormErrors, as_int, check_text

ITEM = "planned_hours"
TRAIL = versioned.Trail(ITEM, Visibility.INTERNAL)
MAX_HOURS = 100_000
MAX_NOTE = 500
QUARTERS_AHEAD = 3  # the form offers this quarter and the next three


def quarter_of(day: date) -> str:
    """'2026-Q4'."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_from(day: date, count: int = QUARTERS_AHEAD + 1) -> list[str]:
    """``count`` quarters from the one ``day`` is in."""
    year, q = day.year, (day.month - 1) // 3
    found = []
    for n in range(count):
        found.append(f"{year + (q + n) // 4}-Q{(q + n) % 4 + 1}")
    return found


@dataclass(frozen=True)
class HoursValues:
    quarter: str
    hours: int
    note: str


def versions_of(planned: Sequence[PlannedHours], quarters: Sequence[str]) -> str:
    """The form's ``versions``: each offered quarter's version as shown, 0 for none yet, as
    ``2026-Q4:2 2027-Q1:0``."""
    by_quarter = {row.quarter: row.version for row in planned}
    return " ".join(f"{q}:{by_quarter.get(q, 0)}" for q in quarters)


@dataclass
class HoursForm:
    """As typed; ``versions`` (hidden) is what ``versions_of`` wrote when the form was shown."""

    quarter: str = ""
    hours: str = ""
    note: str = ""
    versions: str = ""

    def expected_version(self, quarter: str) -> int:
        """The version of ``quarter`` the form was based on; 0 (none yet) when it did not say."""
        for pair in self.versions.split():
            name, _, version = pair.partition(":")
            if name == quarter:
                return as_int(version, max_digits=9) or 0
        return 0

    def based_on(self, quarter: str, version: int) -> HoursForm:
        """The same form, now based on ``version`` of ``quarter`` (after a stale save)."""
        others = [p for p in self.versions.split() if p.partition(":")[0] != quarter]
        return replace(self, versions=" ".join([*others, f"{quarter}:{version}"]))

    def check(self, quarters: Sequence[str]) -> Checked[HoursValues]:
        errors = FormErrors()
        if self.quarter not in quarters:
            errors.add("quarter", "Choose the quarter: this one or one of the next three.")
        hours = as_int(self.hours.replace(",", "").replace(" ", ""), max_digits=6)
        if hours is None or hours > MAX_HOURS:
            errors.add(
                "hours", f"Write the planned hours as a whole number from 0 to {MAX_HOURS:,}."
            )
        note = check_text(
            self.note, errors, "note", label="the note", required=False, max_length=MAX_NOTE
        )
        if errors or hours is None:
            return errors
        return HoursValues(self.quarter, hours, note)


def of_account(session: Session, *, account_id: int) -> Sequence[PlannedHours]:
    """The account's planned hours, latest quarter first: one query."""
    return session.exec(
        select(PlannedHours)
        .where(PlannedHours.account_id == account_id)
        .order_by(col(PlannedHours.quarter).desc())
    ).all()


def record(
    session: Session,
    *,
    actor: User,
    account_id: int,
    values: HoursValues,
    expected_version: int,
) -> bool:
    """The account's hours for ``values.quarter``, made or replaced; False when unchanged.
    Raises ``StaleEdit`` (nothing written) when the quarter's hours were saved after the version
    the form showed: a newer version, or a first save (``expected_version`` 0) finding a row."""
    accounts_repo.lock_account(session, account_id=account_id)
    row = session.exec(
        for_write(
            session,
            select(PlannedHours)
            .where(PlannedHours.account_id == account_id)
            .where(PlannedHours.quarter == values.quarter)
            .execution_options(populate_existing=True),
        )
    ).first()
    if row is None:
        row = PlannedHours(account_id=account_id, quarter=values.quarter, updated_by_id=actor.id)
        row.hours, row.note = values.hours, values.note
        after = {"quarter": values.quarter, "hours": values.hours, "note": values.note}
        TRAIL.created(session, actor, row, after, verb="hours.planned")
        return True
    versioned.check_version(session, row, expected_version, item_type=ITEM)
    before = {"hours": row.hours, "note": row.note}
    changes = audit.diff(before, {"hours": values.hours, "note": values.note})
    if not changes:
        return False
    row.hours, row.note, row.updated_by_id = values.hours, values.note, actor.id
    TRAIL.change(session, actor, row, "hours.planned", {"quarter": [None, row.quarter]} | changes)
    return True
