"""The vendor's suggestions of priorities through the API: the vendor suggests (with an
``Idempotency-Key``), the client accepts or rejects (with ``If-Match``, the suggestion's
version from the list), through the same service as the plan page: the same checks, audit
events, notifications and live updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlmodel import col

from app.api import schemas
from app.api.auth import Authenticated
from app.api.common import (
    ACCOUNT,
    IdempotencyKey,
    IfMatch,
    create_once,
    created,
    etag,
    expected_version,
    valid,
    versioned_change,
)
from app.api.problems import RESPONSES, Invalid
from app.db import DbSession
from app.models import Priority, PriorityStatus
from app.permissions.guards import ItemAccess, PrioritySuggester, item_guard
from app.permissions.policy import Verb
from app.plans.page import current_plan
from app.priorities import service as priorities_service
from app.priorities.schemas import PriorityForm, check_reason
from app.web.errors import ConflictError
from app.web.forms import FormErrors

router = APIRouter(responses=RESPONSES)
SUGGESTION = f"{ACCOUNT}/suggestions/{{suggestion_id}}"
AnsweredSuggestion = Annotated[
    ItemAccess[Priority],
    item_guard(
        Verb.SUGGESTIONS_ANSWER,
        Priority,
        "suggestion_id",
        col(Priority.suggested_by_id).is_not(None),
    ),
]


def suggestion(priority: Priority) -> schemas.Suggestion:
    return schemas.Suggestion.model_validate(priority, from_attributes=True)


@router.post(f"{ACCOUNT}/suggestions", response_model=schemas.Suggestion, **created("Suggested"))
def suggest(
    request: Request,
    use: Authenticated,
    db: DbSession,
    access: PrioritySuggester,
    new: schemas.SuggestionCreate,
    key: IdempotencyKey = None,
) -> Response:
    """Suggest a priority to the client (vendor side): it waits for the client's answer."""
    form = PriorityForm(new.title, new.description, new.importance.value, new.horizon.value)
    values = valid(form.check(set()))

    def make() -> schemas.Suggestion:
        plan = current_plan(db, access)
        return suggestion(
            priorities_service.suggest(db, actor=use.actor.user, plan=plan, values=values)
        )

    return create_once(request, db, token_id=use.token.id, key=key, sent=new, make=make)


def _waiting(priority: Priority) -> None:
    if priority.status != PriorityStatus.SUGGESTED:
        raise ConflictError(f"This suggestion was already answered ({priority.status}).")


@router.post(f"{SUGGESTION}/accept", response_model=schemas.Suggestion)
def accept(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: AnsweredSuggestion,
    if_match: IfMatch = None,
) -> schemas.Suggestion:
    """Accept a suggestion (client side): it becomes the last of your ranked priorities.
    Requires 'If-Match' with its version ("v1"); 409 once answered."""
    expected = expected_version(if_match, checked.item.version)
    _waiting(checked.item)
    with versioned_change():
        priorities_service.accept(
            db, actor=use.actor.user, suggestion=checked.item, expected_version=expected
        )
    response.headers["ETag"] = etag(checked.item.version)
    return suggestion(checked.item)


@router.post(f"{SUGGESTION}/reject", response_model=schemas.Suggestion)
def reject(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: AnsweredSuggestion,
    rejection: schemas.SuggestionRejection,
    if_match: IfMatch = None,
) -> schemas.Suggestion:
    """Reject a suggestion (client side) with your reason, which the vendor reads.
    Requires 'If-Match' with its version ("v1"); 409 once answered."""
    expected = expected_version(if_match, checked.item.version)
    errors = FormErrors()
    reason = check_reason(rejection.reason, errors)
    if errors:
        raise Invalid(dict(errors))
    _waiting(checked.item)
    with versioned_change():
        priorities_service.reject(
            db,
            actor=use.actor.user,
            suggestion=checked.item,
            reason=reason,
            expected_version=expected,
        )
    response.headers["ETag"] = etag(checked.item.version)
    return suggestion(checked.item)
