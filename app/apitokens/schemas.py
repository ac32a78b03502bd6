"""The form that makes a personal access token, checked into values or field errors."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import TokenScope
from app.web.forms import FormErrors, check_line

# How long a new token lives: there is no token without an end.
EXPIRY_DAYS = (30, 90, 365)
SCOPE_LABELS = {
    TokenScope.READ: "Read only (GET)",
    TokenScope.WRITE: "Read and write",
}


@dataclass(frozen=True)
class CheckedToken:
    name: str
    scope: TokenScope
    days: int


@dataclass
class TokenForm:
    name: str = ""
    scope: str = TokenScope.READ.value
    days: str = "90"

    def check(self) -> Checked[CheckedToken]:
        errors = FormErrors()
        name = check_line(self.name, errors, "name", label="a name for the token", max_length=100)
        if self.scope not in {scope.value for scope in TokenScope}:
            errors.add("scope", "Choose what the token may do.")
        if self.days not in {str(days) for days in EXPIRY_DAYS}:
            errors.add("days", "Choose when the token stops working.")
        if errors:
            return errors
        return CheckedToken(name, TokenScope(self.scope), int(self.days))
