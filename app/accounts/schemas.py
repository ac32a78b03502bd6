"""Form input for accounts and memberships, checked into plain values or field errors."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import Role
from app.web.forms import FormErrors, check_email, check_line


@dataclass(frozen=True)
class NewAccount:
    client_name: str
    account_name: str
    period: str
    lead_email: str  # normalized


@dataclass
class NewAccountForm:
    client_name: str = ""
    account_name: str = ""
    period: str = ""
    lead_email: str = ""

    def check(self) -> Checked[NewAccount]:
        errors = FormErrors()
        client_name = check_line(self.client_name, errors, "client_name", label="the client's name")
        account_name = check_line(
            self.account_name, errors, "account_name", label="an account name"
        )
        period = check_line(self.period, errors, "period", label="the plan period", max_length=50)
        lead = check_email(self.lead_email, errors, "lead_email")
        return errors or NewAccount(client_name, account_name, period, lead)


def parse_role(value: str, errors: FormErrors, field: str = "role") -> Role | None:
    try:
        return Role(value)
    except ValueError:
        errors.add(field, "Choose a role from the list.")
        return None
