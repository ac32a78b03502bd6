"""Numbers, money and dates as the reader's locale writes them (CLDR's patterns, through Babel).

A person's locale (``User.locale``, "" until their first sign-in adopts one from the browser)
decides the separators, the order of day and month and where a currency's sign goes; the
workspace's currency (``Workspace.currency``, an ISO 4217 code) is the one every money figure
of its accounts is in. The words around them stay English: the locale formats, it does not
translate. Pages reach these through the filters of ``app/web/templating.py`` (``number``,
``decimal``, ``money``, ``percent``, ``date``, and ``when``/``exact`` via ``moments``).

    number(1234, "de-DE") == "1.234"           decimal(1234.5, "de-DE") == "1.234,5"
    money(1234, "USD", "en-US") == "$1,234"   money(1234, "EUR", "fr-FR") == "1 234 €"
    date(date(2026, 12, 3), "en-US") == "Dec 3, 2026"
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date as Date
from datetime import datetime, time
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent

# The locales a person may choose (``/me``) and a browser's may be matched to, in the order
# the form lists them; the first is the default of anyone who has none yet.
LOCALES: dict[str, str] = {
    "en-GB": "English (United Kingdom): 1,234.5 · 3 Dec 2026",
    "en-US": "English (United States): 1,234.5 · Dec 3, 2026",
    "de-DE": "Deutsch (Deutschland): 1.234,5 · 03.12.2026",
    "fr-FR": "Français (France): 1 234,5 · 3 déc. 2026",
    "nl-NL": "Nederlands (Nederland): 1.234,5 · 3 dec 2026",
    "es-ES": "Español (España): 1.234,5 · 3 dic 2026",
}
DEFAULT_LOCALE = "en-GB"
# The currencies a workspace may keep its figures in (ISO 4217), in the order the form lists.
CURRENCIES: tuple[str, ...] = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "CAD",
    "AUD",
    "NZD",
    "JPY",
    "CNY",
    "INR",
    "SGD",
    "HKD",
    "BRL",
    "MXN",
    "ZAR",
)
DEFAULT_CURRENCY = "EUR"

Number = int | float | Decimal | Fraction


def is_locale(tag: str) -> bool:
    return tag in LOCALES


def is_currency(code: str) -> bool:
    return code in CURRENCIES


@cache
def _babel(tag: str) -> Locale:
    """The Babel locale of a tag ("de-DE"); an unknown or empty tag is the default's."""
    try:
        return Locale.parse(tag if is_locale(tag) else DEFAULT_LOCALE, sep="-")
    except (UnknownLocaleError, ValueError):  # pragma: no cover - LOCALES are all known
        return Locale.parse(DEFAULT_LOCALE, sep="-")


def _plain(value: Number) -> Decimal | int | float:
    # Babel formats Decimal exactly; a Fraction (the scores' exact values) becomes one.
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value


# A page writes the same figures on every request (a portfolio's amounts, a plan's counts):
# each is formatted once per locale, as days are below. ``typed``: 1 and 1.0 are not one key.
@lru_cache(maxsize=4096, typed=True)
def number(value: Number, locale: str = DEFAULT_LOCALE) -> str:
    """A whole number with the locale's grouping: '1,234' (en-GB), '1.234' (de-DE); a fraction
    is rounded half to even."""
    return format_decimal(_plain(value), format="#,##0", locale=_babel(locale))


@lru_cache(maxsize=4096, typed=True)
def decimal(value: Number, locale: str = DEFAULT_LOCALE, *, places: int = 1) -> str:
    """A number with exactly ``places`` decimals: '1,234.5' (en-GB), '1.234,5' (de-DE)."""
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(_plain(value), format=pattern, locale=_babel(locale))


@lru_cache(maxsize=4096, typed=True)
def money(value: Number, currency: str, locale: str = DEFAULT_LOCALE, *, places: int = 0) -> str:
    """An amount in ``currency`` the way the locale writes it: '€10,000' (en-GB), '10.000 €'
    (de-DE), '$1,234' (en-US for USD). Amounts here are estimates: whole units unless
    ``places`` asks for decimals (a small return per day: '€12.5')."""
    babel = _babel(locale)
    code = currency if is_currency(currency) else DEFAULT_CURRENCY
    # "¤#,##0.00" -> "¤#,##0" or "¤#,##0.0" (each of a pattern's positive and negative halves).
    fraction = "." + "0" * places if places > 0 else ""
    pattern = babel.currency_formats["standard"].pattern.replace(".00", fraction)
    return format_currency(_plain(value), code, format=pattern, locale=babel, currency_digits=False)


@lru_cache(maxsize=4096, typed=True)
def percent(value: Number, locale: str = DEFAULT_LOCALE) -> str:
    """A share (0.25) as the locale writes a percentage: '25%' (en-GB), '25 %' (de-DE)."""
    return format_percent(_plain(value), locale=_babel(locale))


def date(day: Date | datetime, locale: str = DEFAULT_LOCALE) -> str:
    """A calendar day: '3 Dec 2026' (en-GB), 'Dec 3, 2026' (en-US), '03.12.2026' (de-DE)."""
    return _day(day.date() if isinstance(day, datetime) else day, locale)


def clock_time(at: datetime, locale: str = DEFAULT_LOCALE) -> str:
    """The time of day: '14:05' (en-GB, de-DE), '2:05 PM' (en-US)."""
    return _time_of_day(at.hour, at.minute, locale)


# A page shows the same few days and minutes again and again (every comment of a thread, every
# due date of a plan): each is formatted once, Babel's pattern work is the cost.
@lru_cache(maxsize=4096)
def _day(on: Date, locale: str) -> str:
    return format_date(on, format="medium", locale=_babel(locale))


@lru_cache(maxsize=2048)
def _time_of_day(hour: int, minute: int, locale: str) -> str:
    # The short time pattern shows hours and minutes (and AM/PM) only, never a zone.
    return format_time(time(hour, minute), format="short", locale=_babel(locale))


def group_symbol(locale: str = DEFAULT_LOCALE) -> str:
    """How the locale groups thousands: ',' (en-GB), '.' (de-DE), a narrow space (fr-FR)."""
    return str(_babel(locale).number_symbols["latn"]["group"])


def currency_name(code: str) -> str:
    """'Euro', 'US Dollar': the currency's name, in English as the pages are."""
    return str(_babel(DEFAULT_LOCALE).currencies.get(code, code))


def best_match(accept_language: str, offered: Iterable[str] = LOCALES) -> str | None:
    """The offered locale a browser's ``Accept-Language`` prefers most, or None: an exact tag
    first ("de-DE"), else the first offered of the same language ("de", "de-AT" -> "de-DE").
    Weights (``q=``) order the browser's list; a weight of 0 refuses a language."""
    choices = list(offered)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and weight > 0:
            ranked.append((-weight, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        found = _match_one(tag, choices)
        if found:
            return found
    return None


def _match_one(tag: str, choices: list[str]) -> str | None:
    wanted = tag.replace("_", "-").casefold()
    for choice in choices:
        if choice.casefold() == wanted:
            return choice
    language = wanted.split("-")[0]
    for choice in choices:
        if choice.split("-")[0].casefold() == language:
            return choice
    return None
