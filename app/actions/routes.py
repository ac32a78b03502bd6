"""Joint actions: add, edit (stale-version check), quick status change, remove; and "my
actions", a person's open actions across their accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts import repository as accounts_repo
from app.actions import repository, service, smart, view
from app.actions.schemas import ActionForm
from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.models import Action, ActionStatus, Membership, Plan
from app.permissions.guards import ActionWriter
from app.permissions.policy import AccountAccess, Actor
from app.plans import repository as plans_repo
from app.plans.page import back_to_plan, plan_context, render_plan
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Version = Annotated[int, Form()]
LINK_ERROR = "Choose a priority or a shared initiative of this plan, or nothing."


def _plan(db: DbSession, access: AccountAccess) -> Plan:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


def _action(db: DbSession, access: AccountAccess, action_id: int) -> Action:
    action = repository.get_live(db, account_id=access.account_id, action_id=action_id)
    if action is None:
        raise NotFoundError()
    return action


def _members(db: DbSession, access: AccountAccess) -> Sequence[Membership]:
    return accounts_repo.list_members(db, account_id=access.account_id)


def render_section(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The actions section alone (htmx), or the whole plan page around it."""
    if not is_htmx(request):
        return render_plan(request, db, actor, access, status_code=status_code, **extra)
    context = plan_context(db, actor, access) | extra
    return get_templates(request).render(
        request, "actions/_section.html", context, block="actions", status_code=status_code
    )


def _done(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    notice: str,
    *,
    anchor: str = "actions",
    focus: str = "",
) -> Response:
    if is_htmx(request):
        return render_section(request, db, actor, access, action_notice=notice, action_focus=focus)
    return back_to_plan(request, access, notice, anchor)


def _past_due_note(action: Action) -> str:
    if action.due_on is not None and action.due_on < view.today() and smart.is_open(action.status):
        return " Its due date has passed, so it shows as overdue."
    return ""


@router.post("/accounts/{account_id}/actions")
def create_action(
    request: Request,
    actor: CurrentActor,
    access: ActionWriter,
    db: DbSession,
    settings: SettingsDep,
    title: Text = "",
    outcome: Text = "",
    owner_id: Text = "",
    due_on: Text = "",
    status: Text = ActionStatus.NOT_STARTED.value,
    link: Text = "",
) -> Response:
    plan = _plan(db, access)
    form = ActionForm(title, outcome, owner_id, due_on, status, link)
    errors, checked = form.check({m.user_id for m in _members(db, access)})
    action: Action | None = None
    if checked is not None:
        try:
            action = service.create(
                db, actor=actor.user, plan=plan, checked=checked, base_url=settings.base_url
            )
        except service.LinkNotAllowed:
            errors.add("link", LINK_ERROR)
    if action is None:
        return render_section(
            request, db, actor, access, action_form=form, action_errors=errors, status_code=422
        )
    notice = f"Added the action “{action.title}”.{_past_due_note(action)}"
    return _done(request, db, actor, access, notice, anchor=f"action-{action.id}")


def _render_edit(
    request: Request,
    db: DbSession,
    access: AccountAccess,
    plan: Plan,
    action: Action,
    form: ActionForm,
    *,
    version: int,
    errors: FormErrors | None = None,
    stale: service.StaleEdit | None = None,
    status_code: int = 200,
) -> Response:
    assert plan.id is not None
    priorities, initiatives = repository.link_choices(
        db, account_id=access.account_id, plan_id=plan.id
    )
    members = _members(db, access)
    saved = None
    if stale is not None:
        saved = view.section([stale.current], members, priorities, initiatives, access)
    return get_templates(request).render(
        request,
        "actions/edit.html",
        {
            "access": access,
            "account": access.account,
            "action": action,
            "form": form,
            "version": version,
            "errors": errors or FormErrors(),
            "stale": stale,
            "saved": (saved.open + saved.closed)[0] if saved else None,
            "owner_groups": view.owner_groups(members, access),
            "owner_note": (
                "The owner is no longer on this account: choose someone who is."
                if form.owner_id and form.owner_id not in {str(m.user_id) for m in members}
                else ""
            ),
            "link_groups": view.link_groups(priorities, initiatives, access),
            "statuses": list(ActionStatus),
        },
        status_code=status_code,
    )


@router.get("/accounts/{account_id}/actions/{action_id}/edit")
def edit_action(request: Request, access: ActionWriter, db: DbSession, action_id: int) -> Response:
    action = _action(db, access, action_id)
    plan = _plan(db, access)
    return _render_edit(
        request, db, access, plan, action, ActionForm.of(action), version=action.version
    )


@router.post("/accounts/{account_id}/actions/{action_id}")
def update_action(
    request: Request,
    actor: CurrentActor,
    access: ActionWriter,
    db: DbSession,
    settings: SettingsDep,
    action_id: int,
    title: Text = "",
    outcome: Text = "",
    owner_id: Text = "",
    due_on: Text = "",
    status: Text = "",
    link: Text = "",
    version: Version = 0,
) -> Response:
    action = _action(db, access, action_id)
    plan = _plan(db, access)
    form = ActionForm(title, outcome, owner_id, due_on, status, link)
    errors, checked = form.check({m.user_id for m in _members(db, access)})
    if checked is not None:
        try:
            service.update(
                db,
                actor=actor.user,
                plan=plan,
                action=action,
                checked=checked,
                expected_version=version,
                base_url=settings.base_url,
            )
        except service.StaleEdit as stale:
            # Nothing was saved; the person's text stays in the form, next to what is saved now.
            return _render_edit(
                request,
                db,
                access,
                plan,
                action,
                form,
                version=action.version,
                stale=stale,
                status_code=409,
            )
        except service.LinkNotAllowed:
            errors.add("link", LINK_ERROR)
    if errors or checked is None:
        return _render_edit(
            request, db, access, plan, action, form, version=version, errors=errors, status_code=422
        )
    notice = f"Saved the action “{action.title}”.{_past_due_note(action)}"
    return back_to_plan(request, access, notice, f"action-{action.id}")


@router.post("/accounts/{account_id}/actions/{action_id}/status")
def change_action_status(
    request: Request,
    actor: CurrentActor,
    access: ActionWriter,
    db: DbSession,
    action_id: int,
    status: Text = "",
    version: Version = 0,
) -> Response:
    action = _action(db, access, action_id)
    if status not in {s.value for s in ActionStatus}:
        return render_section(
            request,
            db,
            actor,
            access,
            action_alert=f"Choose a status for “{action.title}”.",
            status_code=422,
        )
    try:
        service.change_status(
            db,
            actor=actor.user,
            action=action,
            status=ActionStatus(status),
            expected_version=version,
        )
    except service.StaleEdit as stale:
        label = ActionStatus(stale.current.status).label.lower()
        return render_section(
            request,
            db,
            actor,
            access,
            action_alert=(
                f"{stale.who} changed “{action.title}” meanwhile, so its status was not "
                f"changed. It is now “{label}”; choose again if it should still change."
            ),
            action_focus=f"action-status-{action.id}",
            status_code=409,
        )
    notice = f"“{action.title}” is now {ActionStatus(action.status).label.lower()}."
    return _done(
        request,
        db,
        actor,
        access,
        notice,
        anchor=f"action-{action.id}",
        focus=f"action-status-{action.id}",
    )


@router.post("/accounts/{account_id}/actions/{action_id}/remove")
def remove_action(
    request: Request, actor: CurrentActor, access: ActionWriter, db: DbSession, action_id: int
) -> Response:
    action = _action(db, access, action_id)
    service.remove(db, actor=actor.user, action=action)
    return _done(request, db, actor, access, f"Removed the action “{action.title}”.")


@router.get("/my/actions")
def my_actions(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    rows = repository.open_for_owner(db, user_id=actor.id)
    return get_templates(request).render(
        request, "actions/mine.html", {"groups": view.my_groups(rows)}
    )
