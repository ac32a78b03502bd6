"""Drafting, revising, proposing, removing and answering initiatives.

Every change is audited with the initiative's visibility at the time: anything about a draft is
internal; ``initiative.proposed`` is shared and carries the content as it was proposed. Edits and
answers refuse stale versions; a shared initiative never goes back to draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.audit import service as audit
from app.initiatives import repository
from app.initiatives.schemas import InitiativeValues
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import (
    Initiative,
    InitiativeStatus,
    Plan,
    Role,
    User,
    Visibility,
    utcnow,
)
from app.notifications.service import notify

FIELDS = ("title", "description", "value_for_client", "value_for_vendor", "owner_id")
# Where the vendor may revise an initiative: not once the client accepted it.
EDITABLE = frozenset(
    {
        InitiativeStatus.DRAFT,
        InitiativeStatus.PROPOSED,
        InitiativeStatus.DECLINED,
        InitiativeStatus.PARKED,
    }
)
PROPOSABLE = frozenset({InitiativeStatus.DRAFT, InitiativeStatus.DECLINED, InitiativeStatus.PARKED})


TRAIL = versioned.Trail("initiative")


class WrongStatus(Exception):
    """The initiative is not in a status that allows this (the message says why)."""


def _values(item: Initiative | InitiativeValues) -> dict[str, Any]:
    return {field: getattr(item, field) for field in FIELDS}


def _links(priority_ids: Sequence[int]) -> dict[str, Any]:
    return {"priority_ids": sorted(priority_ids)}


def _visibility(initiative: Initiative) -> Visibility:
    return Visibility(initiative.visibility)


def _link(initiative: Initiative) -> str:
    return f"/accounts/{initiative.account_id}/plan#initiative-{initiative.id}"


def create(session: Session, *, actor: User, plan: Plan, values: InitiativeValues) -> Initiative:
    """A new draft: internal until it is proposed."""
    assert plan.id is not None
    initiative = Initiative(
        account_id=plan.account_id,
        plan_id=plan.id,
        **_values(values),
        status=InitiativeStatus.DRAFT,
        visibility=Visibility.INTERNAL,
        created_by_id=actor.id,
    )
    TRAIL.created(
        session,
        actor,
        initiative,
        _values(values) | _links(values.priority_ids),
        visibility=Visibility.INTERNAL,
    )
    repository.set_links(session, initiative=initiative, priority_ids=values.priority_ids)
    return initiative


def update(
    session: Session,
    *,
    actor: User,
    initiative: Initiative,
    values: InitiativeValues,
    expected_version: int,
) -> None:
    """Revise the content and links. Raises ``StaleEdit`` when someone saved a newer version
    meanwhile, ``WrongStatus`` once the client accepted it: nothing is written."""
    assert initiative.id is not None
    if initiative.status not in EDITABLE:
        raise WrongStatus("The client accepted this initiative; it can no longer be changed.")
    versioned.check_version(session, initiative, expected_version, item_type="initiative")
    old_links = repository.linked_priority_ids(
        session, account_id=initiative.account_id, initiative_id=initiative.id
    )
    links = audit.diff(_links(old_links), _links(values.priority_ids))
    TRAIL.edit(
        session,
        actor,
        initiative,
        _values(values),
        expected_version,
        visibility=_visibility(initiative),
        changes=links,
    )
    if links:
        repository.set_links(session, initiative=initiative, priority_ids=values.priority_ids)


def propose(
    session: Session,
    *,
    actor: User,
    initiative: Initiative,
    expected_version: int,
) -> None:
    """Share a draft with the client, or propose a declined or parked one again (clearing the
    client's answer, which stays on the audit trail); the client's contributors are told."""
    assert initiative.id is not None
    if initiative.status not in PROPOSABLE:
        if initiative.status == InitiativeStatus.PROPOSED:
            raise WrongStatus("This initiative is already waiting for the client's answer.")
        raise WrongStatus("The client accepted this initiative; there is nothing to propose.")
    versioned.check_version(session, initiative, expected_version, item_type="initiative")
    links = repository.linked_priority_ids(
        session, account_id=initiative.account_id, initiative_id=initiative.id
    )
    again = initiative.status != InitiativeStatus.DRAFT
    changes: audit.Changes = {"status": [initiative.status, InitiativeStatus.PROPOSED.value]}
    if again:
        changes |= {
            "answer_reason": [initiative.answer_reason, ""],
            "answered_by_id": [initiative.answered_by_id, None],
        }
    else:
        changes["visibility"] = [initiative.visibility, Visibility.SHARED.value]
    # The content as it was proposed: what the client was shown.
    changes |= audit.diff({}, _values(initiative) | _links(links))
    initiative.status = InitiativeStatus.PROPOSED
    initiative.visibility = Visibility.SHARED
    initiative.proposed_at = utcnow()
    initiative.answered_at, initiative.answered_by_id, initiative.answer_reason = None, None, ""
    TRAIL.change(session, actor, initiative, "initiative.proposed", changes)
    clients = accounts_repo.members_with_roles(
        session, account_id=initiative.account_id, roles=[Role.SPONSOR, Role.MEMBER]
    )
    verb = "proposed again" if again else "proposed"
    notify(
        session,
        account_id=initiative.account_id,
        recipient_ids=[person.id for person in clients],
        kind="initiative.proposed",
        message=f"{actor.display_name} {verb} the initiative “{initiative.title}”.",
        link=_link(initiative),
        actor=actor,
        visibility=Visibility.SHARED,
    )


def answer(
    session: Session,
    *,
    actor: User,
    initiative: Initiative,
    status: InitiativeStatus,
    reason: str,
    expected_version: int,
) -> None:
    """The client accepts, declines or parks a proposed initiative; its owner and the account
    lead(s) are told."""
    assert initiative.id is not None
    assert status in (
        InitiativeStatus.ACCEPTED,
        InitiativeStatus.DECLINED,
        InitiativeStatus.PARKED,
    )
    if initiative.status != InitiativeStatus.PROPOSED:
        who = versioned.who_changed(session, initiative, item_type="initiative")
        raise WrongStatus(
            f"{who or 'Someone'} already answered this initiative: it is {initiative.status} now."
        )
    versioned.check_version(session, initiative, expected_version, item_type="initiative")
    changes: audit.Changes = {"status": [initiative.status, status.value]}
    if reason:
        changes["answer_reason"] = [initiative.answer_reason, reason]
    initiative.status = status
    initiative.answer_reason = reason
    initiative.answered_at = utcnow()
    initiative.answered_by_id = actor.id
    TRAIL.change(session, actor, initiative, f"initiative.{status.value}", changes)
    leads = accounts_repo.members_with_roles(
        session, account_id=initiative.account_id, roles=[Role.LEAD]
    )
    because = f" Reason: {reason}" if reason else ""
    message = f"{actor.display_name} {status.value} the initiative “{initiative.title}”.{because}"
    notify(
        session,
        account_id=initiative.account_id,
        recipient_ids=[initiative.owner_id, *(person.id for person in leads)],
        kind="initiative.answered",
        message=message[:500],
        link=_link(initiative),
        actor=actor,
        visibility=Visibility.SHARED,
    )


def remove(session: Session, *, actor: User, initiative: Initiative) -> None:
    """Remove a draft (shared initiatives stay: the client has seen them)."""
    assert initiative.id is not None
    if initiative.status != InitiativeStatus.DRAFT:
        raise WrongStatus("Only drafts can be removed; the client has seen this initiative.")
    TRAIL.removed(session, actor, initiative, ("title",), visibility=Visibility.INTERNAL)
