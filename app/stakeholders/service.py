"""Keeping the relationship map, and the client's confirmation of its facts.

Everything about a stakeholder is internal to the vendor (audit events ``Visibility.INTERNAL``,
nobody on the client side told) EXCEPT the two deliberate exchanges with the client:

- sending for confirmation copies the name, title and reporting line into ``sent_*``; its
  event is SHARED and carries only those facts and the state. The reporting line names the
  manager only when the manager is sent too (before, or in the same sending), by the name the
  client was sent; otherwise it says ``NOT_SHARED``, so no unsent person's name is ever written
  where the client reads. The validation page checks the line again when it is drawn
  (``view.SentPerson``): a manager no longer sent (taken off the map) is not named either;
- the client's answer (confirmed, or corrected with a text) is SHARED and carries only itself.

Reporting lines never loop and never point at a removed person: removing someone moves their
direct reports up to that person's manager. One economic buyer per decision is checked by the
form and guaranteed by a partial unique index; losing that race is a clear answer, not a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.audit import service as audit
from app.kit import versioned
from app.kit.versioned import StaleEdit
from app.models import (
    Role,
    Stakeholder,
    User,
    Validation,
    Visibility,
    utcnow,
)
from app.notifications.service import notify
from app.stakeholders import repository, view
from app.stakeholders.schemas import CheckedStakeholder, economic_buyer_taken

ITEM = repository.ITEM
FIELDS = (
    "name",
    "title",
    "department",
    "reports_to_id",
    "roles",
    "decision",
    "influence",
    "attitude",
    "motivations",
    "owner_id",
    "strength",
    "last_contact_on",
)
# What the client is shown of a person: the facts as sent, and the state.
SENT_FIELDS = ("sent_name", "sent_title", "sent_reports_to", "validation")
NOT_SHARED = view.NOT_SHARED
ANSWER_FIELDS = ("validation", "client_correction")


TRAIL = versioned.Trail(ITEM)


class EconomicBuyerTaken(Exception):
    """Someone else is the economic buyer of the decision (found by the database's index)."""


def _values(person: Stakeholder) -> dict[str, Any]:
    return {name: getattr(person, name) for name in FIELDS}


def _apply(person: Stakeholder, checked: CheckedStakeholder) -> None:
    person.name, person.title, person.department = checked.name, checked.title, checked.department
    person.reports_to_id = checked.reports_to_id
    person.roles = list(checked.roles)  # a new list: the JSON column sees the change
    person.decision, person.decision_key = checked.decision, checked.decision_key
    person.is_economic_buyer = checked.is_economic_buyer
    person.influence, person.attitude = checked.influence, checked.attitude
    person.motivations = checked.motivations
    person.owner_id, person.strength = checked.owner_id, checked.strength
    person.last_contact_on = checked.last_contact_on


def _save(session: Session, person: Stakeholder, checked: CheckedStakeholder) -> None:
    """Write the checked values in a savepoint (begun before anything changes, so that nothing
    is flushed outside it): when a concurrent request made someone else the decision's economic
    buyer first, the unique index refuses the row, the savepoint alone is rolled back and the
    answer names who the economic buyer is."""
    try:
        with session.begin_nested():
            _apply(person, checked)
            session.add(person)
            session.flush()
    except IntegrityError:
        holder = repository.economic_buyer(
            session,
            account_id=person.account_id,
            decision_key=checked.decision_key,
            excluding=person.id,
        )
        if holder is None:  # not the economic buyer's index after all
            raise
        raise EconomicBuyerTaken(economic_buyer_taken(holder.name, holder.decision)) from None


def add(
    session: Session, *, actor: User, account_id: int, checked: CheckedStakeholder
) -> Stakeholder:
    person = Stakeholder(account_id=account_id, name=checked.name, created_by_id=actor.id)
    _save(session, person, checked)
    changes = audit.diff({}, _values(person))
    TRAIL.event(session, actor, person, "stakeholder.added", changes, Visibility.INTERNAL)
    return person


def update(
    session: Session,
    *,
    actor: User,
    person: Stakeholder,
    checked: CheckedStakeholder,
    expected_version: int,
) -> None:
    """Raises ``StaleEdit`` when someone saved a newer version meanwhile, and
    ``EconomicBuyerTaken``: nothing is written then."""
    versioned.check_version(session, person, expected_version, item_type=ITEM)
    changes = audit.diff(_values(person), {name: getattr(checked, name) for name in FIELDS})
    if not changes:
        return
    _save(session, person, checked)
    _change(session, actor=actor, verb="stakeholder.updated", person=person, changes=changes)


def _change(
    session: Session,
    *,
    actor: User,
    verb: str,
    person: Stakeholder,
    changes: audit.Changes,
    visibility: Visibility = Visibility.INTERNAL,
) -> None:
    """A new version of ``person``, audited (internal unless the client is meant to see it)."""
    TRAIL.change(session, actor, person, verb, changes, visibility)


def remove(session: Session, *, actor: User, person: Stakeholder) -> list[Stakeholder]:
    """Take someone off the map; their direct reports now report to their manager (or to
    nobody on the map). Returns the people who moved up."""
    assert person.id is not None
    reports = list(
        repository.direct_reports(session, account_id=person.account_id, manager_id=person.id)
    )
    person.removed_at = utcnow()
    _change(
        session,
        actor=actor,
        verb="stakeholder.removed",
        person=person,
        changes={"name": [person.name, None]},
    )
    session.flush()
    for report in reports:
        report.reports_to_id = person.reports_to_id
        _change(
            session,
            actor=actor,
            verb="stakeholder.moved_up",
            person=report,
            changes={"reports_to_id": [person.id, person.reports_to_id]},
        )
    return reports


# --- Confirmation by the client ----------------------------------------------------------------


def shared_version(person: Stakeholder) -> str:
    """What the client's answer is based on: when the facts were sent and last answered. The
    vendor's internal edits leave it alone, so they neither make an answer stale nor show.
    templates/stakeholders/_confirm_section.html writes the same string into its forms."""

    def stamp(at: datetime | None) -> str:
        return at.isoformat() if at else ""

    return f"{stamp(person.sent_at)}|{stamp(person.answered_at)}"


def send(
    session: Session,
    *,
    actor: User,
    account_id: int,
    people: Sequence[Stakeholder],
) -> None:
    """Ask the client to confirm each person's name, title and reporting line as they are now
    (the line names only a manager sent too, see the module's docstring). A previous answer is
    cleared (it stays on the audit trail). The client's sponsor and members are told once."""
    on_map = {p.id: p for p in repository.live(session, account_id=account_id) if p.id}
    # Whom the client may know by name: the people sent before, and those sent now.
    sending = {person.id for person in people}

    def line(person: Stakeholder) -> str:
        manager = on_map.get(person.reports_to_id or 0)
        if manager is None:
            return ""
        if manager.id in sending:
            return manager.name
        return view.reporting_line(person, on_map)

    # Someone still waiting for an answer about exactly these facts is not asked twice.
    people = [
        person
        for person in people
        if person.validation != Validation.PENDING
        or (person.sent_name, person.sent_title, person.sent_reports_to)
        != (person.name, person.title, line(person))
    ]
    if not people:
        return
    sending = {person.id for person in people}
    shown = view.shared_names(on_map.values())
    lines = {person.id: line(person) for person in people}
    now = utcnow()
    for person in people:
        # What the client was shown before, not a name it may no longer be shown.
        shown_before = view.shown_line(person.sent_reports_to, shown)
        _mark_sent(session, actor, person, lines[person.id], shown_before, now)
    notify(
        session,
        account_id=account_id,
        roles=[Role.SPONSOR, Role.MEMBER],
        kind="stakeholder.sent",
        message=_sending_message(actor, people),
        link=f"/accounts/{account_id}/validation",
        actor=actor,
        visibility=Visibility.SHARED,
    )


def _mark_sent(
    session: Session,
    actor: User,
    person: Stakeholder,
    line: str,
    shown_before: str,
    now: datetime,
) -> None:
    """Copy the facts as they are now into ``sent_*``, clear any answer, and record it."""
    before = {name: getattr(person, name) for name in SENT_FIELDS}
    before["sent_reports_to"] = shown_before
    person.sent_name, person.sent_title = person.name, person.title
    person.sent_reports_to = line
    person.validation = Validation.PENDING
    person.sent_at, person.sent_by_id = now, actor.id
    person.client_correction, person.answered_at, person.answered_by_id = "", None, None
    _change(
        session,
        actor=actor,
        verb="stakeholder.sent",
        person=person,
        # Only the facts as sent and the state: never an assessment.
        changes={name: [before[name], getattr(person, name)] for name in SENT_FIELDS},
        visibility=Visibility.SHARED,
    )


def _sending_message(actor: User, people: Sequence[Stakeholder]) -> str:
    if len(people) == 1:
        message = (
            f"{actor.display_name} asks you to confirm the name, title and reporting line of "
            f"{people[0].sent_name}."
        )
    else:
        names = ", ".join(person.sent_name for person in people)
        message = (
            f"{actor.display_name} asks you to confirm the names, titles and reporting lines "
            f"of {len(people)} people: {names}."
        )
    return message[:499] + "…" if len(message) > 500 else message


def answer(
    session: Session,
    *,
    actor: User,
    person: Stakeholder,
    confirmed: bool,
    correction: str,
    expected: str,
) -> None:
    """The client confirms the facts as sent, or corrects them. Raises ``StaleEdit`` (who
    sent or answered since, as the client may know it) when ``expected`` is not the
    ``shared_version`` any more. Whoever sent them and the account's leads are told."""
    assert person.id is not None
    if shared_version(person) != expected:
        who = repository.last_shared_actor_label(
            session, account_id=person.account_id, stakeholder_id=person.id
        )
        raise StaleEdit(who, person)
    before = {name: getattr(person, name) for name in ANSWER_FIELDS}
    person.validation = Validation.CONFIRMED if confirmed else Validation.CORRECTED
    person.client_correction = "" if confirmed else correction
    person.answered_at, person.answered_by_id = utcnow(), actor.id
    changes: audit.Changes = {"validation": [before["validation"], person.validation]}
    changes |= audit.diff(
        {"client_correction": before["client_correction"]},
        {"client_correction": person.client_correction},
    )
    _change(
        session,
        actor=actor,
        verb="stakeholder.confirmed" if confirmed else "stakeholder.corrected",
        person=person,
        changes=changes,
        visibility=Visibility.SHARED,
    )
    if confirmed:
        message = (
            f"{actor.display_name} confirmed the name, title and reporting line of "
            f"{person.sent_name}."
        )
    else:
        message = (
            f"{actor.display_name} corrected the facts about {person.sent_name}: “{correction}”"
        )
    if len(message) > 500:
        message = message[:499] + "…"
    notify(
        session,
        account_id=person.account_id,
        recipient_ids=[person.sent_by_id],
        roles=[Role.LEAD],
        kind="stakeholder.answered",
        message=message,
        link=f"/accounts/{person.account_id}/relationships#stakeholder-{person.id}",
        actor=actor,
        visibility=Visibility.INTERNAL,  # it links to an internal page: the vendor side only
    )
