"""Initiatives through the API: the vendor makes a draft (``Idempotency-Key``), changes it
and proposes it (``If-Match``), the client answers (accept, decline, park; ``If-Match``),
through the same service as the plan page: the same checks, audit events (a draft's
internal), notifications and live updates."""

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
from app.initiatives import repository as initiatives_repo
from app.initiatives import service as initiatives_service
from app.initiatives.schemas import AnswerForm, InitiativeForm, InitiativeValues
from app.models import Initiative, Plan
from app.permissions.guards import InitiativeWriter, ItemAccess, item_guard
from app.permissions.policy import AccountAccess, Verb
from app.plans.page import current_plan

router = APIRouter(responses=RESPONSES)
INITIATIVE = f"{ACCOUNT}/initiatives/{{initiative_id}}"
WrittenInitiative = Annotated[
    ItemAccess[Initiative], item_guard(Verb.INITIATIVES_WRITE, Initiative, "initiative_id")
]
AnsweredInitiative = Annotated[
    ItemAccess[Initiative], item_guard(Verb.INITIATIVES_ANSWER, Initiative, "initiative_id")
]


def _out(initiative: Initiative, priority_ids: list[int]) -> schemas.Initiative:
    return schemas.Initiative.model_validate(
        {**initiative.model_dump(), "priority_ids": priority_ids}
    )


def _checked(
    db: DbSession, access: AccountAccess, plan: Plan, form: InitiativeForm
) -> InitiativeValues:
    """The initiative checked as the page checks it: its owner one of the vendor's people,
    its priorities ranked ones of the plan."""
    assert plan.id is not None
    owners = initiatives_repo.vendor_people(db, account_id=access.account_id)
    ranked = initiatives_repo.ranked_priorities(db, account_id=access.account_id, plan_id=plan.id)
    return valid(form.check({o.id for o in owners if o.id}, {p.id for p in ranked if p.id}))


@router.post(f"{ACCOUNT}/initiatives", response_model=schemas.Initiative, **created("A draft"))
def create_initiative(
    request: Request,
    use: Authenticated,
    db: DbSession,
    access: InitiativeWriter,
    new: schemas.InitiativeCreate,
    key: IdempotencyKey = None,
) -> Response:
    """A new initiative (vendor side): a draft only your team sees until you propose it."""
    plan = current_plan(db, access)
    form = InitiativeForm(
        new.title,
        new.description,
        new.value_for_client,
        new.value_for_vendor,
        str(new.owner_id) if new.owner_id is not None else "",
        tuple(str(p) for p in new.priority_ids),
    )
    values = _checked(db, access, plan, form)

    def make() -> schemas.Initiative:
        made = initiatives_service.create(db, actor=use.actor.user, plan=plan, values=values)
        return _out(made, list(values.priority_ids))

    return create_once(request, db, token_id=use.token.id, key=key, sent=new, make=make)


@router.patch(INITIATIVE, response_model=schemas.Initiative)
def change_initiative(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: WrittenInitiative,
    change: schemas.InitiativeChange,
    if_match: IfMatch = None,
) -> schemas.Initiative:
    """Change an initiative (vendor side) until the client accepted it: 'If-Match' with its
    version ("v1", from the list); 412 when it changed since, 409 once accepted."""
    expected = expected_version(if_match, checked.item.version)
    initiative, access = checked.item, checked.access
    assert initiative.id is not None
    links = initiatives_repo.linked_priority_ids(
        db, account_id=access.account_id, initiative_id=initiative.id
    )
    plan = current_plan(db, access)
    values = _checked(db, access, plan, with_sent(InitiativeForm.of(initiative, links), change))
    with versioned_change(initiatives_service.WrongStatus):
        initiatives_service.update(
            db,
            actor=use.actor.user,
            initiative=initiative,
            values=values,
            expected_version=expected,
        )
    response.headers["ETag"] = etag(initiative.version)
    return _out(initiative, list(values.priority_ids))


def _links(db: DbSession, initiative: Initiative) -> list[int]:
    assert initiative.id is not None
    return initiatives_repo.linked_priority_ids(
        db, account_id=initiative.account_id, initiative_id=initiative.id
    )


@router.post(f"{INITIATIVE}/propose", response_model=schemas.Initiative)
def propose_initiative(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: WrittenInitiative,
    if_match: IfMatch = None,
) -> schemas.Initiative:
    """Propose a draft (or a declined or parked initiative again) to the client, who is told.
    'If-Match' with its version; 409 when it is waiting for an answer or accepted."""
    expected = expected_version(if_match, checked.item.version)
    initiative = checked.item
    with versioned_change(initiatives_service.WrongStatus):
        initiatives_service.propose(
            db, actor=use.actor.user, initiative=initiative, expected_version=expected
        )
    response.headers["ETag"] = etag(initiative.version)
    return _out(initiative, _links(db, initiative))


@router.post(f"{INITIATIVE}/answer", response_model=schemas.Initiative)
def answer_initiative(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: AnsweredInitiative,
    sent: schemas.InitiativeAnswer,
    if_match: IfMatch = None,
) -> schemas.Initiative:
    """Answer a proposed initiative (client side): accept, or decline or park with a reason.
    'If-Match' with its version; 409 when it is not waiting for an answer."""
    expected = expected_version(if_match, checked.item.version)
    initiative = checked.item
    answer = valid(AnswerForm(sent.decision, sent.reason).check())
    with versioned_change(initiatives_service.WrongStatus):
        initiatives_service.answer(
            db,
            actor=use.actor.user,
            initiative=initiative,
            status=answer.status,
            reason=answer.reason,
            expected_version=expected,
        )
    response.headers["ETag"] = etag(initiative.version)
    return _out(initiative, _links(db, initiative))
