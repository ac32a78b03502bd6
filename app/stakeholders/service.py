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
    DepartmentTension,
    Role,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
    User,
    Validation,
    Visibility,
    utcnow,
)
from app.notifications.service import notify
from app.stakeholders import repository, view
from app.stakeholders.schemas import (
    LINK_LABELS,
    CheckedContact,
    CheckedLink,
    CheckedStakeholder,
    CheckedTension,
    contact_taken,
    economic_buyer_taken,
    link_taken,
    tension_taken,
)

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
    "level",
    "location",
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
    person.level, person.location = checked.level, checked.location


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


# --- The team's contacts, links between people, tensions between departments (internal) --------

CONTACTS = versioned.Trail("stakeholder_contact", Visibility.INTERNAL)
LINKS = versioned.Trail("stakeholder_link", Visibility.INTERNAL)
TENSIONS = versioned.Trail("department_tension", Visibility.INTERNAL)


class Taken(Exception):
    """The row is there already (the unique constraint found it, maybe made by a simultaneous
    request): the message says what to do instead."""


def _insert(session: Session, row: Any, message: str) -> None:
    """Add ``row`` in a savepoint: a duplicate refused by the database's unique constraint
    rolls back the savepoint alone and raises ``Taken``."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Taken(message) from None


def add_contact(
    session: Session,
    *,
    actor: User,
    person: Stakeholder,
    user: User,
    checked: CheckedContact,
) -> StakeholderContact:
    """``user`` (of the team) is in contact with ``person``. Raises ``Taken`` when they are
    already."""
    assert person.id is not None
    assert user.id is not None
    contact = StakeholderContact(
        account_id=person.account_id,
        stakeholder_id=person.id,
        user_id=user.id,
        strength=checked.strength,
        last_contact_on=checked.last_contact_on,
        created_by_id=actor.id,
    )
    _insert(session, contact, contact_taken(user.display_name, person.name))
    changes = {"person": [None, person.name], "team_member": [None, user.display_name]}
    changes |= audit.diff({}, _contact_values(contact))
    CONTACTS.event(session, actor, contact, "stakeholder_contact.added", changes)
    return contact


def _contact_values(contact: StakeholderContact) -> dict[str, Any]:
    return {"strength": contact.strength, "last_contact_on": contact.last_contact_on}


def update_contact(
    session: Session,
    *,
    actor: User,
    contact: StakeholderContact,
    checked: CheckedContact,
    expected_version: int,
) -> None:
    """A new strength or last contact. Raises ``StaleEdit`` when someone saved it meanwhile."""
    versioned.check_version(session, contact, expected_version, item_type=CONTACTS.item_type)
    after = {"strength": checked.strength, "last_contact_on": checked.last_contact_on}
    changes = audit.diff(_contact_values(contact), after)
    if not changes:
        return
    contact.strength, contact.last_contact_on = checked.strength, checked.last_contact_on
    CONTACTS.change(session, actor, contact, "stakeholder_contact.updated", changes)


def remove_contact(
    session: Session, *, actor: User, contact: StakeholderContact, person: str, user: str
) -> None:
    """The contact is gone (its story stays on the audit trail)."""
    changes = {"person": [person, None], "team_member": [user, None]}
    changes |= {name: [value, None] for name, value in _contact_values(contact).items()}
    CONTACTS.event(session, actor, contact, "stakeholder_contact.removed", changes)
    session.delete(contact)
    session.flush()


def add_link(
    session: Session,
    *,
    actor: User,
    account_id: int,
    checked: CheckedLink,
    names: dict[int, str],
) -> StakeholderLink:
    """``names``: the live people's names by id. Raises ``Taken`` for a link already there."""
    link = StakeholderLink(
        account_id=account_id,
        from_id=checked.from_id,
        to_id=checked.to_id,
        kind=checked.kind,
        note=checked.note,
        created_by_id=actor.id,
    )
    first, second = names[checked.from_id], names[checked.to_id]
    _insert(session, link, link_taken(first, checked.kind, second))
    changes = {"link": [None, f"{first} {LINK_LABELS[checked.kind]} {second}"]}
    changes |= audit.diff({}, {"kind": checked.kind, "note": checked.note})
    LINKS.event(session, actor, link, "stakeholder_link.added", changes)
    return link


def remove_link(session: Session, *, actor: User, link: StakeholderLink, said: str) -> None:
    """``said``: the link in words ("A blocks B"), for the audit trail."""
    changes = {"link": [said, None], "kind": [link.kind, None], "note": [link.note, None]}
    LINKS.event(session, actor, link, "stakeholder_link.removed", changes)
    session.delete(link)
    session.flush()


def add_tension(
    session: Session, *, actor: User, account_id: int, checked: CheckedTension
) -> DepartmentTension:
    """Raises ``Taken`` for a tension between these departments already there."""
    tension = DepartmentTension(
        account_id=account_id,
        department_a=checked.department_a,
        department_b=checked.department_b,
        key_a=checked.key_a,
        key_b=checked.key_b,
        note=checked.note,
        created_by_id=actor.id,
    )
    _insert(session, tension, tension_taken(checked.department_a, checked.department_b))
    changes = audit.diff({}, _tension_values(tension))
    TENSIONS.event(session, actor, tension, "department_tension.added", changes)
    return tension


def _tension_values(tension: DepartmentTension) -> dict[str, Any]:
    return {
        "department_a": tension.department_a,
        "department_b": tension.department_b,
        "note": tension.note,
    }


def remove_tension(session: Session, *, actor: User, tension: DepartmentTension) -> None:
    changes = {name: [value, None] for name, value in _tension_values(tension).items()}
    TENSIONS.event(session, actor, tension, "department_tension.removed", changes)
    session.delete(tension)
    session.flush()
