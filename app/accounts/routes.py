"""The workspace home, creating accounts, the account page and its members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import repository, service
from app.accounts.schemas import NewAccountForm, parse_role
from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.invitations import repository as invitations_repo
from app.invitations.service import InvitationProblem
from app.invitations.view import rows as invitation_rows
from app.models import Membership, Role, Side
from app.permissions.guards import AccountCreator, AccountReader, MemberManager
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import repository as plans_repo
from app.validation import repository as validation_repo
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx
from app.workspaces import repository as workspaces_repo

router = APIRouter()
Text = Annotated[str, Form()]


@router.get("/")
def home(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    accounts = repository.list_for_user(db, user=actor.user)
    vendor = [a for a in accounts if a.role is None or Role(a.role).side is Side.VENDOR]
    client = [a for a in accounts if a.role is not None and Role(a.role).side is Side.CLIENT]
    return get_templates(request).render(
        request, "home.html", {"vendor_accounts": vendor, "client_accounts": client}
    )


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
    client_name: Text = "",
    account_name: Text = "",
    period: Text = "",
    lead_email: Text = "",
) -> Response:
    form = NewAccountForm(client_name, account_name, period, lead_email)
    errors, lead = form.check()
    workspace_id = actor.user.workspace_id
    assert workspace_id is not None
    if not errors:
        # Two admins creating the same account (or client) at once queue here, so the second
        # is told the name is taken instead of failing on the unique constraint.
        workspaces_repo.get_for_update(db, workspace_id=workspace_id)
        if repository.account_name_taken(db, workspace_id=workspace_id, name=form.account_name):
            errors.add("account_name", "Your workspace already has an account of this name.")
    if not errors:
        try:
            account, _ = service.create_account(
                db,
                actor=actor.user,
                client_name=form.client_name,
                account_name=form.account_name,
                period=form.period,
                lead_email=lead,
                base_url=settings.base_url,
                invitation_days=settings.invitation_days,
            )
        except InvitationProblem as problem:
            errors.add("lead_email", problem.message)
        else:
            response = RedirectResponse(f"/accounts/{account.id}", status_code=303)
            get_templates(request).flash(response, f"Account created; {lead} is invited as lead.")
            return response
    return get_templates(request).render(
        request, "accounts/new.html", {"form": form, "errors": errors}, status_code=422
    )


def account_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    account_id = access.account_id
    members = repository.list_members(db, account_id=account_id)
    can_see_invitations = may(actor, access, Verb.INVITATIONS_VIEW)
    return {
        "access": access,
        "account": access.account,
        "plan": plans_repo.current(db, account_id=account_id),
        "members": members,
        "member_groups": [
            ("Vendor team", [m for m in members if m.role_enum.side is Side.VENDOR]),
            ("Client", [m for m in members if m.role_enum.side is Side.CLIENT]),
        ],
        "invitations": (
            invitation_rows(actor, access, invitations_repo.list_open(db, account_id=account_id))
            if can_see_invitations
            else []
        ),
        "can_manage": may(actor, access, Verb.MEMBERS_MANAGE),
        "can_see_invitations": can_see_invitations,
        "can_verify": may(actor, access, Verb.AUDIT_VERIFY),
        "roles": list(Role),
        # The client's way to what was sent for its check (one query, client side only).
        "waiting_for_check": (
            0 if access.is_vendor else validation_repo.waiting_count(db, account_id=account_id)
        ),
    }


def render_account(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    block: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = account_context(db, actor, access)
    context.setdefault("invite", {"email": "", "role": Role.SPONSOR.value})
    context.setdefault("invite_errors", FormErrors())
    context.setdefault("member_error", "")
    context.update(extra)
    return get_templates(request).render(
        request, "accounts/show.html", context, block=block, status_code=status_code
    )


@router.get("/accounts/{account_id}")
def show_account(
    request: Request, actor: CurrentActor, access: AccountReader, db: DbSession
) -> Response:
    return render_account(request, db, actor, access)


def _member(db: DbSession, access: AccountAccess, membership_id: int) -> Membership:
    """The membership a change is about: the account first, then the membership, locked (see
    ``repository.lock_account``), so simultaneous changes queue and each sees the last."""
    repository.lock_account(db, account_id=access.account_id)
    membership = repository.get_member(
        db, account_id=access.account_id, membership_id=membership_id
    )
    if membership is None:
        raise NotFoundError()
    return membership


def _after_member_change(
    request: Request, db: DbSession, actor: Actor, access: AccountAccess, error: str, notice: str
) -> Response:
    if is_htmx(request):
        return render_account(
            request,
            db,
            actor,
            access,
            block="members",
            member_error=error,
            status_code=409 if error else 200,
            member_notice="" if error else notice,
        )
    if error:
        return render_account(request, db, actor, access, member_error=error, status_code=409)
    response = RedirectResponse(f"/accounts/{access.account_id}", status_code=303)
    get_templates(request).flash(response, notice)
    return response


@router.post("/accounts/{account_id}/members/{membership_id}/role")
def change_role(
    request: Request,
    actor: CurrentActor,
    access: MemberManager,
    db: DbSession,
    membership_id: int,
    role: Text = "",
    version: Annotated[int, Form()] = 0,
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
