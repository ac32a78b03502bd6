"""The time-zone form, a person's (``/me``) and a workspace's: one choice from the IANA list."""

from __future__ import annotations

from dataclasses import dataclass

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
