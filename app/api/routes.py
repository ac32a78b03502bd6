"""The API's resources (``/api/v1``): accounts, the current plan, the client's priorities,
actions (a page at a time, each with its ETag) and, as the pattern of a write, changing an
action (``If-Match``) and commenting on it (``Idempotency-Key``).

Every route takes its account or item from the same guards as the pages, as the token's
person (``app.api.auth``), and writes through the same services: the same validation, audit
events, notifications and live updates. A new resource follows the same shape: a guard alias,
a response model in ``app.api.schemas``, the domain's repository or service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.accounts import repository as accounts_repo
from app.actions import repository as actions_repo
from app.actions import service as actions_service
from app.actions.schemas import ActionForm
from app.api import paging, schemas, threads
from app.api.auth import Authenticated
from app.api.common import (
    ACCOUNT,
    ACTION,
    Cursor,
    IdempotencyKey,
    IfMatch,
    created,
    current_plan,
    etag,
    expected_version,
    valid,
    versioned_change,
    with_sent,
)
from app.api.problems import (
    RESPONSES,
    Invalid,
)
from app.db import DbSession
from app.models import Action, Role, Side
from app.permissions.guards import (
    AccountReader,
    Commenter,
    ItemAccess,
    PlanReader,
    item_guard,
)
from app.permissions.policy import Verb
from app.plans import repository as plans_repo
from app.priorities import repository as priorities_repo
from app.web.errors import or_404

router = APIRouter(responses=RESPONSES)
ReadAction = Annotated[ItemAccess[Action], item_guard(Verb.PLAN_VIEW, Action, "action_id")]
WrittenAction = Annotated[ItemAccess[Action], item_guard(Verb.ACTIONS_WRITE, Action, "action_id")]
Limit = Annotated[int, Query(ge=1, le=100, description="Actions per page, at most 100.")]


@router.get("/accounts", response_model=schemas.AccountList)
def list_accounts(use: Authenticated, db: DbSession) -> schemas.AccountList:
    """The accounts you can see: those you are a member of (and, for a workspace admin,
    every account of the workspace)."""
    found = accounts_repo.list_for_user(db, user=use.actor.user)
    return schemas.AccountList(
        items=[
            schemas.Account(
                id=row.account.id or 0,
                name=row.account.name,
                client=row.client_name,
                role=row.role,
                side=Role(row.role).side if row.role else Side.VENDOR,
                period=row.plan_period,
            )
            for row in found
        ]
    )


@router.get(ACCOUNT, response_model=schemas.Account)
def get_account(db: DbSession, access: AccountReader) -> schemas.Account:
    plan = plans_repo.current(db, account_id=access.account_id)
    return schemas.Account(
        id=access.account_id,
        name=access.account.name,
        client=access.account.client_org.name,
        role=access.role.value if access.role else None,
        side=access.side or Side.VENDOR,
        period=plan.period if plan else None,
    )


@router.get(f"{ACCOUNT}/plan", response_model=schemas.Plan)
def get_plan(db: DbSession, access: PlanReader) -> schemas.Plan:
    """The account's current plan: its period, dates and agreement status."""
    return current_plan(db, access)


@router.get(f"{ACCOUNT}/priorities", response_model=schemas.PriorityList)
def list_priorities(db: DbSession, access: PlanReader) -> schemas.PriorityList:
    """The client's ranking of its priorities in the current plan, first first."""
    plan = current_plan(db, access)
    ranked = priorities_repo.ranked(db, plan_id=plan.id)
    return schemas.PriorityList(
        items=[
            schemas.Priority(
                id=priority.id or 0,
                rank=priority.rank or 0,
                title=priority.title,
                description=priority.description,
                importance=priority.importance,
                horizon=priority.horizon,
                owner=schemas.Person(id=owner.id or 0, name=owner.display_name) if owner else None,
            )
            for priority, owner in ranked
        ]
    )


def _cursor(after: actions_repo.PlanAction) -> str:
    return paging.encode(f"{after.created_at.isoformat()}|{after.id}")


def _made_and_id(raw: str) -> tuple[datetime, int]:
    made, _, action_id = raw.partition("|")
    return datetime.fromisoformat(made), int(action_id)


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    return paging.decode(cursor, _made_and_id)


def _action(action: Action | actions_repo.PlanAction) -> schemas.Action:
    return schemas.Action.model_validate(action, from_attributes=True)


@router.get(f"{ACCOUNT}/actions", response_model=schemas.ActionPage)
def list_actions(
    db: DbSession, access: PlanReader, cursor: Cursor = None, limit: Limit = 50
) -> schemas.ActionPage:
    """The current plan's actions in the order they were made, a page at a time."""
    plan = current_plan(db, access)
    rows = actions_repo.page_for_plan(
        db, account_id=access.account_id, plan_id=plan.id, after=_after(cursor), limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return schemas.ActionPage(
        items=[_action(row) for row in rows], next_cursor=_cursor(rows[-1]) if more else None
    )


@router.get(ACTION, response_model=schemas.Action)
def get_action(response: Response, checked: ReadAction) -> schemas.Action:
    """One action, with its version as the 'ETag' (send it as 'If-Match' to change it)."""
    response.headers["ETag"] = etag(checked.item.version)
    return _action(checked.item)


@router.patch(ACTION, response_model=schemas.Action)
def change_action(
    response: Response,
    use: Authenticated,
    db: DbSession,
    checked: WrittenAction,
    change: schemas.ActionChange,
    if_match: IfMatch = None,
) -> schemas.Action:
    """Change an action's fields (status, due date, title, outcome, owner): through the same
    service as the page. Requires 'If-Match'; 412 when the action changed since."""
    expected = expected_version(if_match, checked.item.version)
    action = checked.item
    plan = or_404(plans_repo.current(db, account_id=checked.access.account_id, lock=True))
    members = accounts_repo.list_members(db, account_id=checked.access.account_id)
    values = valid(with_sent(ActionForm.of(action), change).check({m.user_id for m in members}))
    try:
        with versioned_change():
            actions_service.update(
                db,
                actor=use.actor.user,
                plan=plan,
                action=action,
                checked=values,
                expected_version=expected,
            )
    except actions_service.LinkNotAllowed as exc:
        raise Invalid({"link": "The action's link is no longer allowed."}) from exc
    response.headers["ETag"] = etag(action.version)
    return _action(action)


@router.post(f"{ACTION}/comments", response_model=schemas.Comment, **created("Added"))
def add_comment(
    request: Request,
    use: Authenticated,
    db: DbSession,
    access: Commenter,
    action_id: int,
    new: schemas.CommentCreate,
    key: IdempotencyKey = None,
) -> Response:
    """Comment on an action, through the comments service (mentions are notified)."""
    where = ("action", action_id, "")
    return threads.add(request, db, use, access, where, new, key, threads.on_action)
