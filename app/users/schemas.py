"""The time-zone form, a person's (``/me``) and a workspace's: one choice from the IANA list;
and a person's locale form."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit import numbers
from app.kit.clock import is_zone
from app.kit.forms import Checked
from app.web.forms import FormErrors

FIELD = "time_zone"


@dataclass(frozen=True)
class ChosenZone:
    name: str  # an IANA name, or "" for "my workspace's" (a person's form only)


@dataclass
class TimeZoneForm:
    time_zone: str = ""

    def check(self, *, default_allowed: bool) -> Checked[ChosenZone]:
        """A zone of the list; "" (the default zone) only where ``default_allowed``."""
        name = self.time_zone.strip()
        if name == "" and default_allowed:
            return ChosenZone("")
        if not is_zone(name):
            errors = FormErrors()
            errors.add(
                FIELD,
                f"“{name[:80]}” is not a time zone Jointplan knows. Choose one from the list "
                "(a region and a city, e.g. Europe/Paris)."
                if name
                else "Choose a time zone from the list.",
            )
            return errors
        return ChosenZone(name)


LOCALE_FIELD = "locale"


@dataclass(frozen=True)
class ChosenLocale:
    tag: str  # one of ``app.kit.numbers.LOCALES``


@dataclass
class LocaleForm:
    """A person's locale (``/me``): how numbers and dates are written for them."""

    locale: str = ""

    def check(self) -> Checked[ChosenLocale]:
        tag = self.locale.strip()
        if numbers.is_locale(tag):
            return ChosenLocale(tag)
        errors = FormErrors()
        errors.add(
            LOCALE_FIELD,
            f"“{tag[:80]}” is not a locale Jointplan offers. Choose one from the list "
            "(e.g. English (United Kingdom) or Deutsch (Deutschland))."
            if tag
            else "Choose how numbers and dates are written for you from the list.",
        )
        return errors
