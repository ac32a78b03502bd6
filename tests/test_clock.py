"""The app's one clock (tests move time with it) and a person's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.kit import clock as clock_module
from app.kit.clock import clock, is_zone, local_today, now, zone_named, zone_of
from app.models import utcnow


def test_a_stopped_clock_stops_the_whole_app_and_moves_on_request() -> None:
    clock.set(datetime(2027, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris")))
    assert now() == datetime(2027, 3, 1, 8, 30, tzinfo=UTC)
    assert utcnow() == now()  # every row's timestamps come from the same clock
    clock.advance(timedelta(days=2))
    assert utcnow() == datetime(2027, 3, 3, 8, 30, tzinfo=UTC)


def test_a_running_clock_runs_ahead_by_what_it_was_moved() -> None:
    before = datetime.now(UTC)
    clock.advance(timedelta(days=7))
    ahead = now() - before
    assert timedelta(days=7) <= ahead < timedelta(days=7, minutes=1)
    clock.reset()
    assert now() - datetime.now(UTC) < timedelta(seconds=5)


def test_the_clock_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2027, 3, 1, 9, 30))  # noqa: DTZ001


def test_a_person_lives_in_their_own_zone_else_their_workspaces_else_utc() -> None:
    workspace = SimpleNamespace(time_zone="Europe/Berlin")
    assert zone_of(SimpleNamespace(time_zone="Asia/Tokyo"), workspace) == ZoneInfo("Asia/Tokyo")
    assert zone_of(SimpleNamespace(time_zone=""), workspace) == ZoneInfo("Europe/Berlin")
    assert zone_of(SimpleNamespace(time_zone=""), None) == ZoneInfo("UTC")
    assert zone_of(None, None) == ZoneInfo("UTC")


def test_an_unknown_zone_name_falls_back_to_utc_and_is_not_offered() -> None:
    assert zone_named("Mars/Olympus_Mons") == ZoneInfo("UTC")
    assert not is_zone("Mars/Olympus_Mons")
    assert is_zone("America/New_York")
    assert is_zone("UTC")
    assert "America/New_York" in clock_module.zone_names()


def test_today_is_the_date_where_the_person_is() -> None:
    clock.set(datetime(2027, 3, 1, 23, 30, tzinfo=UTC))
    assert local_today(ZoneInfo("UTC")) == date(2027, 3, 1)
    assert local_today(ZoneInfo("Asia/Tokyo")) == date(2027, 3, 2)
    assert local_today(ZoneInfo("America/Los_Angeles")) == date(2027, 3, 1)
