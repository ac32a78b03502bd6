"""An inbox people can work through (issue 12 §5): grouped by account (the newest news first),
then by day where the person lives ("Today", "Yesterday", then the date), newest first within a
day; compact relative times with the exact local time in ``<time>``; opening one marks it read;
"mark all read" marks only the person's own, and only what the page showed; unread in bold with
a light per-item "mark read"; the page's queries do not grow with the inbox."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.kit.clock import clock
from app.models import Notification, Role, User
from app.notifications import view
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, add_member, sign_in
from tests.testclient import TestClient

FORM = {"X-CSRF-Token": CSRF}
TOKYO = ZoneInfo("Asia/Tokyo")
# 00:30 on Saturday 16 Jan 2027 in Tokyo; still Friday 15 Jan in UTC.
NOW = datetime(2027, 1, 15, 15, 30, tzinfo=UTC)


def put(
    session: Session,
    user: User,
    message: str,
    at: datetime,
    *,
    account_id: int | None = None,
    read: bool = False,
) -> Notification:
    """A notification for ``user`` that came at ``at`` (read already with ``read``)."""
    assert user.id is not None
    note = Notification(
        user_id=user.id,
        account_id=account_id,
        kind="mention",
        message=message,
        link=f"/accounts/{account_id}/plan" if account_id else "/me",
        created_at=at,
        read_at=at if read else None,
    )
    session.add(note)
    session.commit()
    return note


def live_in(session: Session, user: User, zone: str) -> None:
    user.time_zone = zone
    session.add(user)
    session.commit()


def section(text: str, heading: str) -> str:
    """The page's text from the group headed ``heading`` to the next group (or the end)."""
    start = text.index(f">{heading}")
    end = text.find('<section class="panel inbox-group"', start)
    return text[start : end if end != -1 else len(text)]


def entries(text: str) -> list[str]:
    """The messages of the entries, in page order."""
    return [
        html.unescape(m)
        for m in re.findall(
            r'class="inbox-open".*?<button type="submit" class="link-button">'
            r'(?:<span class="visually-hidden">Unread: </span>)?([^<]+)</button>',
            text,
            re.DOTALL,
        )
    ]


# --- Grouping ----------------------------------------------------------------------------------


def test_news_is_grouped_by_account_newest_account_first_then_by_day(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    add_member(session, account=world.other_account, user=lead, role=Role.LEAD, by=world.admin)
    session.commit()
    own, other = world.account.id, world.other_account.id
    clock.set(NOW)
    put(session, lead, "Own, an hour ago", NOW - timedelta(hours=1), account_id=own)
    put(session, lead, "Other, ten minutes ago", NOW - timedelta(minutes=10), account_id=other)
    put(session, lead, "Own, five minutes ago", NOW - timedelta(minutes=5), account_id=own)
    put(session, lead, "Other, two days ago", NOW - timedelta(days=2), account_id=other)
    put(session, lead, "Own, three days ago", NOW - timedelta(days=3), account_id=own, read=True)
    put(session, lead, "Your sign-in", NOW - timedelta(minutes=30))
    sign_in(client, session, lead)
    text = client.get("/inbox").text

    # The account with the newest news first; within one, the days newest first.
    headings = re.findall(r'<h2 id="inbox-account-[^"]+">([^<]+)', text)
    assert [h.strip() for h in headings] == ["Own account", "Other account", "About you"]
    own_part = section(text, "Own account")
    assert entries(own_part) == ["Own, five minutes ago", "Own, an hour ago", "Own, three days ago"]
    assert own_part.count('class="inbox-day"') == 2
    assert entries(section(text, "Other account")) == [
        "Other, ten minutes ago",
        "Other, two days ago",
    ]
    assert entries(section(text, "About you")) == ["Your sign-in"]
    # Each account says how much of its news is unread (the read one is not counted).
    assert 'Own account <span class="inbox-unread">· 2 unread</span>' in text
    assert 'Other account <span class="inbox-unread">· 2 unread</span>' in text
    assert "5 unread." in text


def test_day_headings_turn_at_the_persons_midnight_not_utcs(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    own = world.account.id
    clock.set(NOW)
    put(session, sponsor, "Just after midnight", NOW - timedelta(minutes=20), account_id=own)
    put(session, sponsor, "Just before midnight", NOW - timedelta(minutes=40), account_id=own)
    put(session, sponsor, "On Wednesday", datetime(2027, 1, 13, 10, 0, tzinfo=UTC), account_id=own)

    def days(text: str) -> list[tuple[str, str]]:
        return re.findall(r'class="inbox-day"><time datetime="([^"]+)">([^<]+)<', text)

    sign_in(client, session, sponsor)  # in UTC (the account's workspace has no zone): Friday
    utc = client.get("/inbox").text
    assert days(utc) == [("2027-01-15", "Today"), ("2027-01-13", "Wednesday 13 Jan 2027")]

    live_in(session, sponsor, "Asia/Tokyo")  # 00:30 on Saturday there
    tokyo = client.get("/inbox").text
    assert days(tokyo) == [
        ("2027-01-16", "Today"),
        ("2027-01-15", "Yesterday"),
        ("2027-01-13", "Wednesday 13 Jan 2027"),  # 19:00 in Tokyo
    ]
    today, yesterday = tokyo.split('class="inbox-day"')[1:3]
    assert entries(today) == ["Just after midnight"]
    assert entries(yesterday) == ["Just before midnight"]


# --- Times -------------------------------------------------------------------------------------


def test_times_are_relative_today_then_the_local_time() -> None:
    cases = [
        (NOW - timedelta(seconds=20), "just now"),
        (NOW + timedelta(seconds=30), "just now"),  # another instance's clock, a little ahead
        (NOW - timedelta(minutes=5), "5 min ago"),
        (NOW - timedelta(minutes=29, seconds=59), "29 min ago"),
    ]
    for at, text in cases:
        assert view.stamp(at, TOKYO, NOW).text == text
    # 00:30 in Tokyo: an hour ago was yesterday there, so its time, not "1 h ago".
    assert view.stamp(NOW - timedelta(hours=1), TOKYO, NOW).text == "23:30"
    later = NOW + timedelta(hours=14)  # 14:30 in Tokyo
    assert view.stamp(NOW + timedelta(hours=11), TOKYO, later).text == "3 h ago"
    assert view.stamp(NOW, TOKYO, later).text == "00:30"  # past 12 hours: the time
    assert view.stamp(NOW - timedelta(days=3), TOKYO, later).text == "00:30"
    stamp = view.stamp(NOW - timedelta(minutes=5), TOKYO, NOW)
    assert stamp.exact == "16 Jan 2027, 00:25 JST"
    assert stamp.iso == "2027-01-15T15:25:00+00:00"


def test_the_page_shows_each_time_relative_with_the_exact_local_time(
    client: TestClient, session: Session, world: World
) -> None:
    member = world.members["member"]
    live_in(session, member, "Asia/Tokyo")
    clock.set(NOW + timedelta(hours=14))  # 14:30 in Tokyo
    own = world.account.id
    put(session, member, "Recent", NOW + timedelta(hours=14, minutes=-5), account_id=own)
    put(session, member, "This morning", NOW + timedelta(hours=11), account_id=own)
    put(session, member, "Last night", NOW - timedelta(hours=1), account_id=own)
    sign_in(client, session, member)
    text = client.get("/inbox").text
    times = re.findall(
        r'<time class="inbox-when" datetime="([^"]+)" title="([^"]+)">([^<]+)<', text
    )
    assert times == [
        ("2027-01-16T05:25:00+00:00", "16 Jan 2027, 14:25 JST", "5 min ago"),
        ("2027-01-16T02:30:00+00:00", "16 Jan 2027, 11:30 JST", "3 h ago"),
        ("2027-01-15T14:30:00+00:00", "15 Jan 2027, 23:30 JST", "23:30"),
    ]
    assert "UTC" not in text.split("<h1>")[1]  # no UTC stamp anywhere on the page


# --- Reading -----------------------------------------------------------------------------------


def test_unread_is_bold_with_a_light_mark_read_and_read_is_plain(
    client: TestClient, session: Session, world: World
) -> None:
    team = world.members["team"]
    clock.set(NOW)
    unread = put(
        session, team, "Unread news", NOW - timedelta(minutes=3), account_id=world.account.id
    )
    read = put(
        session,
        team,
        "Read news",
        NOW - timedelta(minutes=9),
        account_id=world.account.id,
        read=True,
    )
    sign_in(client, session, team)
    text = client.get("/inbox").text
    unread_item = text.split(f'id="notification-{unread.id}"')[1].split("</li>")[0]
    read_item = text.split(f'id="notification-{read.id}"')[1].split("</li>")[0]
    assert f'class="inbox-entry unread" id="notification-{unread.id}"' in text
    assert f'class="inbox-entry" id="notification-{read.id}"' in text
    assert '<span class="visually-hidden">Unread: </span>Unread news' in unread_item
    # One small control, named for a screen reader; none on what is read already.
    assert 'aria-label="Mark read: Unread news"' in unread_item
    assert 'class="inbox-mark-button"' in unread_item
    assert "Mark read" not in read_item
    assert "Unread: " not in read_item
    assert text.count("Mark read") == 1 + 1  # the item's label and its title
    assert text.count("Mark all read") == 1


def test_opening_marks_read_and_goes_to_the_item(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    clock.set(NOW)
    note = put(session, sponsor, "Open me", NOW - timedelta(minutes=1), account_id=world.account.id)
    sign_in(client, session, sponsor)
    opened = client.post(f"/inbox/{note.id}/read", data={"open": "1"}, headers=FORM)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/accounts/{world.account.id}/plan"
    session.expire_all()
    assert session.get(Notification, note.id).read_at is not None  # type: ignore[union-attr]
    text = client.get("/inbox").text
    assert f'class="inbox-entry" id="notification-{note.id}"' in text  # now plain
    assert "Mark all read" not in text


def test_mark_all_read_marks_only_what_the_page_showed_and_only_ones_own(
    client: TestClient, session: Session, world: World
) -> None:
    mentor, lead = world.members["mentor"], world.members["lead"]
    own = world.account.id
    clock.set(NOW)
    seen = [
        put(session, mentor, f"Seen {i}", NOW - timedelta(minutes=i + 1), account_id=own)
        for i in range(3)
    ]
    theirs = put(session, lead, "The lead's", NOW - timedelta(minutes=2), account_id=own)
    sign_in(client, session, mentor)
    page = client.get("/inbox").text
    upto = re.search(r'name="upto" value="(\d+)"', page)
    assert upto is not None
    assert int(upto.group(1)) == seen[0].id
    # News that arrives while the page is open is not marked read unseen.
    arrived = put(session, mentor, "Arrived meanwhile", NOW + timedelta(seconds=5), account_id=own)
    done = client.post("/inbox/read-all", data={"upto": upto.group(1)}, headers=FORM)
    assert done.status_code == 303
    session.expire_all()

    def is_read(note: Notification) -> bool:
        found = session.get(Notification, note.id)
        return found is not None and found.read_at is not None

    assert all(is_read(note) for note in seen)
    assert not is_read(arrived)
    assert not is_read(theirs)
    after = client.get("/inbox").text
    assert "Everything in your inbox is marked read." in after
    assert entries(after)[0] == "Arrived meanwhile"
    assert "1 unread." in after
    # Naming a notification the person cannot see (another person's) as the newest seen marks
    # nothing at all: neither theirs nor what may have arrived meanwhile.
    client.post("/inbox/read-all", data={"upto": str(theirs.id)}, headers=FORM)
    session.expire_all()
    assert not is_read(theirs)
    assert not is_read(arrived)
    refused = client.get("/inbox").text
    assert "Nothing was marked: reload the inbox and try again." in refused


def test_nobody_marks_another_persons_notification(
    client: TestClient, session: Session, world: World
) -> None:
    lead, team = world.members["lead"], world.members["team"]
    clock.set(NOW)
    mine = put(
        session, lead, "The lead's own", NOW - timedelta(minutes=1), account_id=world.account.id
    )
    sign_in(client, session, team)
    for data in ({}, {"open": "1"}):
        assert client.post(f"/inbox/{mine.id}/read", data=data, headers=FORM).status_code == 404
    client.post("/inbox/read-all", headers=FORM)
    session.expire_all()
    assert session.get(Notification, mine.id).read_at is None  # type: ignore[union-attr]


# --- Queries -----------------------------------------------------------------------------------


def test_the_inbox_costs_the_same_queries_for_5_or_50_notifications(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    lead = world.members["lead"]
    add_member(session, account=world.other_account, user=lead, role=Role.LEAD, by=world.admin)
    session.commit()
    accounts = [world.account.id, world.other_account.id, None]
    clock.set(NOW)
    sign_in(client, session, lead)

    counts, made = [], 0
    for size in (5, 50):
        for i in range(made, size):  # spread over three groups and many days
            at = NOW - timedelta(hours=7 * i)
            put(session, lead, f"News {i}", at, account_id=accounts[i % 3])
        made = size
        client.get("/inbox")  # warm up (the session's touch)
        count_queries.statements.clear()
        text = client.get("/inbox").text
        counts.append(count_queries.count)
        assert text.count('class="inbox-entry') == size
        assert text.count('class="panel inbox-group"') == 3
    assert counts[0] == counts[1], count_queries.statements
    assert counts[1] <= 3  # the session (with the badge), the page of news, the unread counts
