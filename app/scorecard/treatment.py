"""What a tier decides (internal to the vendor): per tier, the review cadence its accounts'
plans default to and whether a mentor is required. A workspace admin sets them on the scorecard
page; a tier never set has ``models.DEFAULT_TREATMENT``. An account's page shows its tier's
treatment ("quarterly review, mentor required"), the reviews page offers the cadence as the
default, and the portfolio flags a Strategic account that lacks what its treatment asks.

Keyword-only; flushes, never commits. The four tiers are saved together under the workspace's
lock (one row per workspace and tier, a unique constraint behind it); each changed tier is one
internal event on the global chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.audit import service as audit
from app.kit import versioned
from app.kit.forms import Checked
from app.models import DEFAULT_TREATMENT, Tier, TierTreatment, User, Visibility, utcnow
from app.scorecard import repository
from app.web.forms import FormErrors, as_int

MIN_MONTHS, MAX_MONTHS = 1, 12
TRAIL = versioned.Trail(repository.TREATMENT, Visibility.INTERNAL)
CADENCE_WORDS = {1: "monthly", 3: "quarterly", 6: "twice-yearly", 12: "yearly"}


@dataclass(frozen=True)
class Treatment:
    tier: Tier
    review_months: int
    mentor_required: bool

    @property
    def cadence(self) -> str:
        """'quarterly review', 'review every 2 months'."""
        if word := CADENCE_WORDS.get(self.review_months):
            return f"{word} review"
        return f"review every {self.review_months} months"

    @property
    def summary(self) -> str:
        """'quarterly review, mentor required'."""
        mentor = "mentor required" if self.mentor_required else "no mentor required"
        return f"{self.cadence}, {mentor}"


def of_rows(rows: Sequence[TierTreatment]) -> dict[Tier, Treatment]:
    """Every tier's treatment: the row set for it, else the default."""
    found = {Tier(row.tier): row for row in rows}
    treatments = {}
    for tier in Tier:
        months, mentor = DEFAULT_TREATMENT[tier]
        if (row := found.get(tier)) is not None:
            months, mentor = row.review_months, row.mentor_required
        treatments[tier] = Treatment(tier, months, mentor)
    return treatments


def of_workspace(session: Session, *, workspace_id: int) -> dict[Tier, Treatment]:
    """Every tier's treatment in the workspace: one query."""
    return of_rows(repository.treatments(session, workspace_id=workspace_id))


@dataclass
class TreatmentForm:
    """Per tier, as typed: ``months_<tier>`` and the checkbox ``mentor_<tier>`` (sent when
    ticked)."""

    months_strategic: str = ""
    mentor_strategic: str = ""
    months_develop: str = ""
    mentor_develop: str = ""
    months_maintain: str = ""
    mentor_maintain: str = ""
    months_opportunistic: str = ""
    mentor_opportunistic: str = ""

    @classmethod
    def of(cls, treatments: dict[Tier, Treatment]) -> TreatmentForm:
        form = cls()
        for tier, treatment in treatments.items():
            setattr(form, f"months_{tier.value}", str(treatment.review_months))
            setattr(form, f"mentor_{tier.value}", "on" if treatment.mentor_required else "")
        return form

    def months(self, tier: Tier) -> str:
        return str(getattr(self, f"months_{tier.value}"))

    def mentor(self, tier: Tier) -> bool:
        return bool(getattr(self, f"mentor_{tier.value}"))

    def check(self) -> Checked[dict[Tier, Treatment]]:
        errors = FormErrors()
        checked = {}
        for tier in Tier:
            months = as_int(self.months(tier), max_digits=2)
            if months is None or not MIN_MONTHS <= months <= MAX_MONTHS:
                errors.add(
                    f"months_{tier.value}",
                    f"Choose how often {tier.label} accounts are reviewed: every "
                    f"{MIN_MONTHS} to {MAX_MONTHS} months.",
                )
                continue
            checked[tier] = Treatment(tier, months, self.mentor(tier))
        return errors if errors else checked


def save(session: Session, *, actor: User, workspace_id: int, wanted: dict[Tier, Treatment]) -> int:
    """Save every tier's treatment; the number of tiers changed (0: nothing changed)."""
    repository.lock_workspace(session, workspace_id=workspace_id)
    rows = {Tier(r.tier): r for r in repository.treatments(session, workspace_id=workspace_id)}
    before = of_rows(list(rows.values()))
    changed = 0
    for tier, treatment in wanted.items():
        old = before[tier]
        if old == treatment:
            continue
        row = rows.get(tier) or TierTreatment(workspace_id=workspace_id, tier=tier.value)
        row.review_months, row.mentor_required = treatment.review_months, treatment.mentor_required
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        changes = audit.diff(
            {"tier": tier.value, "review_months": old.review_months, "mentor": old.mentor_required},
            {
                "tier": tier.value,
                "review_months": treatment.review_months,
                "mentor": treatment.mentor_required,
            },
        )
        TRAIL.event(session, actor, row, "scorecard.treatment_changed", changes)
        changed += 1
    return changed
