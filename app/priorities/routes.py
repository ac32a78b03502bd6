"""Writing the client's priorities: add, edit, move up or down, re-rank by drag, remove; and
the vendor's suggestions of priorities with the client's answers (accept, reword, reject)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import col

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import EditPage, Page, edit_page
from app.models import Horizon, Importance, Priority, PriorityStatus
from app.permissions.guards import (
    ItemAccess,
    PrioritySuggester,
    PriorityWriter,
    item_action,
    item_guard,
    item_move,
)
from app.permissions.policy import AccountAccess, Actor, Verb
from app.plans.page import current_plan, plan_page, plan_url
from app.priorities import repository, service
from app.priorities.schemas import PriorityForm, check_order, check_reason
from app.web.errors import NotFoundError
from app.web.forms import FormErrors, Text, Version

router = APIRouter()
Form_ = Annotated[PriorityForm, FormOf(PriorityForm)]
SECTION = "priorities"

# A live priority of the account, for its client contributors.
WrittenPriority = Annotated[
    ItemAccess[Priority],
    item_guard(Verb.PRIORITIES_WRITE, Priority, "priority_id", status=PriorityStatus.ACTIVE),
]
# A vendor suggestion of the account, whatever the client answered (an answer that comes too
# late is told who answered first, not that the suggestion does not exist).
AnsweredSuggestion = Annotated[
    ItemAccess[Priority],
    item_guard(
        Verb.SUGGESTIONS_ANSWER,
        Priority,
        "suggestion_id",
        col(Priority.suggested_by_id).is_not(None),
    ),
]


def _owner_ids(db: DbSession, access: AccountAccess) -> set[int]:
    people = repository.client_people(db, account_id=access.account_id)
    return {p.id for p in people if p.id is not None}


@router.post("/accounts/{account_id}/priorities")
def create_priority(
    request: Request, actor: CurrentActor, access: PriorityWriter, db: DbSession, form: Form_
) -> Response:
    checked = form.check(_owner_ids(db, access))
    page = plan_page(request, db, actor, access)
    plan = current_plan(db, access)
    if isinstance(checked, FormErrors):
        return page.refused(422, SECTION, form=form, errors=checked)
    priority = service.create(db, actor=actor.user, plan=plan, values=checked)
    return page.done(f"Added “{priority.title}” as priority {priority.rank}.", SECTION)


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
    plan = current_plan(db, access)
    page = plan_page(request, db, actor, access)
    if errors:
        return page.refused(422, SECTION, order_error=errors["ids"])
    try:
        moved = service.reorder(db, actor=actor.user, plan=plan, ids=order)
    except service.OrderConflict:
        message = (
            "The list changed while you were re-ranking: a priority was added or removed. "
            "Nothing was saved; this is the list as it is now, move yours again."
        )
        return page.refused(409, SECTION, order_error=message)
    return page.done("Saved the new order." if moved else "The order is unchanged.", SECTION)


def _edit_page(request: Request, db: DbSession, checked: ItemAccess[Priority]) -> EditPage:
    """The page that edits one priority; after saving, back to the plan."""
    return _wording_page(request, db, checked.access, "priorities/edit.html", priority=checked.item)


@router.get("/accounts/{account_id}/priorities/{priority_id}/edit")
def edit_priority(request: Request, db: DbSession, checked: WrittenPriority) -> Response:
    return _edit_page(request, db, checked).show(PriorityForm.of(checked.item), checked.item)


@router.post("/accounts/{account_id}/priorities/{priority_id}")
def update_priority(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenPriority,
    form: Form_,
    version: Version = 0,
) -> Response:
    priority, page = checked.item, _edit_page(request, db, checked)
    return page.save(
        form,
        form.check(_owner_ids(db, checked.access)),
        version=version,
        item=priority,
        save=lambda values: service.update(
            db, actor=actor.user, priority=priority, values=values, expected_version=version
        ),
        after=lambda: page.leave(f"Saved “{priority.title}”.", SECTION),
    )


def move_priority(
    page: Page, db: DbSession, actor: Actor, priority: Priority, direction: str
) -> Response:
    service.move(db, actor=actor.user, priority=priority, up=direction == "up")
    notice = f"“{priority.title}” is now priority {priority.rank}."
    return page.done(notice, SECTION, focus=f"move-{direction}-{priority.id}")


def remove_priority(page: Page, db: DbSession, actor: Actor, priority: Priority) -> Response:
    service.remove(db, actor=actor.user, priority=priority)
    return page.done(f"Removed “{priority.title}”.", SECTION)


ITEM = "/accounts/{account_id}/priorities/{priority_id}"
item_move(router, f"{ITEM}/move", WrittenPriority, plan_page, move_priority, what="a priority")
item_action(router, f"{ITEM}/remove", WrittenPriority, plan_page, remove_priority, asks="Remove")


# --- Vendor suggestions and the client's answers ---------------------------------------------


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
    form: Form_,
) -> Response:
    checked = form.check(set())
    plan = current_plan(db, access)
    page = plan_page(request, db, actor, access)
    if isinstance(checked, FormErrors):
        return page.refused(422, SECTION, suggestion_form=form, suggestion_errors=checked)
    service.suggest(db, actor=actor.user, plan=plan, values=checked)
    return page.done(
        f"Suggested “{checked.title}”. The client decides whether it becomes one of their "
        "priorities.",
        SECTION,
    )


@router.post("/accounts/{account_id}/suggestions/{suggestion_id}/accept")
def accept_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    version: Version = 0,
) -> Response:
    suggestion, page = checked.item, plan_page(request, db, actor, checked.access)
    try:
        service.accept(
            db,
            actor=actor.user,
            suggestion=suggestion,
            expected_version=version,
        )
    except service.StaleEdit as stale:
        return page.refused(409, SECTION, answer_error=_answered_meanwhile(stale))
    return page.done(f"Accepted “{suggestion.title}” as priority {suggestion.rank}.", SECTION)


@router.post("/accounts/{account_id}/suggestions/{suggestion_id}/reject")
def reject_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    reason: Text = "",
    version: Version = 0,
) -> Response:
    suggestion, page = checked.item, plan_page(request, db, actor, checked.access)
    errors = FormErrors()
    reason = check_reason(reason, errors)
    if errors:
        return page.refused(
            422,
            SECTION,
            reject_errors={suggestion.id: errors["reason"]},
            reject_reasons={suggestion.id: reason},
        )
    try:
        service.reject(
            db,
            actor=actor.user,
            suggestion=suggestion,
            reason=reason,
            expected_version=version,
        )
    except service.StaleEdit as stale:
        return page.refused(409, SECTION, answer_error=_answered_meanwhile(stale))
    return page.done(f"Rejected “{suggestion.title}”. The vendor sees your reason.", SECTION)


def _reword_page(request: Request, db: DbSession, checked: ItemAccess[Priority]) -> EditPage:
    suggestion = checked.item
    return _wording_page(
        request,
        db,
        checked.access,
        "priorities/reword.html",
        suggester=lambda: repository.person(db, user_id=suggestion.suggested_by_id),
        suggestion=suggestion,
        stale_message="",
    )


def _wording_page(
    request: Request,
    db: DbSession,
    access: AccountAccess,
    template: str,
    *,
    suggester: Callable[[], object] | None = None,
    **items: object,
) -> EditPage:
    """A page of its own for a priority's words (editing one, rewording a suggestion); after
    saving, back to the plan. Its people are read only when it is shown."""

    def more() -> dict[str, object]:
        owners = list(repository.client_people(db, account_id=access.account_id))
        return {"owners": owners} | ({"suggester": suggester()} if suggester else {})

    return edit_page(
        request,
        template,
        access,
        url=plan_url(access),
        more=more,
        importances=list(Importance),
        horizons=list(Horizon),
        **items,
    )


@router.get("/accounts/{account_id}/suggestions/{suggestion_id}/reword")
def reword_suggestion_form(
    request: Request, db: DbSession, checked: AnsweredSuggestion
) -> Response:
    suggestion = checked.item
    if suggestion.status != PriorityStatus.SUGGESTED:
        raise NotFoundError()
    return _reword_page(request, db, checked).show(PriorityForm.of(suggestion), suggestion)


@router.post("/accounts/{account_id}/suggestions/{suggestion_id}/reword")
def reword_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    form: Form_,
    version: Version = 0,
) -> Response:
    """Accept the suggestion in the client's own words (the vendor's stay on the audit trail)."""
    suggestion, page = checked.item, _reword_page(request, db, checked)
    return page.save(
        form,
        form.check(_owner_ids(db, checked.access)),
        version=version,
        item=suggestion,
        save=lambda values: service.accept(
            db, actor=actor.user, suggestion=suggestion, expected_version=version, values=values
        ),
        after=lambda: page.leave(
            f"Accepted “{suggestion.title}” as priority {suggestion.rank}.", SECTION
        ),
        on_stale=lambda stale: {"stale_message": _answered_meanwhile(stale)},
    )
