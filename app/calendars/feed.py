"""A person's calendar feed: an iCalendar object (RFC 5545) of their dates.

- each open action they own that has a due date: an all-day event on that day (the UID of
  the action its carried copies began with, so that it survives the next period);
- each joint review they are invited to or organise (not cancelled, from a year ago on): the
  meeting, with the review's own UID and SEQUENCE, so that the entry is the invitation's;
- for the vendor side, when each plan they lead or mentor is due for its review (the day
  ``app.kit.dates.next_review_on`` gives, as the reminders have it): an all-day event.

Every event has a UID that stays the same for its item's whole life (a moved due date moves
the entry), a DTSTAMP and a link back to where it is answered. Nothing internal reaches a
client person: their actions and joint reviews are shared items, an initiative they may not
see is named only "an initiative", and the vendor's own review dates are for the vendor side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, Timezone
from sqlmodel import Session

from app.actions import repository as actions_repo
from app.actions.view import link_label
from app.calendars import repository
from app.db import absolute_url
from app.kit.clock import now, zone_named
from app.kit.dates import next_review_on
from app.kit.words import possessive
from app.models import User
from app.reminders import repository as reminders_repo

PRODID = "-//Jointplan//Personal calendar//EN"
UID_DOMAIN = "jointplan"
PAST_REVIEWS = timedelta(days=366)  # joint reviews held longer ago than this are left out


@dataclass(frozen=True)
class Entry:
    """One event of the feed: ``start`` a date (all day) or an aware time."""

    uid: str
    summary: str
    description: str
    path: str
    start: date | datetime
    end: date | datetime
    sequence: int = 0


def action_entries(session: Session, user: User) -> list[Entry]:
    """The person's open actions with a due date. An action carried over into the next
    period keeps the UID of the action its copies began with (``reminders_repo.origins``),
    so its calendar entry moves on with it instead of being replaced."""
    assert user.id is not None
    dated = [
        item
        for item in actions_repo.open_for_owner(session, user_id=user.id)
        if item.action.due_on is not None
    ]
    origins = reminders_repo.origins(
        session, action_ids=[item.action.id for item in dated if item.action.id is not None]
    )
    found = []
    for item in dated:
        action = item.action
        assert action.id is not None
        assert action.due_on is not None
        serves = link_label(action, item.priority_title, item.initiative_title)
        details = [f"An action of {possessive(item.account_name)} plan."]
        details += [f"Outcome: {action.outcome}"] if action.outcome else []
        details += [serves] if serves else []
        found.append(
            Entry(
                uid=f"action-{origins.get(action.id, action.id)}@{UID_DOMAIN}",
                summary=f"Due: {action.title}",
                description="\n".join(details),
                path=f"/accounts/{item.account_id}/plan#action-{action.id}",
                start=action.due_on,
                end=action.due_on + timedelta(days=1),
            )
        )
    return found


def joint_review_entries(session: Session, user: User) -> list[Entry]:
    assert user.id is not None
    attended = repository.attended_joint_reviews(
        session, user_id=user.id, since=now() - PAST_REVIEWS
    )
    return [
        Entry(
            uid=review.uid,
            summary=f"Joint review: {name}",
            description=f"The review meeting of {possessive(name)} plan.",
            path=f"/accounts/{review.account_id}/joint-reviews/{review.id}",
            start=review.starts_at,
            end=review.starts_at + timedelta(minutes=review.duration_minutes),
            sequence=review.sequence,
        )
        for review, name in attended
    ]


def review_due_entries(session: Session, user: User) -> list[Entry]:
    """The vendor side only: when each plan the person leads or mentors is due for review."""
    assert user.id is not None
    if user.workspace_id is None:
        return []
    found = []
    for led in reminders_repo.led_plans(session, user_ids=[user.id]):
        plan = led.plan
        on = next_review_on(
            plan, last_held_on=led.last_held_on, zone=zone_named(led.workspace_zone)
        )
        found.append(
            Entry(
                uid=f"plan-review-{plan.id}@{UID_DOMAIN}",
                summary=f"Review due: {possessive(led.account_name)} plan {plan.period}",
                description="Your side's review of the plan is due (internal to your side).",
                path=f"/accounts/{plan.account_id}/reviews",
                start=on,
                end=on + timedelta(days=1),
            )
        )
    return found


def entries(session: Session, user: User) -> list[Entry]:
    """Everything the person's feed holds, in a fixed number of queries (at most four, five
    for the vendor side), whatever the number of dates."""
    return [
        *action_entries(session, user),
        *joint_review_entries(session, user),
        *review_due_entries(session, user),
    ]


def ics(session: Session, user: User, found: Iterable[Entry]) -> bytes:
    """The feed as iCalendar text (CRLF lines)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Jointplan: {user.display_name}")
    stamp = now()
    for entry in found:
        event = Event()
        url = absolute_url(session, entry.path)
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        event.add("summary", entry.summary)
        event.add("description", f"{entry.description}\n\n{url}")
        event.add("url", url)
        if entry.sequence:
            event.add("sequence", entry.sequence)
        if not isinstance(entry.start, datetime):
            event.add("transp", "TRANSPARENT")  # a due date does not make the day busy
        calendar.add_component(event)
    if not calendar.subcomponents:
        # RFC 5545 wants at least one component (icalendar's ``validate`` refuses a calendar
        # without one, and so may a strict calendar app): with nothing due, the UTC time zone,
        # which shows nothing.
        calendar.add_component(Timezone.from_tzid("UTC"))
    calendar.validate()  # type: ignore[no-untyped-call]  # icalendar: untyped here
    return bytes(calendar.to_ical())
