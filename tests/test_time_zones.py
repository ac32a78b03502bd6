"""Time zones where people see time (issue 11 §2): each person's zone (their own, else their
workspace's; a client's: the workspace of the account they joined first), chosen on their
profile or, for the workspace, by its admins; "today" and "overdue" turn at the person's own
midnight; every shown moment is relative ("2 hours ago") with the exact local time, zone
abbreviation and all, on hover and for screen readers, in the zone of whoever reads it."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.audit.chain import GLOBAL_CHAIN
from app.invitations import service as invitations
from app.kit import moments
from app.kit.clock import clock
from app.models import AuditEvent, OutboxMessage, Role, User, Workspace
from app.plans import repository as plans_repo
from app.reviews import service as reviews
from app.web.templating import when
from tests.conftest import CSRF
from tests.factories import World, add_member, sign_in
from tests.testclient import TestClient

PARIS, NEW_YORK, TOKYO = (
    ZoneInfo("Europe/Paris"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Tokyo"),
)
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)  # a Friday, winter in the north
MADE_AT = '<time datetime="2027-01-15T09:00:00+00:00"'


# --- The one way a moment is shown --------------------------------------------------------------


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 minute ago"),
        (timedelta(minutes=2), "2 minutes ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(hours=24), "yesterday"),  # 12:00 the day before
        (timedelta(hours=36), "yesterday"),  # Thursday 00:00: counted in local midnights,
        (timedelta(hours=36, seconds=1), "2 days ago"),  # not in 24-hour spans
        (timedelta(days=6), "6 days ago"),
        (timedelta(days=7), "on 8 Jan 2027"),
        (-timedelta(seconds=30), "just now"),
        (-timedelta(minutes=1), "in 1 minute"),
        (-timedelta(hours=5), "in 5 hours"),
        (-timedelta(hours=30), "tomorrow"),
        (-timedelta(days=3), "in 3 days"),
        (-timedelta(days=8), "on 23 Jan 2027"),
    ],
)
def test_relative_phrasing_at_its_boundaries(ago: timedelta, text: str) -> None:
    assert moments.relative(NOW - ago, ZoneInfo("UTC"), now=NOW) == text


def test_yesterday_is_counted_where_the_viewer_is() -> None:
    """27 hours before 02:00 UTC is two UTC midnights ago, but one Tokyo midnight ago."""
    now = datetime(2027, 3, 3, 2, 0, tzinfo=UTC)
    then = now - timedelta(hours=27)
    assert moments.relative(then, ZoneInfo("UTC"), now=now) == "2 days ago"
    assert moments.relative(then, TOKYO, now=now) == "yesterday"
    assert moments.relative(now - timedelta(days=9), TOKYO, now=now, on=False) == "22 Feb 2027"


def test_the_exact_time_carries_the_zones_abbreviation_of_that_moment() -> None:
    winter = datetime(2027, 1, 15, 12, 5, tzinfo=UTC)
    summer = datetime(2027, 7, 15, 12, 5, tzinfo=UTC)
    assert moments.exact(winter, PARIS) == "15 Jan 2027, 13:05 CET"
    assert moments.exact(summer, PARIS) == "15 Jul 2027, 14:05 CEST"
    assert moments.exact(winter, NEW_YORK) == "15 Jan 2027, 07:05 EST"
    assert moments.exact(summer, NEW_YORK) == "15 Jul 2027, 08:05 EDT"
    # The night the clocks go forward in Paris (28 Mar 2027, 02:00 → 03:00).
    assert moments.exact(datetime(2027, 3, 28, 0, 59, tzinfo=UTC), PARIS).endswith("01:59 CET")
    assert moments.exact(datetime(2027, 3, 28, 1, 0, tzinfo=UTC), PARIS).endswith("03:00 CEST")
    assert moments.exact(winter, ZoneInfo("UTC")) == "15 Jan 2027, 12:05 UTC"


def test_the_time_element_has_the_instant_the_exact_time_and_text_for_screen_readers() -> None:
    at = NOW - timedelta(hours=2)
    markup = str(moments.time_element(at, PARIS, now=NOW))
    assert markup == (
        '<time datetime="2027-01-15T10:00:00+00:00" title="15 Jan 2027, 11:00 CET">2 hours ago'
        '<span class="visually-hidden"> (15 Jan 2027, 11:00 CET)</span></time>'
    )


def test_the_filter_shows_the_moment_in_the_readers_zone_from_the_apps_clock() -> None:
    clock.set(NOW)
    context = SimpleNamespace(get=lambda name: SimpleNamespace(zone=TOKYO))
    shown = str(when(context, NOW - timedelta(days=1)))  # type: ignore[arg-type]
    assert ">yesterday<" in shown
    assert 'title="14 Jan 2027, 21:00 JST"' in shown
    nobody = SimpleNamespace(get=lambda name: None)  # a page with nobody signed in: UTC
    assert 'title="14 Jan 2027, 12:00 UTC"' in str(when(nobody, NOW - timedelta(days=1)))  # type: ignore[arg-type]
    assert str(when(nobody, None)) == ""  # type: ignore[arg-type]


# --- Choosing one's zone ------------------------------------------------------------------------


def _reload(session: Session, model: type[User] | type[Workspace], id_: int | None) -> object:
    session.expire_all()  # the requests changed rows through their own sessions
    return session.get(model, id_)


def _events(session: Session, verb: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.seq))
        ).all()
    )


def test_a_person_chooses_their_zone_on_their_profile_audited(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    sign_in(client, session, lead)
    page = client.get("/me")
    assert page.status_code == 200
    assert '<option value="" selected>The default: UTC, your workspace&#39;s</option>' in page.text
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in page.text
    assert '<option value="America/New_York">America/New York</option>' in page.text

    response = client.post("/me/time-zone", data={"time_zone": "Asia/Tokyo", "csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == "/me#time-zone"
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.time_zone == "Asia/Tokyo"
    [event] = _events(session, "user.time_zone_changed")
    assert (event.chain, event.account_id, event.actor_id) == (GLOBAL_CHAIN, None, lead.id)
    assert event.changes == {"time_zone": ["", "Asia/Tokyo"]}
    followed = client.get("/me")
    assert "Your time zone is now Asia/Tokyo" in html.unescape(followed.text)
    assert '<option value="Asia/Tokyo" selected>' in followed.text
    assert "Yours is Asia/Tokyo, where it is now" in followed.text

    # The same zone again writes nothing; back to the default is a change like any other.
    client.post("/me/time-zone", data={"time_zone": "Asia/Tokyo", "csrf_token": CSRF})
    client.post("/me/time-zone", data={"time_zone": "", "csrf_token": CSRF})
    assert [e.changes for e in _events(session, "user.time_zone_changed")] == [
        {"time_zone": ["", "Asia/Tokyo"]},
        {"time_zone": ["Asia/Tokyo", ""]},
    ]


def test_an_unknown_zone_is_refused_with_the_choice_kept(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    sign_in(client, session, lead)
    response = client.post(
        "/me/time-zone", data={"time_zone": "Mars/Olympus_Mons", "csrf_token": CSRF}
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "“Mars/Olympus_Mons” is not a time zone Jointplan knows" in text
    assert '<option value="Mars/Olympus_Mons" selected>Mars/Olympus_Mons (not a time zone)' in text
    assert 'aria-invalid="true"' in response.text
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.time_zone == ""
    assert _events(session, "user.time_zone_changed") == []


def test_choosing_a_zone_needs_the_csrf_token(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post("/me/time-zone", data={"time_zone": "Asia/Tokyo"})
    assert response.status_code == 403
    assert "Page expired" in response.text
    assert _events(session, "user.time_zone_changed") == []


def test_the_admin_sets_the_workspaces_zone_audited_and_refused_names_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    page = client.get("/admin/time-zone")
    assert page.status_code == 200
    assert '<option value="UTC" selected>UTC</option>' in page.text
    assert '<option value="">' not in page.text  # a workspace always has a zone

    refused = client.post("/admin/time-zone", data={"time_zone": "", "csrf_token": CSRF})
    assert refused.status_code == 422
    assert "Choose a time zone from the list." in refused.text
    refused = client.post("/admin/time-zone", data={"time_zone": "Paris", "csrf_token": CSRF})
    assert refused.status_code == 422
    assert '<option value="Paris" selected>Paris (not a time zone)' in refused.text

    response = client.post(
        "/admin/time-zone", data={"time_zone": "Europe/Paris", "csrf_token": CSRF}
    )
    assert response.status_code == 303
    saved = _reload(session, Workspace, world.workspace.id)
    assert isinstance(saved, Workspace)
    assert saved.time_zone == "Europe/Paris"
    [event] = _events(session, "workspace.time_zone_changed")
    assert (event.chain, event.item_id) == (GLOBAL_CHAIN, str(world.workspace.id))
    assert event.changes == {"time_zone": ["UTC", "Europe/Paris"]}
    # Its people who chose no zone now live in it.
    team = TestClient(client.app, base_url="http://testserver")
    sign_in(team, session, world.members["team"])
    assert "Yours is Europe/Paris" in team.get("/me").text


def test_a_client_lives_in_the_zone_of_the_first_account_they_joined(
    client: TestClient, session: Session, world: World
) -> None:
    world.workspace.time_zone = "America/New_York"
    world.other_workspace.time_zone = "Asia/Tokyo"
    session.add_all([world.workspace, world.other_workspace])
    member = world.members["member"]
    # Joined later: another workspace's account does not move them.
    add_member(
        session, account=world.foreign_account, user=member, role=Role.MEMBER, by=world.other_admin
    )
    session.commit()
    sign_in(client, session, member)
    page = html.unescape(client.get("/me").text)
    assert "The default: America/New_York, the zone of the first account you joined" in page
    assert "Yours is America/New_York" in page


# --- "Today" and "overdue" turn at the person's own midnight ---------------------------------


def _due(session: Session, world: World, owner: User, title: str, due_on: date) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    checked = CheckedAction(title, "", owner.id, due_on, "not_started", Link())
    actions.create(session, actor=world.members["lead"], plan=plan, checked=checked)


def _label(client: TestClient, title: str) -> str:
    page = client.get("/my/actions")
    assert page.status_code == 200
    item = page.text[page.text.index(title) :]
    found = re.search(r"(Due today|Due tomorrow|Overdue by \d+ days?)", item)
    assert found is not None, item[:2000]
    return found.group(1)


def test_today_and_overdue_turn_at_each_persons_midnight(
    app: object, session: Session, world: World
) -> None:
    tokyo, utc = world.members["sponsor"], world.members["member"]
    tokyo.time_zone = "Asia/Tokyo"  # their own; the member lives in their account's (UTC)
    session.add(tokyo)
    _due(session, world, tokyo, "Action in Tokyo", date(2027, 1, 15))
    _due(session, world, utc, "Action in UTC", date(2027, 1, 15))
    session.commit()

    def label(person: User, title: str) -> str:
        client = TestClient(app, base_url="http://testserver")  # type: ignore[arg-type]
        sign_in(client, session, person)  # a session of its own at the clock's time
        return _label(client, title)

    clock.set(datetime(2027, 1, 15, 14, 59, tzinfo=UTC))  # 23:59 in Tokyo
    assert label(tokyo, "Action in Tokyo") == "Due today"
    assert label(utc, "Action in UTC") == "Due today"
    clock.set(datetime(2027, 1, 15, 15, 0, tzinfo=UTC))  # midnight in Tokyo
    assert label(tokyo, "Action in Tokyo") == "Overdue by 1 day"
    assert label(utc, "Action in UTC") == "Due today"
    clock.set(datetime(2027, 1, 16, 0, 0, tzinfo=UTC))  # midnight in UTC
    assert label(utc, "Action in UTC") == "Overdue by 1 day"
    clock.set(datetime(2027, 1, 13, 15, 0, tzinfo=UTC))  # 14 Jan in Tokyo, 13 Jan in UTC
    assert label(tokyo, "Action in Tokyo") == "Due tomorrow"


# --- One moment, two readers, two zones -------------------------------------------------------


def test_a_page_shows_a_moment_in_each_readers_zone(
    app: object, session: Session, world: World
) -> None:
    clock.set(NOW - timedelta(hours=3))  # the action is made (and audited) at 09:00 UTC
    _due(session, world, world.members["member"], "Book the kick-off", date(2027, 2, 1))
    paris, new_york = world.members["lead"], world.members["sponsor"]
    paris.time_zone, new_york.time_zone = "Europe/Paris", "America/New_York"
    session.add_all([paris, new_york])
    session.commit()
    clock.set(NOW)
    shown: dict[str, set[str]] = {}
    for person in (paris, new_york):
        reader = TestClient(app, base_url="http://testserver")  # type: ignore[arg-type]
        sign_in(reader, session, person)
        page = reader.get(f"/accounts/{world.account.id}/audit")
        assert page.status_code == 200
        shown[person.time_zone] = set(re.findall(re.escape(MADE_AT) + r"[^>]*>[^<]*", page.text))
    assert shown == {
        "Europe/Paris": {MADE_AT + ' title="15 Jan 2027, 10:00 CET">3 hours ago'},
        "America/New_York": {MADE_AT + ' title="15 Jan 2027, 04:00 EST">3 hours ago'},
    }


def test_the_invitation_email_states_its_expiry_exactly_in_the_workspaces_zone(
    session: Session, world: World
) -> None:
    """Mail has no hover: it states the exact local time (the invitee has no zone yet: the
    workspace's, which they will live in unless they choose one)."""
    world.workspace.time_zone = "Europe/Paris"
    session.add(world.workspace)
    clock.set(NOW)
    invitations.invite(
        session,
        inviter=world.admin,
        account=world.account,
        email="newcomer@client.example",
        role=Role.MEMBER,
        days=7,
    )
    mail = session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == "newcomer@client.example")
    ).one()
    assert "only for newcomer@client.example, until 22 Jan 2027, 13:00 CET.\n" in mail.body_text


def test_a_refusal_names_the_day_of_a_sign_off_where_the_reader_is() -> None:
    signed = reviews.Locked(
        "Maya signed this review off", datetime(2027, 1, 15, 20, tzinfo=UTC), "."
    )
    assert signed.message_in(ZoneInfo("UTC")) == "Maya signed this review off on 15 Jan 2027."
    assert signed.message_in(TOKYO) == "Maya signed this review off on 16 Jan 2027."
    assert reviews.Locked("Answered", None, " already.").message_in(TOKYO) == "Answered already."


def test_a_day_of_25_hours_is_still_today_not_0_days_ago() -> None:
    """Paris leaves summer time on 25 October 2026: that day lasts 25 hours. (Times are stored
    in UTC, as here: Python subtracts two times of one zone by their wall clocks.)"""
    paris = ZoneInfo("Europe/Paris")

    def at(*args: int) -> datetime:
        return datetime(*args, tzinfo=paris).astimezone(UTC)

    morning, night = at(2026, 10, 25, 0, 10), at(2026, 10, 25, 23, 50)  # 24 h 40 min apart
    assert moments.relative(morning, paris, now=night) == "24 hours ago"
    assert moments.relative(night, paris, now=morning) == "in 24 hours"
    assert moments.relative(at(2026, 10, 24, 23, 0), paris, now=night) == "yesterday"
    # Entering summer time (28 March 2027, 23 hours): 23 h 30 min across midnight.
    spring = at(2027, 3, 28, 23, 40)
    assert moments.relative(at(2027, 3, 27, 23, 10), paris, now=spring) == "23 hours ago"
