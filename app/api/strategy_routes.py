"""The client's strategy through the API: a client contributor adds an entry to a section
(``Idempotency-Key``) and changes one (``If-Match`` with its version, from the list), through
the same service and checks as the plan page: the same audit events, notifications and live
updates. An entry of a closed period is read-only (409), as on the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

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
    with_sent,
)
from app.api.problems import RESPONSES
from app.db import DbSession
from app.models import StrategyEntry
from app.permissions.guards import ItemAccess, StrategyWriter, item_guard
from app.permissions.policy import Verb
from app.plans.page import current_plan
from app.strategy import service as strategy_service
from app.strategy.schemas import StrategyForm, section_of

router = APIRouter(responses=RESPONSES)
ENTRY = f"{ACCOUNT}/strategy/{{entry_id}}"
WrittenEntry = Annotated[
    ItemAccess[StrategyEntry], item_guard(Verb.STRATEGY_WRITE, StrategyEntry, "entry_id")
]


def _out(entry: StrategyEntry) -> schemas.StrategyEntry:
    return schemas.StrategyEntry.model_validate(entry, from_attributes=True)


@router.post(f"{ACCOUNT}/strategy", response_model=schemas.StrategyEntry, **created("Added"))
def add_entry(
    request: Request,
    use: Authenticated,
    db: DbSession,
    access: StrategyWriter,
    new: schemas.StrategyCreate,
    key: IdempotencyKey = None,
) -> Response:
    """Add an entry at the end of a section of your strategy (client contributors). A goal
    needs its horizon; the other sections have none."""
    form = StrategyForm(
        new.kind.value, new.text, new.detail, new.horizon.value if new.horizon else ""
    )
    values = valid(form.check(section_of(new.kind.value)))
    plan = current_plan(db, access)

    def make() -> schemas.StrategyEntry:
        return _out(strategy_service.create(db, actor=use.actor.user, plan=plan, values=values))

    return create_once(request, db, token_id=use.token.id, key=key, sent=new, make=make)


@router.patch(ENTRY, response_model=schemas.StrategyEntry)
def change_entry(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: WrittenEntry,
    change: schemas.StrategyChange,
    if_match: IfMatch = None,
) -> schemas.StrategyEntry:
    """Change an entry's text, details or (a goal's) horizon (client contributors): 'If-Match'
    with its version ("v1", from the list); 412 when it changed since."""
    expected = expected_version(if_match, checked.item.version)
    entry = checked.item
    values = valid(with_sent(StrategyForm.of(entry), change).check(section_of(entry.kind)))
    with versioned_change():
        strategy_service.update(
            db, actor=use.actor.user, entry=entry, values=values, expected_version=expected
        )
    response.headers["ETag"] = etag(entry.version)
    return _out(entry)
