"""Writing the account profile, sending sections to the client for validation, and the
client's answers.

A section's ``body`` is internal: its events are ``Visibility.INTERNAL``. Sending a section
copies the text into ``shared_body``; from then on the client sees that copy (never ``body``,
which the vendor may keep editing) and answers it. The events of sending, withdrawing and
answering are ``Visibility.SHARED`` and carry only the fields meant for the client.

``version`` guards the words (``body``): saving, adopting the client's correction and sending
(so that nobody sends a text they have not read) check it; only a change of the words moves
it. The client answers against ``answer_version``, which moves only with what the client sees
(the text as sent and the answer), so an internal edit never turns a client's answer stale
(nor tells them that one happened).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.audit import service as audit
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import ProfileKind, ProfileSection, Role, User, Validation, Visibility, utcnow
from app.notifications.service import notify
from app.profile import repository

ITEM = "profile_section"
SHARED_FIELDS = ("shared_body", "validation")  # what a sending event may carry
ANSWER_FIELDS = ("validation", "client_correction")  # what an answering event may carry


TRAIL = versioned.Trail(ITEM)


class ProfileProblem(Exception):
    """A request that cannot be done in the section's present state (nothing was written)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _values(section: ProfileSection, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(section, name) for name in fields}


def _stamp(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


def answer_version(section: ProfileSection) -> str:
    """The version of what the client sees of a section: when it was last sent or answered."""
    moments = [_stamp(m) for m in (section.shared_at, section.answered_at) if m is not None]
    return max(moments).strftime("%Y%m%d%H%M%S%f") if moments else "0"


# --- The vendor's text ------------------------------------------------------------------------


def save(
    session: Session,
    *,
    actor: User,
    account_id: int,
    kind: ProfileKind,
    section: ProfileSection | None,
    body: str,
    expected_version: int,
) -> ProfileSection | None:
    """Save a section's text; its row is made on the first save (None: nothing to save).

    Raises ``StaleEdit`` when someone saved a newer version meanwhile, including a first save
    that lost the race to create the row: nothing is written."""
    if section is None:
        if not body:
            return None
        return _create(session, actor=actor, account_id=account_id, kind=kind, body=body)
    if _edit_body(session, actor, section, body, expected_version, verb="profile.updated"):
        section.updated_by_id = actor.id
    return section


def _edit_body(
    session: Session,
    actor: User,
    section: ProfileSection,
    body: str,
    expected_version: int,
    *,
    verb: str,
) -> bool:
    """A new version of the words (internal); False when they are already ``body``."""
    changes = TRAIL.edit(
        session,
        actor,
        section,
        {"body": body},
        expected_version,
        verb=verb,
        visibility=Visibility.INTERNAL,
    )
    return bool(changes)


def _create(
    session: Session, *, actor: User, account_id: int, kind: ProfileKind, body: str
) -> ProfileSection:
    section = ProfileSection(
        account_id=account_id, kind=kind.value, body=body, updated_by_id=actor.id
    )
    try:
        with session.begin_nested():
            session.add(section)
            session.flush()
    except IntegrityError:
        # Someone else's first save of this section committed first (the unique constraint on
        # account and kind): theirs stands, and this one is stale like any other late edit.
        winner = repository.get_for_write(session, account_id=account_id, kind=kind.value)
        if winner is None:  # not that constraint after all
            raise
        raise StaleEdit(versioned.who_changed(session, winner, item_type=ITEM), winner) from None
    TRAIL.event(
        session,
        actor,
        section,
        "profile.written",
        {"kind": [None, section.kind], "body": [None, body]},
        Visibility.INTERNAL,
    )
    return section


def adopt_correction(
    session: Session, *, actor: User, section: ProfileSection, expected_version: int
) -> None:
    """Use the client's correction as the section's text (internal, like any edit)."""
    versioned.check_version(session, section, expected_version, item_type=ITEM)
    if section.validation != Validation.CORRECTED or not section.client_correction:
        raise ProfileProblem(
            "The client has not corrected this section, so there is nothing to use."
        )
    if section.body == section.client_correction:
        raise ProfileProblem("The text already is the client's correction.")
    correction = section.client_correction
    _edit_body(
        session, actor, section, correction, expected_version, verb="profile.correction_adopted"
    )
    section.updated_by_id = actor.id


# --- Asking the client ------------------------------------------------------------------------


def _clear_answer(section: ProfileSection) -> None:
    """Forget the client's answer to the text as sent (the audit trail keeps it)."""
    section.client_correction = ""
    section.answered_at = None
    section.answered_by_id = None


def share(
    session: Session,
    *,
    actor: User,
    section: ProfileSection,
    expected_version: int,
) -> None:
    """Send the section's text as it is now to the client for validation; any earlier answer
    is cleared. The client's sponsor and members are told (the message names the section,
    never its text)."""
    versioned.check_version(session, section, expected_version, item_type=ITEM)
    if not section.body:
        raise ProfileProblem("Write this section before you send it: there is no text to check.")
    if section.validation == Validation.PENDING and section.shared_body == section.body:
        raise ProfileProblem("This text is already waiting for the client's answer.")
    before = _values(section, SHARED_FIELDS)
    section.shared_body = section.body
    section.validation = Validation.PENDING
    section.shared_at = utcnow()
    section.shared_by_id = actor.id
    _clear_answer(section)
    session.add(section)
    TRAIL.event(
        session,
        actor,
        section,
        "profile.sent",
        audit.diff(before, _values(section, SHARED_FIELDS)),
        Visibility.SHARED,
    )
    label = ProfileKind(section.kind).label
    notify(
        session,
        account_id=section.account_id,
        roles=[Role.SPONSOR, Role.MEMBER],
        kind="validation.requested",
        message=f"{actor.display_name} asks you to check “{label}”, "
        "written by your account team about your company.",
        link=f"/accounts/{section.account_id}/validation#validation-profile-{section.id}",
        actor=actor,
        visibility=Visibility.SHARED,
    )


def withdraw(session: Session, *, actor: User, section: ProfileSection) -> None:
    """Stop asking the client: the section is internal again, the text as sent and any answer
    are cleared (the audit trail keeps them)."""
    if section.validation == Validation.NONE:
        raise ProfileProblem("This section is not with the client.")
    old = section.validation
    section.validation = Validation.NONE
    section.shared_body = ""
    section.shared_at = None
    section.shared_by_id = None
    _clear_answer(section)
    session.add(section)
    TRAIL.event(
        session,
        actor,
        section,
        "profile.withdrawn",
        {"validation": [old, Validation.NONE.value]},
        Visibility.SHARED,
    )


def answer(
    session: Session,
    *,
    actor: User,
    section: ProfileSection,
    decision: Validation,
    correction: str,
    expected_version: str,
) -> None:
    """The client confirms the text as sent, or corrects it. Raises ``StaleEdit`` when what the
    client sees changed since they loaded it (sent again, or answered by someone else). The
    person who sent it and the account's leads are told."""
    assert decision in (Validation.CONFIRMED, Validation.CORRECTED)
    assert section.validation != Validation.NONE  # the route let only sent sections through
    if answer_version(section) != expected_version:
        # Named from what the client may see: who answered it last, or who sent it.
        last = section.answered_by_id or section.shared_by_id
        person = session.get(User, last) if last else None
        raise StaleEdit(person.display_name if person else "", section)
    before = _values(section, ANSWER_FIELDS)
    kept = correction if decision == Validation.CORRECTED else ""
    if section.validation == decision and section.client_correction == kept:
        return  # the same answer again: nothing changes, nobody is told twice
    section.validation = decision
    section.client_correction = kept
    section.answered_at = utcnow()
    section.answered_by_id = actor.id
    session.add(section)
    TRAIL.event(
        session,
        actor,
        section,
        f"profile.{decision.value}",
        audit.diff(before, _values(section, ANSWER_FIELDS)),
        Visibility.SHARED,
    )
    label = ProfileKind(section.kind).label
    notify(
        session,
        account_id=section.account_id,
        recipient_ids=[section.shared_by_id],
        roles=[Role.LEAD],
        kind="validation.answered",
        message=f"{actor.display_name} {decision.value} “{label}” in the account profile.",
        link=f"/accounts/{section.account_id}/profile#profile-{section.kind}",
        actor=actor,
        # The link is to an internal page: only the vendor side is told.
        visibility=Visibility.INTERNAL,
    )
