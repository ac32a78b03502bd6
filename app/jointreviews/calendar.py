"""The calendar invitation of a joint review: an iCalendar object (RFC 5545, iTIP RFC 5546).

One UID per review for its whole life; every new time (or a cancellation) bumps SEQUENCE, so
a calendar updates its entry instead of adding one. The start is written in the review's own
time zone (``DTSTART;TZID=…`` with that zone's VTIMEZONE), never as a floating time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from app.kit.clock import now, zone_named
from app.models import JointReview, User

PRODID = "-//Jointplan//Joint review//EN"


class Method(StrEnum):
    REQUEST = "REQUEST"  # an invitation, or an update of one (same UID, higher SEQUENCE)
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Invitation:
    """What the calendar entry says besides the review's own fields."""

    summary: str
    description: str
    url: str
    organizer: User | None
    attendees: Sequence[User]


def _address(person: User, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.display_name)
    for key, value in params.items():
        address.params[key] = value
    return address


def ics(review: JointReview, invitation: Invitation, method: Method) -> str:
    """The review's calendar object as text (CRLF lines, as RFC 5545 wants)."""
    zone = zone_named(review.time_zone)
    starts = review.starts_at.astimezone(zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", review.uid)
    event.add("sequence", review.sequence)
    event.add("dtstamp", now())
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=review.duration_minutes))
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    event.add("url", invitation.url)
    event.add("status", "CANCELLED" if method is Method.CANCEL else "CONFIRMED")
    if invitation.organizer is not None:
        event.add("organizer", _address(invitation.organizer))
    for person in invitation.attendees:
        event.add(
            "attendee",
            _address(person, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
        )
    calendar.add_component(event)
    # The zone's rules around the meeting (a year either side), not since 1970.
    calendar.add_missing_timezones(
        first_date=(starts - timedelta(days=366)).date(),
        last_date=(starts + timedelta(days=366)).date(),
    )
    return str(calendar.to_ical().decode())
