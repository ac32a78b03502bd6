"""The workspace home, creating accounts, the account page and its members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts import importing, repository, service
from app.accounts.page import account_page
from app.accounts.schemas import NewAccountForm, parse_role
from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.imports import page as import_page
from app.imports import service as imports
from app.imports.page import ImportSpec, Upload, UploadProblem, read_upload
from app.imports.reading import Row, TableProblem, read_table, template_csv
from app.invitations.service import InvitationProblem
from app.kit.forms import FormOf
from app.kit.pages import redirect, render
from app.kit.words import plural
from app.models import ImportKind, Membership
from app.permissions.guards import AccountCreator, AccountReader, MemberManager
from app.permissions.policy import AccountAccess, Actor
from app.waiting.page import home_page
from app.web.confirm import asks_first
from app.web.errors import NotFoundError, or_404
from app.web.forms import FormErrors, Text, Version, as_int
from app.web.templating import get_templates
from app.workspaces import repository as workspaces_repo

router = APIRouter()


@router.get("/")
def home(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    return home_page(request, db, actor).render()


@router.get("/accounts/new")
def new_account_form(request: Request, actor: AccountCreator) -> Response:
    return get_templates(request).render(
        request, "accounts/new.html", {"form": NewAccountForm(), "errors": FormErrors()}
    )


@router.post("/accounts")
def create_account(
    request: Request,
    actor: AccountCreator,
    db: DbSession,
    settings: SettingsDep,
    form: Annotated[NewAccountForm, FormOf(NewAccountForm)],
) -> Response:
    checked = form.check()
    errors = checked if isinstance(checked, FormErrors) else FormErrors()
    workspace_id = actor.user.workspace_id
    assert workspace_id is not None
    if not isinstance(checked, FormErrors):
        # Two admins creating the same account (or client) at once queue here, so the second
        # is told the name is taken instead of failing on the unique constraint.
        workspaces_repo.get_for_update(db, workspace_id=workspace_id)
        if repository.account_name_taken(db, workspace_id=workspace_id, name=checked.account_name):
            errors.add("account_name", "Your workspace already has an account of this name.")
        else:
            try:
                account, _ = service.create_account(
                    db,
                    actor=actor.user,
                    client_name=checked.client_name,
                    account_name=checked.account_name,
                    period=checked.period,
                    lead_email=checked.lead_email,
                    invitation_days=settings.invitation_days,
                )
            except InvitationProblem as problem:
                errors.add("lead_email", problem.message)
            else:
                notice = f"Account created; {checked.lead_email} is invited as lead."
                return redirect(request, f"/accounts/{account.id}", notice)
    return render(request, "accounts/new.html", {"form": form, "errors": errors}, status_code=422)


@router.get("/accounts/{account_id}")
def show_account(
    request: Request, actor: CurrentActor, access: AccountReader, db: DbSession
) -> Response:
    return account_page(request, db, actor, access).render()


def _member(db: DbSession, access: AccountAccess, membership_id: int) -> Membership:
    """The membership a change is about: the account first, then the membership, locked (see
    ``repository.lock_account``), so simultaneous changes queue and each sees the last."""
    repository.lock_account(db, account_id=access.account_id)
    return or_404(
        repository.get_member(db, account_id=access.account_id, membership_id=membership_id)
    )


def _after_member_change(
    request: Request, db: DbSession, actor: Actor, access: AccountAccess, error: str, notice: str
) -> Response:
    page = account_page(request, db, actor, access)
    if error:
        return page.refused(409, "members", member_error=error)
    return page.done(notice, "members", anchor="", notice_as="member_notice")


@router.post("/accounts/{account_id}/members/{membership_id}/role")
def change_role(
    request: Request,
    actor: CurrentActor,
    access: MemberManager,
    db: DbSession,
    membership_id: int,
    role: Text = "",
    version: Version = 0,
) -> Response:
    membership = _member(db, access, membership_id)
    errors = FormErrors()
    new_role = parse_role(role, errors)
    error = errors.get("role", "")
    if new_role is not None:
        try:
            service.change_role(
                db, actor=actor.user, membership=membership, role=new_role, expected_version=version
            )
        except service.MembershipProblem as problem:
            error = problem.message
    notice = f"{membership.user.display_name} is now {membership.role_enum.label.lower()}."
    return _after_member_change(request, db, actor, access, error, notice)


@router.post("/accounts/{account_id}/members/{membership_id}/remove")
@asks_first("Remove")
def remove_member(
    request: Request, actor: CurrentActor, access: MemberManager, db: DbSession, membership_id: int
) -> Response:
    membership = _member(db, access, membership_id)
    error = ""
    try:
        service.remove(db, actor=actor.user, membership=membership)
    except service.MembershipProblem as problem:
        error = problem.message
    notice = f"{membership.user.display_name} was removed from the account."
    return _after_member_change(request, db, actor, access, error, notice)


# --- Importing accounts from a file (a workspace admin) -----------------------------------------

IMPORT = ImportSpec(
    title="Import accounts",
    one="account",
    many="accounts",
    intro=(
        "Make many accounts at once from a spreadsheet: one row per account, with its client "
        "organisation and the e-mail of its lead, who must already sign in to your workspace "
        "and is made the account's lead at once (no invitation is sent)."
    ),
    columns=importing.COLUMNS,
    url="/admin/accounts/import",
    back_url="/",
    back_label="Back to your accounts",
    context={"ask_period": True},
)


@router.get(IMPORT.url)
def import_accounts_form(request: Request, actor: AccountCreator) -> Response:
    return import_page.show(request, IMPORT)


@router.get(IMPORT.template_url)
def import_accounts_template(actor: AccountCreator) -> Response:
    body = template_csv(importing.COLUMNS, importing.EXAMPLE)
    return import_page.template_file(body, "accounts-template.csv")


@router.post(IMPORT.url)
def import_accounts_upload(
    request: Request, actor: AccountCreator, db: DbSession, file: Upload = None, period: Text = ""
) -> Response:
    """Read the file and show every row with its problems; nothing is made yet. A file without
    problems is kept as a draft, which the confirmation applies."""
    kept = {"period": period}
    try:
        file_name, data = read_upload(file)
        table = read_table(data, file_name, importing.COLUMNS)
    except UploadProblem as problem:
        return import_page.show(
            request, IMPORT, status_code=problem.status, problem=problem.message, form=kept
        )
    except TableProblem as problem:
        return import_page.show(
            request, IMPORT, status_code=422, problem=problem.message, form=kept
        )
    checked_period = importing.check_period(period)
    if isinstance(checked_period, FormErrors):
        return import_page.show(request, IMPORT, status_code=422, errors=checked_period, form=kept)
    rows = [Row(row.number, row.values | {importing.PERIOD: checked_period}) for row in table.rows]
    workspace_id = _workspace_id(actor)
    preview, _ = importing.check(db, workspace_id=workspace_id, rows=rows)
    draft = None
    if preview.ok:
        draft = imports.keep(
            db,
            uploader=actor.user,
            kind=ImportKind.ACCOUNTS,
            workspace_id=workspace_id,
            account_id=None,
            file_name=file_name,
            rows=rows,
        )
    return import_page.show(
        request, IMPORT, preview=preview, draft=draft, file_name=file_name, form=kept
    )


@router.post(IMPORT.confirm_url)
def import_accounts_confirm(
    request: Request, actor: AccountCreator, db: DbSession, draft: Text = ""
) -> Response:
    """Make every account of the previewed file, or none (checked again: names may have been
    taken meanwhile). The draft is used once."""
    workspace_id = _workspace_id(actor)
    importing.lock(db, workspace_id=workspace_id)
    try:
        found = imports.claim(
            db,
            draft_id=as_int(draft) or 0,
            uploader=actor.user,
            kind=ImportKind.ACCOUNTS,
            workspace_id=workspace_id,
            account_id=None,
        )
    except imports.DraftUsed:
        return import_page.show(request, IMPORT, status_code=409, problem=imports.USED)
    if found is None:
        raise NotFoundError()
    preview, rows = importing.check(db, workspace_id=workspace_id, rows=imports.rows_of(found))
    if not preview.ok:
        return import_page.show(
            request, IMPORT, status_code=409, preview=preview, file_name=found.file_name
        )
    accounts = importing.make(db, actor=actor.user, rows=rows)
    made = [account.name for account in accounts]
    imports.finish(db, actor=actor.user, draft=found, made=made, account_id=None)
    notice = f"Imported {plural(len(made), 'account')}, each with its lead."
    return redirect(request, "/", notice)


def _workspace_id(actor: Actor) -> int:
    assert actor.workspace_id is not None, "the guard lets only workspace admins through"
    return actor.workspace_id
