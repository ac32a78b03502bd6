"""The time the app reads, and the time zone a person lives in.

Every "now" in the app comes from ``now()`` (``app.models.utcnow`` reads it), so a test can move
time for the whole process — every app instance it serves — with ``clock.set`` or
``clock.advance`` and put it back with ``clock.reset``. Nothing else reads the system clock.

A person's time zone is their own, or else their workspace's (DESIGN.md: "today", "overdue",
due dates, digests and shown times use it). Names are IANA names ("Europe/Paris").
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"


class Clock:
    """The process's clock: the system's, unless a test set or moved it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fixed: datetime | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        with self._lock:
            if self._fixed is not None:
                return self._fixed
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        """Stop time at ``when`` (aware) until moved or reset."""
        if when.tzinfo is None:
            raise ValueError("the clock is set to an aware datetime")
        with self._lock:
            self._fixed = when.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        """Move time forward (a stopped clock stays stopped, later; a running one runs ahead)."""
        with self._lock:
            if self._fixed is not None:
                self._fixed += by
            else:
                self._offset += by

    def reset(self) -> None:
        with self._lock:
            self._fixed, self._offset = None, timedelta()


clock = Clock()


def now() -> datetime:
    """The current time, aware, in UTC."""
    return clock.now()


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name a person may choose, sorted."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def is_zone(name: str) -> bool:
    return name in zone_names()


def zone_named(name: str) -> ZoneInfo:
    """The zone of that name; UTC for an empty or unknown name (a zone withdrawn from the
    time-zone database must not break a page)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


class HasZone(Protocol):
    time_zone: str


def zone_of(person: HasZone | None, workspace: HasZone | None = None) -> ZoneInfo:
    """A person's time zone: their own, else their workspace's, else UTC."""
    name = (person.time_zone if person else "") or (workspace.time_zone if workspace else "")
    return zone_named(name)


def local_today(zone: ZoneInfo) -> date:
    """Today's date where the person is."""
    return now().astimezone(zone).date()
