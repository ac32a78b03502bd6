"""Writing the client's priorities: add, edit, move up or down, re-rank by drag, remove; and
the vendor's suggestions of priorities with the client's answers (accept, reword, reject)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.models import Horizon, Importance, Plan, Priority, PriorityStatus, User
from app.permissions.guards import PrioritySuggester, PriorityWriter, SuggestionAnswerer
from app.permissions.policy import AccountAccess, Actor
from app.plans import repository as plans_repo
from app.plans.routes import back_to_plan, render_plan
from app.priorities import repository, service
from app.priorities.schemas import PriorityForm, check_order, check_reason
from app.web.errors import AppError, NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Version = Annotated[int, Form()]


def _priority(db: DbSession, access: AccountAccess, priority_id: int) -> Priority:
    priority = repository.get_live(db, account_id=access.account_id, priority_id=priority_id)
    if priority is None:
        raise NotFoundError()
    return priority


def _owner_ids(db: DbSession, access: AccountAccess) -> set[int]:
    people = repository.client_people(db, account_id=access.account_id)
    return {p.id for p in people if p.id is not None}


def _plan(db: DbSession, access: AccountAccess) -> Plan:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


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
    return back_to_plan(request, access, notice, "priorities")


@router.post("/accounts/{account_id}/priorities/order")
def reorder_priorities(
    request: Request,
    actor: CurrentActor,
    access: PriorityWriter,
    db: DbSession,
    ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The complete new order (drag and drop). Declared before ``/priorities/{priority_id}``
    so that "order" is not taken for an id."""
    errors = FormErrors()
    order = check_order(ids or [], errors)
    plan = _plan(db, access)
    block = "priorities" if is_htmx(request) else None
    if errors:
        return render_plan(
            request, db, actor, access, block=block, order_error=errors["ids"], status_code=422
        )
    try:
        moved = service.reorder(db, actor=actor.user, plan=plan, ids=order)
    except service.OrderConflict:
        message = (
            "The list changed while you were re-ranking: a priority was added or removed. "
            "Nothing was saved; this is the list as it is now, move yours again."
        )
        return render_plan(
            request, db, actor, access, block=block, order_error=message, status_code=409
        )
    notice = "Saved the new order." if moved else "The order is unchanged."
    if block:
        return render_plan(request, db, actor, access, block=block, notice=notice)
    return back_to_plan(request, access, notice, "priorities")


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
    return back_to_plan(request, access, f"Saved “{priority.title}”.", "priorities")


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
    return back_to_plan(request, access, notice, "priorities")


@router.post("/accounts/{account_id}/priorities/{priority_id}/remove")
def remove_priority(
    request: Request, actor: CurrentActor, access: PriorityWriter, db: DbSession, priority_id: int
) -> Response:
    priority = _priority(db, access, priority_id)
    service.remove(db, actor=actor.user, priority=priority)
    notice = f"Removed “{priority.title}”."
    if is_htmx(request):
        return render_plan(request, db, actor, access, block="priorities", notice=notice)
    return back_to_plan(request, access, notice, "priorities")


# --- Vendor suggestions and the client's answers ---------------------------------------------


def _suggestion(db: DbSession, access: AccountAccess, suggestion_id: int) -> Priority:
    """A suggestion of this account (answered ones too: an answer that comes too late is told
    who answered first, not that the suggestion does not exist)."""
    suggestion = repository.get_suggestion(
        db, account_id=access.account_id, suggestion_id=suggestion_id
    )
    if suggestion is None:
        raise NotFoundError()
    return suggestion


def _pending(db: DbSession, access: AccountAccess, suggestion_id: int) -> Priority:
    suggestion = _suggestion(db, access, suggestion_id)
    if suggestion.status != PriorityStatus.SUGGESTED:
        raise NotFoundError()
    return suggestion


def _answered_meanwhile(stale: service.StaleEdit) -> str:
    current = stale.current
    if current.status == PriorityStatus.ACTIVE:
        return (
            f"{stale.who} already accepted this suggestion: “{current.title}” is priority "
            f"{current.rank}. Nothing was changed."
        )
    if current.status == PriorityStatus.REJECTED:
        return f"{stale.who} already rejected “{current.title}”. Nothing was changed."
    return f"{stale.who} changed this suggestion meanwhile. Read it again before you answer."


@router.post("/accounts/{account_id}/suggestions")
def suggest_priority(
    request: Request,
    actor: CurrentActor,
    access: PrioritySuggester,
    db: DbSession,
    settings: SettingsDep,
    title: Text = "",
    description: Text = "",
    importance: Text = "",
    horizon: Text = "",
) -> Response:
    form = PriorityForm(title, description, importance, horizon)
    errors, _ = form.check(set())
    plan = _plan(db, access)
    block = "priorities" if is_htmx(request) else None
    if errors:
        return render_plan(
            request,
            db,
            actor,
            access,
            block=block,
            suggestion_form=form,
            suggestion_errors=errors,
            status_code=422,
        )
    service.suggest(db, actor=actor.user, plan=plan, form=form, base_url=settings.base_url)
    notice = (
        f"Suggested “{form.title}”. The client decides whether it becomes one of their priorities."
    )
    if block:
        return render_plan(request, db, actor, access, block=block, notice=notice)
    return back_to_plan(request, access, notice, "priorities")


def _answer_refused(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    status_code: int,
    **extra: object,
) -> Response:
    block = "priorities" if is_htmx(request) else None
    return render_plan(request, db, actor, access, block=block, status_code=status_code, **extra)


@router.post("/accounts/{account_id}/suggestions/{suggestion_id}/accept")
def accept_suggestion(
    request: Request,
    actor: CurrentActor,
    access: SuggestionAnswerer,
    db: DbSession,
    settings: SettingsDep,
    suggestion_id: int,
    version: Version = 0,
) -> Response:
    suggestion = _suggestion(db, access, suggestion_id)
    try:
        service.accept(
            db,
            actor=actor.user,
            suggestion=suggestion,
            expected_version=version,
            base_url=settings.base_url,
        )
    except service.StaleEdit as stale:
        return _answer_refused(
            request, db, actor, access, status_code=409, answer_error=_answered_meanwhile(stale)
        )
    notice = f"Accepted “{suggestion.title}” as priority {suggestion.rank}."
    if is_htmx(request):
        return render_plan(request, db, actor, access, block="priorities", notice=notice)
    return back_to_plan(request, access, notice, "priorities")


@router.post("/accounts/{account_id}/suggestions/{suggestion_id}/reject")
def reject_suggestion(
    request: Request,
    actor: CurrentActor,
    access: SuggestionAnswerer,
    db: DbSession,
    settings: SettingsDep,
    suggestion_id: int,
    reason: Text = "",
    version: Version = 0,
) -> Response:
    suggestion = _suggestion(db, access, suggestion_id)
    errors = FormErrors()
    reason = check_reason(reason, errors)
    if errors:
        return _answer_refused(
            request,
            db,
            actor,
            access,
            status_code=422,
            reject_errors={suggestion_id: errors["reason"]},
            reject_reasons={suggestion_id: reason},
        )
    try:
        service.reject(
            db,
            actor=actor.user,
            suggestion=suggestion,
            reason=reason,
            expected_version=version,
            base_url=settings.base_url,
        )
    except service.StaleEdit as stale:
        return _answer_refused(
            request, db, actor, access, status_code=409, answer_error=_answered_meanwhile(stale)
        )
    notice = f"Rejected “{suggestion.title}”. The vendor sees your reason."
    if is_htmx(request):
        return render_plan(request, db, actor, access, block="priorities", notice=notice)
    return back_to_plan(request, access, notice, "priorities")


def _render_reword(
    request: Request,
    db: DbSession,
    access: AccountAccess,
    suggestion: Priority,
    form: PriorityForm,
    *,
    version: int,
    errors: dict[str, str] | None = None,
    stale: service.StaleEdit | None = None,
    status_code: int = 200,
) -> Response:
    return get_templates(request).render(
        request,
        "priorities/reword.html",
        {
            "access": access,
            "account": access.account,
            "suggestion": suggestion,
            "suggester": repository.person(db, user_id=suggestion.suggested_by_id),
            "form": form,
            "version": version,
            "errors": errors or {},
            "stale": stale,
            "stale_message": _answered_meanwhile(stale) if stale else "",
            "owners": list(repository.client_people(db, account_id=access.account_id)),
            "importances": list(Importance),
            "horizons": list(Horizon),
        },
        status_code=status_code,
    )


@router.get("/accounts/{account_id}/suggestions/{suggestion_id}/reword")
def reword_suggestion_form(
    request: Request, access: SuggestionAnswerer, db: DbSession, suggestion_id: int
) -> Response:
    suggestion = _pending(db, access, suggestion_id)
    return _render_reword(
        request, db, access, suggestion, PriorityForm.of(suggestion), version=suggestion.version
    )


@router.post("/accounts/{account_id}/suggestions/{suggestion_id}/reword")
def reword_suggestion(
    request: Request,
    actor: CurrentActor,
    access: SuggestionAnswerer,
    db: DbSession,
    settings: SettingsDep,
    suggestion_id: int,
    title: Text = "",
    description: Text = "",
    importance: Text = "",
    horizon: Text = "",
    owner_id: Text = "",
    version: Version = 0,
) -> Response:
    """Accept the suggestion in the client's own words (the vendor's stay on the audit trail)."""
    suggestion = _suggestion(db, access, suggestion_id)
    form = PriorityForm(title, description, importance, horizon, owner_id)
    errors, owner = form.check(_owner_ids(db, access))
    if errors:
        return _render_reword(
            request, db, access, suggestion, form, version=version, errors=errors, status_code=422
        )
    try:
        service.accept(
            db,
            actor=actor.user,
            suggestion=suggestion,
            expected_version=version,
            form=form,
            owner_id=owner,
            base_url=settings.base_url,
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's wording stays in the form, next to what happened.
        return _render_reword(
            request,
            db,
            access,
            suggestion,
            form,
            version=suggestion.version,
            stale=stale,
            status_code=409,
        )
    return back_to_plan(
        request,
        access,
        f"Accepted “{suggestion.title}” as priority {suggestion.rank}.",
        "priorities",
    )
