"""The personal calendar feed (issue 14 §3): a secret address the person turns on, rotates and
turns off from /me (audited; only the token's SHA-256 kept), serving an iCalendar object that
parses with the icalendar library: their open actions' due dates (all-day), the joint reviews
they attend and, for the vendor side, when the plans they lead are due for review."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import partial

from icalendar import Calendar
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.jointreviews import service as joint_reviews
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.kit.clock import DEFAULT_ZONE, local_today, zone_named
from app.models import Action, ActionStatus, AuditEvent, CalendarFeed, User, utcnow
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.plans import repository as plans_repo
from app.tokens import token_hash
from app.users import service as users
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, race
from tests.testclient import TestClient

TODAY = local_today(zone_named(DEFAULT_ZONE))
FEED = re.compile(r'value="(http://[^"]*/calendar/([A-Za-z0-9_-]{43})\.ics)"')


def add_action(
    session: Session,
    world: World,
    title: str,
    owner: User,
    due: date | None,
    status: ActionStatus = ActionStatus.NOT_STARTED,
) -> Action:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    action = actions.create(
        session,
        actor=world.admin,
        plan=plan,
        checked=CheckedAction(title, "", owner.id, due, status.value, Link()),
    )
    session.commit()
    return action


def turn_on(client: TestClient, path: str = "/me/calendar") -> str:
    """Turn the feed on (or rotate it) from /me; its address's path, read from the page."""
    response = client.post(path, data={"csrf_token": CSRF, **CONFIRMATION})
    assert response.status_code == 200, response.text
    found = FEED.search(response.text)
    assert found, "the new address is shown"
    return found.group(1).removeprefix("http://testserver")


def parse(response: object) -> Calendar:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"  # type: ignore[attr-defined]
    return Calendar.from_ical(response.content)  # type: ignore[attr-defined]


def events(calendar: Calendar) -> dict[str, object]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_a_person_turns_the_feed_on_and_it_lists_their_open_actions_due_dates(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    due = add_action(session, world, "Send the figures", sponsor, TODAY + timedelta(days=3))
    add_action(session, world, "Undated", sponsor, None)
    add_action(session, world, "Done", sponsor, TODAY, ActionStatus.DONE)
    add_action(session, world, "Not mine", world.members["lead"], TODAY)
    sign_in(client, session, sponsor)
    assert "Turn on my calendar feed" in client.get("/me").text
    path = turn_on(client)
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.user_id == sponsor.id)).one()
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert feed.token_hash == token_hash(token) != token
    page = client.get("/me").text
    assert token not in page, "shown only once"
    assert "Make a new address" in page

    client.cookies.clear()  # a calendar app has no session
    calendar = parse(client.get(path))
    assert str(calendar["prodid"]).startswith("-//Jointplan//")
    assert str(calendar["version"]) == "2.0"
    found = events(calendar)
    assert list(found) == [f"action-{due.id}@jointplan"]
    event = found[f"action-{due.id}@jointplan"]
    assert event["dtstart"].dt == TODAY + timedelta(days=3)  # type: ignore[index]
    assert event["dtend"].dt == TODAY + timedelta(days=4)  # type: ignore[index]
    assert event["dtstamp"]  # type: ignore[index]
    assert str(event["summary"]) == "Due: Send the figures"  # type: ignore[index]
    assert str(event["url"]).endswith(  # type: ignore[index]
        f"/accounts/{world.account.id}/plan#action-{due.id}"
    )
    # The UID stays when the due date moves.
    moved = session.get(Action, due.id)
    assert moved is not None
    moved.due_on = TODAY + timedelta(days=9)
    session.add(moved)
    session.commit()
    again = events(parse(client.get(path)))
    assert again[f"action-{due.id}@jointplan"]["dtstart"].dt == TODAY + timedelta(days=9)  # type: ignore[index]


def test_rotating_stops_the_old_address_and_turning_off_stops_the_feed_both_audited(
    client: TestClient, session: Session, world: World
) -> None:
    me = world.members["member"]
    sign_in(client, session, me)
    first = turn_on(client)
    again = client.post("/me/calendar", data={"csrf_token": CSRF})  # a page from before
    assert again.status_code == 303
    assert client.get(first).status_code == 200, "turning on again changes nothing"
    second = turn_on(client, "/me/calendar/rotate")
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    response = client.post("/me/calendar/off", data={"csrf_token": CSRF, **CONFIRMATION})
    assert response.status_code == 303
    assert client.get(second).status_code == 404
    verbs = session.exec(
        select(AuditEvent.verb)
        .where(AuditEvent.item_type == "user")
        .where(AuditEvent.item_id == str(me.id))
        .order_by(col(AuditEvent.seq))
    ).all()
    assert verbs[-3:] == [
        users.CALENDAR_FEED_CREATED,
        users.CALENDAR_FEED_ROTATED,
        users.CALENDAR_FEED_TURNED_OFF,
    ]
    assert "Your feed is off." in client.get("/me").text


def test_rotating_and_turning_off_ask_first(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["member"])
    path = turn_on(client)
    for url in ("/me/calendar/rotate", "/me/calendar/off"):
        asked = client.post(url, data={"csrf_token": CSRF})
        assert asked.status_code == 200
        assert 'name="confirmed"' in asked.text
        assert client.get(path).status_code == 200, "nothing changed"


def test_a_disabled_person_s_feed_is_404_at_once_and_a_removed_member_loses_the_account(
    client: TestClient, session: Session, world: World
) -> None:
    member = world.members["member"]
    add_action(session, world, "Call", member, TODAY)
    sign_in(client, session, member)
    path = turn_on(client)
    assert len(events(parse(client.get(path)))) == 1
    accounts.remove(session, actor=world.admin, membership=world.memberships["member"])
    session.commit()
    assert events(parse(client.get(path))) == {}
    person = session.get(User, member.id)
    assert person is not None
    person.is_disabled = True
    session.add(person)
    session.commit()
    assert client.get(path).status_code == 404
    assert client.get("/calendar/" + "x" * 43 + ".ics").status_code == 404


def test_reviews_joint_for_attendees_and_the_vendor_s_own_due_date_for_the_lead_only(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    lead, sponsor = world.members["lead"], world.members["sponsor"]
    starts = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    review = joint_reviews.schedule(
        session,
        actor=world.admin,
        account=world.account,
        plan=plan,
        checked=CheckedSchedule(CheckedTime(starts, "Europe/London", 90), (lead.id, sponsor.id)),  # type: ignore[arg-type]
    )
    session.commit()
    paths = {}
    for who in ("lead", "sponsor", "viewer"):
        sign_in(client, session, world.members[who])
        paths[who] = turn_on(client)
    client.cookies.clear()

    lead_events = events(parse(client.get(paths["lead"])))
    meeting = lead_events[review.uid]
    assert meeting["dtstart"].dt == starts  # type: ignore[index]
    assert meeting["dtend"].dt == starts + timedelta(minutes=90)  # type: ignore[index]
    assert str(meeting["summary"]) == "Joint review: Own account"  # type: ignore[index]
    due = lead_events[f"plan-review-{plan.id}@jointplan"]
    assert str(due["summary"]).startswith("Review due: ")  # type: ignore[index]

    assert list(events(parse(client.get(paths["sponsor"])))) == [review.uid]
    assert events(parse(client.get(paths["viewer"]))) == {}, "not invited"

    add_action(session, world, "First step", lead, TODAY)
    count_queries.statements.clear()
    client.get(paths["lead"])
    few = count_queries.count
    for i in range(15):
        add_action(session, world, f"Step {i}", lead, TODAY + timedelta(days=i))
    count_queries.statements.clear()
    assert len(events(parse(client.get(paths["lead"])))) == 18
    assert count_queries.count == few


def test_simultaneous_new_addresses_leave_one_feed_and_one_working_address(
    live_server: LiveServer,
) -> None:
    """Eight sessions of one person ask for a new address at once, the feed being off: the
    person's row lock queues them, so one creates it and each other one rotates it (never a
    second row, never a 500), and only the last address works."""
    with live_server.db.session() as session:
        person = factories.make_user(session, password=None)
        session.commit()
    clients = [_client(live_server, person) for _ in range(8)]
    try:
        responses = race(
            [
                partial(c.post, "/me/calendar/rotate", data={"csrf_token": CSRF, **CONFIRMATION})
                for c in clients
            ]
        )
        assert sorted(r.status_code for r in responses) == [200] * 8
        paths = [FEED.search(r.text).group(1).removeprefix(live_server.url) for r in responses]  # type: ignore[union-attr]
        assert len(set(paths)) == 8
        assert sorted(clients[0].get(p).status_code for p in paths) == [200] + [404] * 7
    finally:
        for c in clients:
            c.close()
    with Session(live_server.db.engine) as session:
        feeds = session.exec(select(CalendarFeed).where(CalendarFeed.user_id == person.id))
        assert len(feeds.all()) == 1
        verbs = session.exec(
            select(AuditEvent.verb)
            .where(AuditEvent.item_id == str(person.id))
            .where(col(AuditEvent.verb).startswith("user.calendar_feed"))
        ).all()
        assert sorted(verbs) == [users.CALENDAR_FEED_CREATED] + [users.CALENDAR_FEED_ROTATED] * 7


def test_an_action_carried_into_the_next_period_keeps_its_uid(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    action = add_action(session, world, "Carried", sponsor, TODAY + timedelta(days=5))
    sign_in(client, session, sponsor)
    path = turn_on(client)
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    assert plan.id is not None
    result = periods.start_next(
        session,
        actor=world.members["lead"],
        current=plan,
        values=NextPeriod("FY2099", date(2099, 1, 1), date(2099, 12, 31), plan.id, frozenset()),
    )
    session.commit()
    copy = result.copies["action"][action.id]  # type: ignore[index]
    assert copy.id != action.id
    found = events(parse(client.get(path)))
    assert list(found) == [f"action-{action.id}@jointplan"]
    assert str(found[f"action-{action.id}@jointplan"]["url"]).endswith(  # type: ignore[index]
        f"#action-{copy.id}"
    )


def test_a_feed_with_nothing_due_is_still_a_valid_calendar(
    client: TestClient, session: Session, world: World
) -> None:
    """RFC 5545 wants one component at least (icalendar's ``validate`` refuses a calendar
    without): with nothing due, the feed holds the UTC time zone, which shows nothing."""
    sign_in(client, session, world.members["viewer"])  # owns no action, attends no review
    path = turn_on(client)
    client.cookies.clear()

    response = client.get(path)
    calendar = parse(response)

    assert events(calendar) == {}
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["UTC"]
    calendar.validate()  # what a strict reader checks: no IncompleteComponent
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
