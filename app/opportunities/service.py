"""Adding, editing (status included) and removing opportunities.

Everything here is internal to the vendor: every audit event is ``Visibility.INTERNAL``, its
``changes`` the field diffs (the linked priorities' ids included), and nothing notifies anyone.
Edits refuse a stale version; removal keeps the row (``removed_at``) for the audit trail.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Opportunity, User, Visibility
from app.opportunities import repository
from app.opportunities.schemas import OpportunityValues
from app.opportunities.scoring import RATINGS

ITEM = "opportunity"
FIELDS = ("title", "description", "size", "days", *RATINGS, "owner_id", "status")


TRAIL = versioned.Trail(ITEM, Visibility.INTERNAL)


def _values(opportunity: Opportunity, priority_ids: list[int]) -> dict[str, Any]:
    return {name: getattr(opportunity, name) for name in FIELDS} | {
        "priority_ids": sorted(priority_ids)
    }


def _apply(opportunity: Opportunity, values: OpportunityValues) -> None:
    for name, value in values.values().items():
        if name in FIELDS:
            setattr(opportunity, name, value)


def add(
    session: Session, *, actor: User, account_id: int, values: OpportunityValues
) -> Opportunity:
    """A new opportunity of the account, linked to the checked priorities."""
    opportunity = Opportunity(account_id=account_id, title=values.title, created_by_id=actor.id)
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
) -> None:
    """Change the fields, status and links. Raises ``StaleEdit`` when someone saved a newer
    version meanwhile: nothing is written. An edit that changes nothing writes nothing."""
    assert opportunity.id is not None
    versioned.check_version(session, opportunity, expected_version, item_type=ITEM)
    old_links = repository.linked_priority_ids(
        session, account_id=opportunity.account_id, opportunity_id=opportunity.id
    )
    links = audit.diff({"priority_ids": sorted(old_links)}, {"priority_ids": values.priority_ids})
    fields = {name: value for name, value in values.values().items() if name in FIELDS}
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
