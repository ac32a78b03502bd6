"""Writing the client's priorities: add, edit, move up or down, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.models import Horizon, Importance, Priority, User
from app.permissions.guards import PriorityWriter
from app.permissions.policy import AccountAccess
from app.plans import repository as plans_repo
from app.plans.routes import render_plan
from app.priorities import repository, service
from app.priorities.schemas import PriorityForm
from app.web.errors import AppError, NotFoundError
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]


def _priority(db: DbSession, access: AccountAccess, priority_id: int) -> Priority:
    priority = repository.get_live(db, account_id=access.account_id, priority_id=priority_id)
    if priority is None:
        raise NotFoundError()
    return priority


def _owner_ids(db: DbSession, access: AccountAccess) -> set[int]:
    people = repository.client_people(db, account_id=access.account_id)
    return {p.id for p in people if p.id is not None}


def _back_to_plan(request: Request, access: AccountAccess, notice: str) -> Response:
    response = RedirectResponse(f"/accounts/{access.account_id}/plan#priorities", status_code=303)
    get_templates(request).flash(response, notice)
    return response


@router.post("/accounts/{account_id}/priorities")
def create_priority(
    request: Request,
    actor: CurrentActor,
    access: PriorityWriter,
    db: DbSession,
    title: Text = "",
    description: Text = "",
    importance: Text = "",
    horizon: Text = "",
    owner_id: Text = "",
) -> Response:
    form = PriorityForm(title, description, importance, horizon, owner_id)
    errors, owner = form.check(_owner_ids(db, access))
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    block = "priorities" if is_htmx(request) else None
    if errors:
        return render_plan(
            request, db, actor, access, block=block, form=form, errors=errors, status_code=422
        )
    priority = service.create(db, actor=actor.user, plan=plan, form=form, owner_id=owner)
    notice = f"Added “{priority.title}” as priority {priority.rank}."
    if block:
        return render_plan(request, db, actor, access, block=block, notice=notice)
    return _back_to_plan(request, access, notice)


def _render_edit(
    request: Request,
    access: AccountAccess,
    priority: Priority,
    form: PriorityForm,
    *,
    version: int,
    errors: dict[str, str] | None = None,
    stale: service.StaleEdit | None = None,
    owners: list[User] | None = None,
    status_code: int = 200,
) -> Response:
    return get_templates(request).render(
        request,
        "priorities/edit.html",
        {
            "access": access,
            "account": access.account,
            "priority": priority,
            "form": form,
            "version": version,
            "errors": errors or {},
            "stale": stale,
            "owners": owners or [],
            "importances": list(Importance),
            "horizons": list(Horizon),
        },
        status_code=status_code,
    )


@router.get("/accounts/{account_id}/priorities/{priority_id}/edit")
def edit_priority(
    request: Request, access: PriorityWriter, db: DbSession, priority_id: int
) -> Response:
    priority = _priority(db, access, priority_id)
    owners = list(repository.client_people(db, account_id=access.account_id))
    return _render_edit(
        request,
        access,
        priority,
        PriorityForm.of(priority),
        version=priority.version,
        owners=owners,
    )


@router.post("/accounts/{account_id}/priorities/{priority_id}")
def update_priority(
    request: Request,
    actor: CurrentActor,
    access: PriorityWriter,
    db: DbSession,
    priority_id: int,
    title: Text = "",
    description: Text = "",
    importance: Text = "",
    horizon: Text = "",
    owner_id: Text = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    priority = _priority(db, access, priority_id)
    owners = list(repository.client_people(db, account_id=access.account_id))
    form = PriorityForm(title, description, importance, horizon, owner_id)
    errors, owner = form.check({p.id for p in owners if p.id is not None})
    if errors:
        return _render_edit(
            request,
            access,
            priority,
            form,
            version=version,
            errors=errors,
            owners=owners,
            status_code=422,
        )
    try:
        service.update(
            db,
            actor=actor.user,
            priority=priority,
            form=form,
            owner_id=owner,
            expected_version=version,
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        return _render_edit(
            request,
            access,
            priority,
            form,
            version=priority.version,
            stale=stale,
            owners=owners,
            status_code=409,
        )
    return _back_to_plan(request, access, f"Saved “{priority.title}”.")


@router.post("/accounts/{account_id}/priorities/{priority_id}/move")
def move_priority(
    request: Request,
    actor: CurrentActor,
    access: PriorityWriter,
    db: DbSession,
    priority_id: int,
    direction: Text = "",
) -> Response:
    priority = _priority(db, access, priority_id)
    if direction not in ("up", "down"):
        raise AppError("Move a priority up or down.")
    service.move(db, actor=actor.user, priority=priority, up=direction == "up")
    notice = f"“{priority.title}” is now priority {priority.rank}."
    if is_htmx(request):
        return render_plan(
            request,
            db,
            actor,
            access,
            block="priorities",
            notice=notice,
            focus=f"move-{direction}-{priority.id}",
        )
    return _back_to_plan(request, access, notice)


@router.post("/accounts/{account_id}/priorities/{priority_id}/remove")
def remove_priority(
    request: Request, actor: CurrentActor, access: PriorityWriter, db: DbSession, priority_id: int
) -> Response:
    priority = _priority(db, access, priority_id)
    service.remove(db, actor=actor.user, priority=priority)
    notice = f"Removed “{priority.title}”."
    if is_htmx(request):
        return render_plan(request, db, actor, access, block="priorities", notice=notice)
    return _back_to_plan(request, access, notice)
