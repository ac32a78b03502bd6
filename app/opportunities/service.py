"""Adding, editing (status included) and removing opportunities.

Everything here is internal to the vendor: every audit event is ``Visibility.INTERNAL``, its
``changes`` the field diffs (the linked priorities' ids included), and nothing notifies anyone.
Edits refuse a stale version; removal keeps the row (``removed_at``) for the audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Opportunity, OpportunityStatus, User, Visibility, utcnow
from app.opportunities import repository
from app.opportunities.schemas import OpportunityValues
from app.opportunities.scoring import RATINGS

ITEM = "opportunity"
FIELDS = (
    "title",
    "description",
    "size",
    "days",
    *RATINGS,
    "owner_id",
    "status",
    "bid_reason",
    "bid_note",
)


TRAIL = versioned.Trail(ITEM, Visibility.INTERNAL)


def _values(opportunity: Opportunity, priority_ids: list[int]) -> dict[str, Any]:
    return {name: getattr(opportunity, name) for name in (*FIELDS, "closed_on")} | {
        "priority_ids": sorted(priority_ids)
    }


def _closed_on(opportunity: Opportunity, status: str, today: date | None) -> date | None:
    """The day the bid was closed: kept while it stays closed (won, lost or dropped), today
    when it is closed now, none while open."""
    if status == OpportunityStatus.OPEN.value:
        return None
    if opportunity.status != OpportunityStatus.OPEN.value and opportunity.closed_on is not None:
        return opportunity.closed_on
    return today or utcnow().date()


def _apply(opportunity: Opportunity, values: OpportunityValues) -> None:
    for name, value in values.values().items():
        if name in FIELDS:
            setattr(opportunity, name, value)


def add(
    session: Session,
    *,
    actor: User,
    account_id: int,
    values: OpportunityValues,
    today: date | None = None,
) -> Opportunity:
    """A new opportunity of the account, linked to the checked priorities. ``today``: the
    actor's (the day a bid recorded as closed was closed; UTC's by default)."""
    opportunity = Opportunity(account_id=account_id, title=values.title, created_by_id=actor.id)
    opportunity.closed_on = _closed_on(opportunity, values.status, today)
    _apply(opportunity, values)
    TRAIL.created(
        session,
        actor,
        opportunity,
        _values(opportunity, values.priority_ids),
        verb="opportunity.added",
        visibility=Visibility.INTERNAL,
    )
    repository.set_links(session, opportunity=opportunity, priority_ids=values.priority_ids)
    return opportunity


def update(
    session: Session,
    *,
    actor: User,
    opportunity: Opportunity,
    values: OpportunityValues,
    expected_version: int,
    today: date | None = None,
) -> None:
    """Change the fields, status (with the bid's reason and note) and links; closing it
    records the day (``today``, the actor's). Raises ``StaleEdit`` when someone saved a newer
    version meanwhile: nothing is written. An edit that changes nothing writes nothing."""
    assert opportunity.id is not None
    versioned.check_version(session, opportunity, expected_version, item_type=ITEM)
    old_links = repository.linked_priority_ids(
        session, account_id=opportunity.account_id, opportunity_id=opportunity.id
    )
    links = audit.diff({"priority_ids": sorted(old_links)}, {"priority_ids": values.priority_ids})
    fields = {name: value for name, value in values.values().items() if name in FIELDS}
    fields["closed_on"] = _closed_on(opportunity, values.status, today)
    TRAIL.edit(
        session,
        actor,
        opportunity,
        fields,
        expected_version,
        visibility=Visibility.INTERNAL,
        changes=links,
    )
    if links:
        repository.set_links(session, opportunity=opportunity, priority_ids=values.priority_ids)


def remove(session: Session, *, actor: User, opportunity: Opportunity) -> None:
    """Soft delete: the row stays (with its links) for the audit trail."""
    TRAIL.removed(session, actor, opportunity, ("title", "status"))
