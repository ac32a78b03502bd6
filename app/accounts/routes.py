"""The workspace home, creating accounts, the account page and its members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts import repository, service
from app.accounts.page import account_page
from app.accounts.schemas import NewAccountForm, parse_role
from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.invitations.service import InvitationProblem
from app.kit.forms import FormOf
from app.kit.pages import redirect, render
from app.models import Membership
from app.permissions.guards import AccountCreator, AccountReader, MemberManager
from app.permissions.policy import AccountAccess, Actor
from app.waiting.page import home_page
from app.web.confirm import asks_first
from app.web.errors import or_404
from app.web.forms import FormErrors, Text, Version
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
