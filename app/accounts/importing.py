"""Importing accounts from a file (a workspace admin): account name, client organisation and
the lead's e-mail per row, all in one plan period chosen on the upload form.

Each row is checked as the new-account form checks it (``NewAccountForm``), and beyond: the
lead must be one of the workspace's own people with a login that is not disabled (they are
added as the account's lead at once, not invited), and an account name may appear once in the
file and not be taken in the workspace. The confirmation checks everything again, under the
workspace's lock (as creating one account does), then makes every account through
``service.open_account`` and ``service.add_member``: all of them, or none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import repository, service
from app.accounts.schemas import NewAccount, NewAccountForm
from app.imports.preview import Preview, RowCheck, mark_repeats
from app.imports.reading import Column, Row
from app.models import Account, Role, User
from app.web.forms import FormErrors, check_line, normalize_email
from app.workspaces import repository as workspaces_repo

COLUMNS = (
    Column("account_name", "Account name", ("account",)),
    Column(
        "client_name",
        "Client organisation",
        ("client organization", "client", "client name", "organisation", "organization"),
    ),
    Column(
        "lead_email",
        "Lead's e-mail",
        ("lead email", "lead's email", "account lead's e-mail", "account lead", "lead"),
    ),
)
EXAMPLE = (
    ("Harbor Logistics", "Harbor Logistics Ltd", "alex.lead@yourcompany.example"),
    ("Harbor Logistics – Europe", "Harbor Logistics Ltd", "sam.team@yourcompany.example"),
)
PERIOD = "period"  # the plan period of every account, typed on the upload form


def check_period(value: str) -> str | FormErrors:
    errors = FormErrors()
    period = check_line(value, errors, PERIOD, label="the first plan period", max_length=50)
    return errors or period


@dataclass(frozen=True)
class Checked:
    """A row that passed, ready to be made."""

    values: NewAccount
    lead: User


def check(session: Session, *, workspace_id: int, rows: list[Row]) -> tuple[Preview, list[Checked]]:
    """Every row's problems (the preview), and the rows as they will be made when there are
    none. Three queries whatever the number of rows."""
    preview = Preview([RowCheck(row) for row in rows])
    forms = [
        NewAccountForm(
            client_name=row.values.get("client_name", ""),
            account_name=row.values.get("account_name", ""),
            period=row.values.get(PERIOD, ""),
            lead_email=row.values.get("lead_email", ""),
        )
        for row in rows
    ]
    checked = [form.check() for form in forms]
    emails = [normalize_email(form.lead_email) for form in forms]
    people = repository.users_by_email(session, emails=emails)
    taken = repository.account_names(session, workspace_id=workspace_id)
    made: list[Checked] = []
    for row, form, values in zip(preview.rows, forms, checked, strict=True):
        # Every problem of the row at once: the lead is looked at even when the name is not.
        errors = values if isinstance(values, FormErrors) else FormErrors()
        for name, message in errors.items():
            row.add(name, message)
        lead = None
        if "lead_email" not in errors:
            email = normalize_email(form.lead_email)
            lead = _lead(row, people.get(email), email, workspace_id)
        if form.account_name.strip().casefold() in taken:
            row.add("account_name", "Your workspace already has an account of this name.")
        if lead is not None and isinstance(values, NewAccount):
            made.append(Checked(values, lead))
    mark_repeats(
        preview.rows,
        "account_name",
        lambda row: row.row.values.get("account_name", "").strip().casefold(),
        "Row {number} has this account name too: each account once.",
    )
    return preview, (made if preview.ok else [])


def _lead(row: RowCheck, user: User | None, email: str, workspace_id: int) -> User | None:
    if user is None:
        row.add(
            "lead_email",
            f"Nobody signs in with {email}: add them to your workspace first, or name another lead.",
        )
    elif user.workspace_id != workspace_id:
        row.add(
            "lead_email",
            f"{email} is not one of your workspace's people: a lead is on the vendor's side.",
        )
    elif user.is_disabled:
        row.add("lead_email", f"{user.display_name}'s login is disabled: name another lead.")
    else:
        return user
    return None


def lock(session: Session, *, workspace_id: int) -> None:
    """Imports and new accounts of the workspace queue here (see ``routes.create_account``),
    so the names checked are the names there are when the accounts are made."""
    workspaces_repo.get_for_update(session, workspace_id=workspace_id)


def make(session: Session, *, actor: User, rows: list[Checked]) -> list[Account]:
    """Every account with its first plan and its lead, audited (the caller checked them)."""
    accounts = []
    for row in rows:
        values = row.values
        account = service.open_account(
            session,
            actor=actor,
            client_name=values.client_name,
            account_name=values.account_name,
            period=values.period,
        )
        service.add_member(session, actor=actor, account=account, user=row.lead, role=Role.LEAD)
        accounts.append(account)
    return accounts
