"""How a moment is shown to a person: relative ("2 hours ago") with the exact local time.

One place writes every time a page shows (the ``when`` filter of ``app/web/templating.py``
calls ``time_element``) and every time an e-mail states (``exact``: mail has no hover). The
zone is the viewer's (``app.kit.clock.zone_of``); the relative text counts from the app's one
clock, ``app.kit.clock.now()``, so tests move it.

The relative text always reads as an adverbial, so a sentence takes it as it is: "just now",
"5 minutes ago", "in 3 hours", "yesterday", "tomorrow", "4 days ago", "in 6 days", and past a
week the local date, "on 3 Dec 2026" (``on=False`` drops the "on" for a table cell).
Calendar words ("yesterday", days) count local midnights, not 24-hour spans.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from app.kit import numbers
from app.kit.clock import now as clock_now

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK_DAYS = 7


def _aware(at: datetime) -> datetime:
    # A naive time is UTC: that is how every stored time is meant (app.models).
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def local(at: datetime, zone: ZoneInfo) -> datetime:
    """The moment as the clock on the viewer's wall shows it (charts place and date by it)."""
    return _aware(at).astimezone(zone)


def local_day(at: datetime, zone: ZoneInfo, locale: str = numbers.DEFAULT_LOCALE) -> str:
    """'3 Dec 2026': the day it was where the viewer is, as their locale writes a day."""
    return numbers.date(_aware(at).astimezone(zone), locale)


def exact(at: datetime, zone: ZoneInfo, locale: str = numbers.DEFAULT_LOCALE) -> str:
    """'3 Dec 2026, 14:05 CET': the local time with the zone's abbreviation of that moment
    (summer or winter time as it was then, not as it is now); the day and the time of day as
    the reader's locale writes them ('Dec 3, 2026, 2:05 PM EST' in en-US)."""
    local = _aware(at).astimezone(zone)
    day, time = numbers.date(local, locale), numbers.clock_time(local, locale)
    return f"{day}, {time} {local:%Z}"


def relative(
    at: datetime,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    on: bool = True,
    locale: str = numbers.DEFAULT_LOCALE,
) -> str:
    """How long ago (or until when) ``at`` is, as a person says it; see the module docstring."""
    moment, current = _aware(at), _aware(now or clock_now())
    seconds = (current - moment).total_seconds()
    past = seconds >= 0
    span = abs(seconds)
    if span < MINUTE:
        return "just now"
    if span < HOUR:
        unit = _count(int(span // MINUTE), "minute")
        return f"{unit} ago" if past else f"in {unit}"
    # Calendar days where the person is: across a change of summer time a local day lasts 23
    # or 25 hours, so 24 hours may still be the same day (said in hours, never "0 days ago").
    days = (current.astimezone(zone).date() - moment.astimezone(zone).date()).days
    if span < DAY or days == 0:
        unit = _count(int(span // HOUR), "hour")
        return f"{unit} ago" if past else f"in {unit}"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    if abs(days) < WEEK_DAYS:
        unit = _count(abs(days), "day")
        return f"{unit} ago" if past else f"in {unit}"
    return ("on " if on else "") + local_day(moment, zone, locale)


def time_element(
    at: datetime,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    on: bool = True,
    locale: str = numbers.DEFAULT_LOCALE,
) -> Markup:
    """``<time>`` with the relative text, the exact local time on hover (``title``) and, for a
    screen reader, the exact time read after the relative one (visually hidden text: a
    ``title`` alone is not reliably read, and ``aria-label`` is not allowed on ``<time>``)."""
    moment = _aware(at)
    full = exact(moment, zone, locale)
    # Joined (``join`` escapes every part that is not markup), not ``Markup.format``: its
    # string formatter cost more than the rest of this function, and a thread or a plan page
    # shows dozens of moments.
    return _TIME_PARTS[0].join(
        (
            _TIME_PARTS[1],
            moment.astimezone(UTC).isoformat(timespec="seconds"),
            _TIME_PARTS[2],
            full,
            _TIME_PARTS[3],
            relative(moment, zone, now=now, on=on, locale=locale),
            _TIME_PARTS[4],
            full,
            _TIME_PARTS[5],
        )
    )


_TIME_PARTS = (
    Markup(""),
    Markup('<time datetime="'),
    Markup('" title="'),
    Markup('">'),
    Markup('<span class="visually-hidden"> ('),
    Markup(")</span></time>"),
)
