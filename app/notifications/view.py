"""What the inbox page shows, prepared once per request (templates display, they don't compute).

The person's notifications (one page of them, newest first) are grouped by account — the
account with the newest news first, news about no account in a group of its own — and, within
an account, by day where the person lives: "Today", "Yesterday", then the date. Each entry
shows when it came compactly ("just now", "5 min ago", "3 h ago", then the local time: the
day's heading gives the date), with the exact local time and zone in the ``<time>`` element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.kit import moments
from app.models import Notification

MINUTE = 60
HOUR = 60 * MINUTE
# Past this many hours, a moment of today reads better as its time ("09:14") than as "13 h ago".
RELATIVE_HOURS = 12
NO_ACCOUNT = "About you"


@dataclass(frozen=True)
class Stamp:
    """When an entry came: ``text`` to read, ``exact`` local time (title), ``iso`` (UTC)."""

    text: str
    exact: str
    iso: str


@dataclass(frozen=True)
class Entry:
    note: Notification
    stamp: Stamp

    @property
    def unread(self) -> bool:
        return self.note.read_at is None


@dataclass
class Day:
    heading: str
    iso: str  # the local date, for <time datetime>
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Group:
    """One account's news on this page (``account_id`` None: news about no account)."""

    account_id: int | None
    name: str
    unread: int  # all of the person's unread news of the account, not only this page's
    days: list[Day] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"inbox-account-{self.account_id}" if self.account_id else "inbox-account-none"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # stored times are UTC


def stamp(at: datetime, zone: ZoneInfo, now: datetime) -> Stamp:
    """ "just now", "N min ago", "N h ago" for the last hours of the person's today; otherwise
    the local time (24-hour clock). A moment a little ahead of now (another instance's clock)
    is "just now"."""
    moment = _aware(at)
    local = moment.astimezone(zone)
    seconds = (now - moment).total_seconds()
    same_day = local.date() == now.astimezone(zone).date()
    if seconds < MINUTE:
        text = "just now"
    elif seconds < HOUR:
        text = f"{int(seconds // MINUTE)} min ago"
    elif same_day and seconds < RELATIVE_HOURS * HOUR:
        text = f"{int(seconds // HOUR)} h ago"
    else:
        text = f"{local:%H:%M}"
    return Stamp(
        text=text,
        exact=moments.exact(moment, zone),
        iso=moment.astimezone(UTC).isoformat(timespec="seconds"),
    )


def day_heading(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A} {day.day} {day:%b %Y}"


def group(
    rows: Sequence[tuple[Notification, str | None]],
    *,
    zone: ZoneInfo,
    now: datetime,
    unread_by_account: Mapping[int | None, int],
) -> list[Group]:
    """``rows`` (newest first, with their account's name) as account groups of days."""
    today = now.astimezone(zone).date()
    groups: dict[int | None, Group] = {}
    for note, account_name in rows:
        found = groups.get(note.account_id)
        if found is None:
            found = groups[note.account_id] = Group(
                account_id=note.account_id,
                name=account_name or NO_ACCOUNT,
                unread=unread_by_account.get(note.account_id, 0),
            )
        local_day = _aware(note.created_at).astimezone(zone).date()
        if not found.days or found.days[-1].iso != local_day.isoformat():
            found.days.append(Day(day_heading(local_day, today), local_day.isoformat()))
        found.days[-1].entries.append(Entry(note, stamp(note.created_at, zone, now)))
    return list(groups.values())  # insertion order: the account with the newest news first
