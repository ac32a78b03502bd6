"""What a tier decides (internal to the vendor): per tier, the review cadence its accounts'
plans default to and whether a mentor is required. A workspace admin sets them on the scorecard
page; a tier never set has ``models.DEFAULT_TREATMENT``. An account's page shows its tier's
treatment ("quarterly review, mentor required"), the reviews page offers the cadence as the
default, and the portfolio flags a Strategic account that lacks what its treatment asks.

Keyword-only; flushes, never commits. The four tiers are saved together under the workspace's
lock (one row per workspace and tier, a unique constraint behind it); each changed tier is one
internal event on the global chain and a new version of its row. The form carries the version
of every tier it showed (0: never set), and a save is refused with ``StaleEdit`` when any tier
was saved since: the form sends all four tiers, so saving it would put back what another admin
changed on a tier this admin did not touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.audit import repository as audit_repo
from app.audit import service as audit
from app.kit import versioned
from app.kit.forms import Checked
from app.models import DEFAULT_TREATMENT, Tier, TierTreatment, User, Visibility
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


def versions_of(rows: Sequence[TierTreatment]) -> dict[Tier, int]:
    """Every tier's version: its row's, 0 for a tier never set."""
    found = {Tier(row.tier): row.version for row in rows}
    return {tier: found.get(tier, 0) for tier in Tier}


@dataclass(frozen=True)
class Saved:
    """The treatment as saved now (what a ``StaleEdit`` shows) and the versions it is at."""

    treatments: dict[Tier, Treatment]
    versions: dict[Tier, int]


def of_workspace(session: Session, *, workspace_id: int) -> dict[Tier, Treatment]:
    """Every tier's treatment in the workspace: one query."""
    return of_rows(repository.treatments(session, workspace_id=workspace_id))


@dataclass
class TreatmentForm:
    """Per tier, as typed: ``months_<tier>``, the checkbox ``mentor_<tier>`` (sent when
    ticked) and the hidden ``version_<tier>`` the form was based on (0: never set)."""

    months_strategic: str = ""
    mentor_strategic: str = ""
    months_develop: str = ""
    mentor_develop: str = ""
    months_maintain: str = ""
    mentor_maintain: str = ""
    months_opportunistic: str = ""
    mentor_opportunistic: str = ""
    version_strategic: str = ""
    version_develop: str = ""
    version_maintain: str = ""
    version_opportunistic: str = ""

    @classmethod
    def of(cls, treatments: dict[Tier, Treatment], versions: dict[Tier, int]) -> TreatmentForm:
        form = cls().based_on(versions)
        for tier, treatment in treatments.items():
            setattr(form, f"months_{tier.value}", str(treatment.review_months))
            setattr(form, f"mentor_{tier.value}", "on" if treatment.mentor_required else "")
        return form

    def based_on(self, versions: dict[Tier, int]) -> TreatmentForm:
        """The same form, now based on ``versions`` (after a stale save, the saved ones)."""
        for tier, version in versions.items():
            setattr(self, f"version_{tier.value}", str(version))
        return self

    def hidden_versions(self) -> dict[str, str]:
        """The hidden inputs that carry the versions the form is based on."""
        return {f"version_{tier.value}": self.version(tier) for tier in Tier}

    def version(self, tier: Tier) -> str:
        return str(getattr(self, f"version_{tier.value}"))

    def versions(self) -> dict[Tier, int]:
        """The version of each tier the form was based on (0 when it did not say)."""
        return {tier: as_int(self.version(tier), max_digits=9) or 0 for tier in Tier}

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


def _check_versions(
    session: Session, rows: dict[Tier, TierTreatment], expected: dict[Tier, int]
) -> None:
    """``StaleEdit`` (naming the latest changer) unless every tier is at the version expected."""
    saved = versions_of(list(rows.values()))
    moved = [rows[tier] for tier in Tier if tier in rows and saved[tier] != expected.get(tier, 0)]
    if not moved:
        return
    latest = max(moved, key=lambda row: row.updated_at)
    assert latest.id is not None
    who = audit_repo.last_global_actor(session, item_type=TRAIL.item_type, item_id=latest.id)
    raise versioned.StaleEdit(who, Saved(of_rows(list(rows.values())), saved))


def save(
    session: Session,
    *,
    actor: User,
    workspace_id: int,
    wanted: dict[Tier, Treatment],
    expected: dict[Tier, int],
) -> int:
    """Save every tier's treatment; the number of tiers changed (0: nothing changed). Raises
    ``StaleEdit`` (nothing written) when a tier was saved after the version ``expected``."""
    repository.lock_workspace(session, workspace_id=workspace_id)
    rows = {Tier(r.tier): r for r in repository.treatments(session, workspace_id=workspace_id)}
    _check_versions(session, rows, expected)
    before = of_rows(list(rows.values()))
    changed = 0
    for tier, treatment in wanted.items():
        old = before[tier]
        if old == treatment:
            continue
        row = rows.get(tier)
        if row is None:
            row = TierTreatment(workspace_id=workspace_id, tier=tier.value)
            session.add(row)
        row.review_months, row.mentor_required = treatment.review_months, treatment.mentor_required
        session.flush()
        changes = audit.diff(
            {"tier": tier.value, "review_months": old.review_months, "mentor": old.mentor_required},
            {
                "tier": tier.value,
                "review_months": treatment.review_months,
                "mentor": treatment.mentor_required,
            },
        )
        if tier in rows:
            TRAIL.change(session, actor, row, "scorecard.treatment_changed", changes)
        else:
            TRAIL.event(session, actor, row, "scorecard.treatment_changed", changes)
        changed += 1
    return changed
