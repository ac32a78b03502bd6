"""Sending, revoking and accepting invitations."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.page import account_page
from app.auth import service as auth_service
from app.auth.deps import CurrentActor, OptionalActor, SettingsDep, client_ip
from app.auth.passwords import password_problem
from app.auth.responses import signed_in_redirect
from app.db import DbSession
from app.invitations import mail as letter
from app.invitations import repository, service
from app.invitations.schemas import InviteForm, NewInvitation
from app.invitations.service import InvitationProblem, LinkState, link_state
from app.kit.forms import FormOf
from app.kit.pages import redirect
from app.mail import repository as mail_repo
from app.mail import service as mail_service
from app.mail.service import MailProblem
from app.models import Account, Invitation, User
from app.permissions.guards import MailSender, MemberManager, enforce_item
from app.permissions.policy import AccountAccess, Verb
from app.users import repository as users_repo
from app.users import service as users
from app.web.confirm import asks_first
from app.web.errors import ForbiddenError, GoneError, NotFoundError, or_404
from app.web.forms import FormErrors, Text, check_line, check_new_password
from app.web.templating import get_templates, is_htmx
from app.welcome import progress as welcome

router = APIRouter()
public = APIRouter()


@router.post("/accounts/{account_id}/invitations")
def send_invitation(
    request: Request,
    actor: CurrentActor,
    access: MemberManager,
    db: DbSession,
    settings: SettingsDep,
    form: Annotated[InviteForm, FormOf(InviteForm)],
) -> Response:
    """Invite someone, with an optional personal note; a second client sponsor only once the
    inviter has ticked the box the warning shows."""
    checked = form.check()
    errors = checked if isinstance(checked, FormErrors) else FormErrors()
    if isinstance(checked, NewInvitation):
        try:
            service.invite(
                db,
                inviter=actor.user,
                account=access.account,
                email=checked.email,
                role=checked.role,
                days=settings.invitation_days,
                note=checked.note,
                ask_before_second_sponsor=not checked.second_sponsor,
            )
        except InvitationProblem as problem:
            errors.add(problem.field, problem.message)
    page = account_page(request, db, actor, access)
    if errors or not isinstance(checked, NewInvitation):
        return page.refused(
            422, "invite_panel", invite=dataclasses.asdict(form), invite_errors=errors
        )
    # The form again, empty, suggesting the role the account lacks now.
    return page.done(
        f"Invitation sent to {checked.email}.", "invite_panel", anchor="", notice_as="invite_notice"
    )


@router.post("/accounts/{account_id}/invitations/{invitation_id}/revoke")
@asks_first("Withdraw")
def revoke_invitation(
    request: Request, actor: CurrentActor, access: MemberManager, db: DbSession, invitation_id: int
) -> Response:
    invitation = or_404(
        repository.get_in_account(db, account_id=access.account_id, invitation_id=invitation_id)
    )
    errors = FormErrors()
    try:
        service.revoke(db, actor=actor.user, invitation=invitation)
    except InvitationProblem as problem:
        errors.add("_form", problem.message)
    notice = "" if errors else f"The invitation to {invitation.email} was withdrawn."
    return _invite_panel_answer(request, db, actor, access, errors=errors, notice=notice)


@router.post("/accounts/{account_id}/invitations/{invitation_id}/send-again")
def send_invitation_again(
    request: Request, actor: CurrentActor, access: MailSender, db: DbSession, invitation_id: int
) -> Response:
    """Its e-mail was given up after the last attempt: queue the same e-mail (same link) again.
    For whoever sent it, and the lead and admins (``Verb.MAIL_SEND_AGAIN``)."""
    invitation = repository.get_in_account(
        db, account_id=access.account_id, invitation_id=invitation_id
    )
    mail = (
        mail_repo.of_invitation(db, invitation_id=invitation_id) if invitation is not None else None
    )
    if invitation is None or mail is None:
        raise NotFoundError()
    enforce_item(actor, access, Verb.MAIL_SEND_AGAIN, mail)
    errors = FormErrors()
    if link_state(invitation) is not LinkState.OPEN:
        errors.add("_form", "This invitation is no longer open.")
    else:
        try:
            mail_service.send_again(db, actor=actor.user, message=mail)
        except MailProblem as problem:
            errors.add("_form", problem.message)
    notice = "" if errors else f"The invitation e-mail to {invitation.email} is being sent again."
    return _invite_panel_answer(request, db, actor, access, errors=errors, notice=notice)


def _invite_panel_answer(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    access: AccountAccess,
    *,
    errors: FormErrors,
    notice: str,
) -> Response:
    """After a change to one invitation: the invitation panel again (htmx), or back to the
    account page with the notice or the problem."""
    page = account_page(request, db, actor, access)
    if not is_htmx(request):
        return redirect(
            request, page.url, notice or errors["_form"], kind="error" if errors else "success"
        )
    return page.render(
        "invite_panel",
        status_code=409 if errors else 200,
        invite_errors=errors,
        invite_notice=notice,
    )


def _open_invitation(db: DbSession, token: str) -> tuple[Invitation, Account]:
    found = service.find_by_token(db, token)
    if found is None:
        raise NotFoundError(
            "This invitation link is not known. Check that you opened the whole link."
        )
    invitation, account = found
    state = link_state(invitation)
    if state is LinkState.ACCEPTED:
        raise GoneError("This invitation was already accepted. Sign in to open the account.")
    if state is LinkState.EXPIRED:
        raise GoneError(
            "This invitation has expired. Ask the person who invited you to send a new one."
        )
    if state is LinkState.REVOKED:
        raise GoneError("This invitation was withdrawn. Ask the account lead for a new one.")
    return invitation, account


def _render_accept(
    request: Request,
    db: DbSession,
    actor: OptionalActor,
    settings: SettingsDep,
    token: str,
    invitation: Invitation,
    account: Account,
    *,
    errors: FormErrors | None = None,
    display_name: str = "",
    status_code: int = 200,
) -> Response:
    existing = users_repo.by_email(db, email=invitation.email)
    # Who wrote the note (none without one: no query for it).
    inviter = repository.inviter_of(db, invitation=invitation) if invitation.note else None
    return get_templates(request).render(
        request,
        "invitations/accept.html",
        {
            "token": token,
            "invitation": invitation,
            "account": account,
            "existing_user": existing,
            "inviter": inviter,
            "ask": letter.ASKS[invitation.role_enum],
            "wrong_user": actor is not None and actor.user.email != invitation.email,
            "errors": errors or FormErrors(),
            "display_name": display_name,
            "providers": settings.oidc_providers,
        },
        status_code=status_code,
    )


@public.get("/invitations/{token}")
def accept_form(
    request: Request, db: DbSession, actor: OptionalActor, settings: SettingsDep, token: str
) -> Response:
    invitation, account = _open_invitation(db, token)
    return _render_accept(request, db, actor, settings, token, invitation, account)


def _accepting_user(
    request: Request,
    db: DbSession,
    actor: OptionalActor,
    settings: SettingsDep,
    invitation: Invitation,
    errors: FormErrors,
    display_name: str,
    password: str,
    password_confirm: str,
) -> tuple[User | None, str]:
    """Who accepts, and the new session's token when they signed in here: the signed-in
    invitee; an existing user proving themselves with their password; or a new user."""
    session_token = ""
    user = actor.user if actor is not None and actor.user.email == invitation.email else None
    if user is None and users_repo.by_email(db, email=invitation.email) is not None:
        # An existing login proves itself like any sign-in: throttled and audited.
        result = auth_service.sign_in_with_password(
            db,
            email=invitation.email,
            password=password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            accept_language=request.headers.get("accept-language", ""),
            settings=settings,
        )
        if result.user is None:
            errors.add("password", result.error)
        user, session_token = result.user, result.token
    elif user is None:
        name = check_line(display_name, errors, "display_name", label="your name")
        problem = password_problem(password, email=invitation.email)
        check_new_password(password, password_confirm, errors, problem=problem)
        if not errors:
            user = users.create(db, email=invitation.email, display_name=name, password=password)
    return user, session_token


@public.post("/invitations/{token}")
def accept(
    request: Request,
    db: DbSession,
    actor: OptionalActor,
    settings: SettingsDep,
    token: str,
    display_name: Text = "",
    password: Text = "",
    password_confirm: Text = "",
) -> Response:
    """Accept as the signed-in invitee, as an existing user with their password, or as a new
    user who chooses a password here."""
    invitation, account = _open_invitation(db, token)
    if actor is not None and actor.user.email != invitation.email:
        # The page offers no form to someone else who is signed in; the route refuses too.
        raise ForbiddenError(
            f"This invitation is for {invitation.email}; you are signed in as {actor.user.email}."
        )
    errors = FormErrors()
    user, session_token = _accepting_user(
        request, db, actor, settings, invitation, errors, display_name, password, password_confirm
    )
    membership = None
    if user is not None and not errors:
        try:
            membership = service.accept(db, invitation=invitation, account=account, user=user)
        except InvitationProblem as problem:
            errors.add("_form", problem.message)
    if errors or user is None or membership is None:
        return _render_accept(
            request,
            db,
            actor,
            settings,
            token,
            invitation,
            account,
            errors=errors,
            display_name=display_name,
            status_code=422,
        )
    # A client contributor goes on to the first visit's short path; everyone else as before.
    location = welcome.first_page(db, user=user, account=account, membership=membership)
    if actor is not None and actor.user is user:
        response = RedirectResponse(location, status_code=303)
    else:
        if not session_token:
            session_token = auth_service.complete_sign_in(
                db,
                user=user,
                method="invitation",
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent", ""),
                accept_language=request.headers.get("accept-language", ""),
                settings=settings,
            )
        response = signed_in_redirect(request, session_token, settings, location)
    get_templates(request).flash(response, f"Welcome to the {account.name} account plan.")
    return response
