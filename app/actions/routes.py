"""Joint actions: add, edit (stale-version check), quick status change, remove; and "my
actions", a person's open actions across their accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts import repository as accounts_repo
from app.actions import export, repository, sections, service, smart, view
from app.actions.schemas import ActionForm
from app.auth.deps import CurrentActor
from app.db import DbSession, commit_before_answer
from app.kit.downloads import csv_download, file_name
from app.kit.forms import FormOf, FormOrDefaultsOf
from app.kit.pages import Fragment, Page, render
from app.models import Action, ActionStatus, Membership, Plan
from app.permissions.guards import ActionWriter, ItemAccess, PlanReader, item_action, item_guard
from app.permissions.policy import AccountAccess, Actor, Verb
from app.plans.page import current_plan, plan_page, plan_url
from app.web.forms import FormErrors, Text, Version
from app.web.templating import is_htmx

router = APIRouter()
ITEM = "/accounts/{account_id}/actions/{action_id}"
# A new action's status is "not started" unless the form sends one; an edit always sends it.
NewForm = Annotated[ActionForm, FormOrDefaultsOf(ActionForm)]
EditForm = Annotated[ActionForm, FormOf(ActionForm)]
WrittenAction = Annotated[ItemAccess[Action], item_guard(Verb.ACTIONS_WRITE, Action, "action_id")]

SECTION = Fragment("actions/_section.html", "actions")
# The answer to a status change that leaves an open action open: its row alone.
ROW = Fragment("actions/_row.html")
NOTICE = "action_notice"
LINK_ERROR = "Choose a priority or a shared initiative of this plan, or nothing."


def _members(db: DbSession, access: AccountAccess) -> Sequence[Membership]:
    return accounts_repo.list_members(db, account_id=access.account_id)


def _past_due_note(action: Action, today: date) -> str:
    if action.due_on is not None and action.due_on < today and smart.is_open(action.status):
        return " Its due date has passed, so it shows as overdue."
    return ""


@router.post("/accounts/{account_id}/actions")
def create_action(
    request: Request,
    actor: CurrentActor,
    access: ActionWriter,
    db: DbSession,
    form: NewForm,
) -> Response:
    plan = current_plan(db, access)
    page = plan_page(request, db, actor, access)
    checked = form.check({m.user_id for m in _members(db, access)})
    if isinstance(checked, FormErrors):
        return page.refused(422, SECTION, action_form=form, action_errors=checked)
    try:
        action = service.create(db, actor=actor.user, plan=plan, checked=checked)
    except service.LinkNotAllowed:
        errors = FormErrors({"link": LINK_ERROR})
        return page.refused(422, SECTION, action_form=form, action_errors=errors)
    notice = f"Added the action “{action.title}”.{_past_due_note(action, actor.today())}"
    return page.done(
        notice, SECTION, anchor=f"action-{action.id}", notice_as=NOTICE, action_reveal=action.id
    )


def _edit_page(
    request: Request,
    db: DbSession,
    checked: ItemAccess[Action],
    plan: Plan,
    members: Sequence[Membership],
    stale: service.StaleEdit | None = None,
    *,
    today: date,
) -> Page:
    """The page that edits one action (back to the plan after saving); after a stale edit it
    also shows the action as saved now."""
    access, action = checked.access, checked.item
    assert plan.id is not None
    plan_id = plan.id

    def context() -> dict[str, object]:
        priorities, initiatives = repository.link_choices(
            db, account_id=access.account_id, plan_id=plan_id
        )
        saved = None
        if stale is not None:
            current = repository.PlanAction.of(stale.current)
            saved = view.section([current], members, priorities, initiatives, access, on=today).row(
                current
            )
        return {
            "access": access,
            "account": access.account,
            "action": action,
            "errors": FormErrors(),
            "stale": stale,
            "saved": saved,
            "owner_groups": view.owner_groups(members, access),
            "link_groups": view.link_groups(priorities, initiatives, access),
            "statuses": list(ActionStatus),
        }

    return Page(request, "actions/edit.html", context, url=plan_url(access))


def _shown(form: ActionForm, members: Sequence[Membership]) -> dict[str, Any]:
    """The form as the edit page shows it, with a note when its owner has left the account."""
    left = form.owner_id and form.owner_id not in {str(m.user_id) for m in members}
    note = "The owner is no longer on this account: choose someone who is." if left else ""
    return {"form": form, "owner_note": note}


@router.get(f"{ITEM}/edit")
def edit_action(
    request: Request, actor: CurrentActor, db: DbSession, checked: WrittenAction
) -> Response:
    action, plan = checked.item, current_plan(db, checked.access)
    members = _members(db, checked.access)
    page = _edit_page(request, db, checked, plan, members, today=actor.today())
    return page.render(**_shown(ActionForm.of(action), members), version=action.version)


@router.post(f"{ITEM}")
def update_action(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenAction,
    form: EditForm,
    version: Version = 0,
) -> Response:
    action, plan = checked.item, current_plan(db, checked.access)
    members = _members(db, checked.access)
    page = _edit_page(request, db, checked, plan, members, today=actor.today())
    values = form.check({m.user_id for m in members})
    if isinstance(values, FormErrors):
        return page.refused(422, **_shown(form, members), version=version, errors=values)
    try:
        service.update(
            db,
            actor=actor.user,
            plan=plan,
            action=action,
            checked=values,
            expected_version=version,
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        page = _edit_page(request, db, checked, plan, members, stale, today=actor.today())
        return page.refused(409, **_shown(form, members), version=action.version)
    except service.LinkNotAllowed:
        errors = FormErrors({"link": LINK_ERROR})
        return page.refused(422, **_shown(form, members), version=version, errors=errors)
    notice = f"Saved the action “{action.title}”.{_past_due_note(action, actor.today())}"
    return page.leave(notice, f"action-{action.id}")


@router.post(f"{ITEM}/status")
def change_action_status(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenAction,
    status: Text = "",
    version: Version = 0,
) -> Response:
    action, page = checked.item, plan_page(request, db, actor, checked.access)
    if status not in {s.value for s in ActionStatus}:
        return page.refused(422, SECTION, action_alert=f"Choose a status for “{action.title}”.")
    focus = f"action-status-{action.id}"
    was_open = smart.is_open(action.status)
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
        alert = (
            f"{stale.who} changed “{action.title}” meanwhile, so its status was not "
            f"changed. It is now “{label}”; choose again if it should still change."
        )
        return page.refused(
            409, SECTION, action_alert=alert, action_focus=focus, action_reveal=action.id
        )
    notice = f"“{action.title}” is now {ActionStatus(action.status).label.lower()}."
    if is_htmx(request) and was_open and smart.is_open(action.status):
        return _row_answer(request, db, actor, checked.access, action, notice)
    # Without JavaScript, back to the action; a closed one is in the list of closed actions,
    # which the page renders only when asked.
    anchor = f"action-{action.id}" if smart.is_open(action.status) else "actions-closed"
    return page.done(
        notice,
        SECTION,
        anchor=anchor,
        notice_as=NOTICE,
        action_focus=focus,
        action_reveal=action.id,
    )


def _row_answer(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    action: Action,
    notice: str,
) -> Response:
    """htmx's answer to a status change that left the action open. It stays where it was in
    its list, and the counts above the list and the plan's summary are as they were: the answer
    is the action's row alone (not the section, which would render every row down to this one)
    with the notice, out of band, read in two queries (three for an action carried over)
    whatever the plan's size (``sections.load_row``: none of the page's loaders runs)."""
    plan = current_plan(db, access)  # the guard read and locked it: no query
    commit_before_answer(request)
    assert action.id is not None
    context = sections.load_row(db, actor, access, plan, action.id)
    context |= {NOTICE: notice, "action_focus": f"action-status-{action.id}"}
    return render(request, ROW, context, headers={"HX-Reswap": "none"})


def remove_action(page: Page, db: DbSession, actor: Actor, action: Action) -> Response:
    service.remove(db, actor=actor.user, action=action)
    return page.done(f"Removed the action “{action.title}”.", SECTION, notice_as=NOTICE)


item_action(router, f"{ITEM}/remove", WrittenAction, plan_page, remove_action, asks="Remove")


@router.get("/my/actions")
def my_actions(request: Request, actor: CurrentActor, db: DbSession) -> Response:
    def context() -> dict[str, object]:
        found = repository.open_for_owner(db, user_id=actor.id)
        return {"groups": view.my_groups(found, on=actor.today())}

    return Page(request, "actions/mine.html", context, url="/my/actions").render()


@router.get("/my/actions.csv")
def my_actions_csv(actor: CurrentActor, db: DbSession) -> Response:
    """The rows of "my actions" as a spreadsheet: one query, like the page."""
    today = actor.today()
    groups = view.my_groups(repository.open_for_owner(db, user_id=actor.id), on=today)
    name = file_name("my actions", today.isoformat(), suffix=".csv")
    return csv_download(export.MINE_HEADER, export.mine_rows(groups), filename=name)


@router.get("/accounts/{account_id}/plan/actions.csv")
def plan_actions_csv(actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    """The current plan's actions the reader sees on the plan page, as a spreadsheet."""
    plan = current_plan(db, access)
    rows = export.plan_rows(db, actor, access, plan)
    name = export.plan_file_name(access, plan, actor.today())
    return csv_download(export.PLAN_HEADER, rows, filename=name)
