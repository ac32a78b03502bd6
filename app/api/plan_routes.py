"""The API's resources of the joint plan beyond ``app.api.routes``: the plan's periods, the
client's strategy, the vendor's priority suggestions, the client's value ratings, the
initiatives, the comments of an action (a page at a time) and the account's audit trail (the
shared part for a client). Each takes its account or item from the same guard as its page and
reads through the domain's repository, in a fixed number of queries whatever the plan holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.api import paging, schemas, threads
from app.api.auth import Authenticated
from app.api.common import ACCOUNT, ACTION, Cursor, current_plan
from app.api.problems import RESPONSES
from app.audit import repository as audit_repo
from app.db import DbSession
from app.initiatives import repository as initiatives_repo
from app.permissions.guards import AuditReader, PlanReader
from app.plans import repository as plans_repo
from app.priorities import repository as priorities_repo
from app.strategy import repository as strategy_repo
from app.value import repository as value_repo

router = APIRouter(responses=RESPONSES)
EventLimit = Annotated[int, Query(ge=1, le=100, description="Events per page, at most 100.")]


@router.get(f"{ACCOUNT}/periods", response_model=schemas.PeriodList)
def list_periods(db: DbSession, access: PlanReader) -> schemas.PeriodList:
    """Every period's plan of the account: the current one first, then the closed ones (each
    readable, never changed)."""
    plans = plans_repo.periods(db, account_id=access.account_id)
    return schemas.PeriodList(
        items=[schemas.Plan.model_validate(plan, from_attributes=True) for plan in plans]
    )


@router.get(f"{ACCOUNT}/strategy", response_model=schemas.StrategyList)
def list_strategy(db: DbSession, access: PlanReader) -> schemas.StrategyList:
    """The client's strategy in the current plan: every section's entries, in order."""
    plan = current_plan(db, access)
    entries = strategy_repo.for_plan(db, plan_id=plan.id)
    return schemas.StrategyList(
        items=[schemas.StrategyEntry.model_validate(e, from_attributes=True) for e in entries]
    )


@router.get(f"{ACCOUNT}/suggestions", response_model=schemas.SuggestionList)
def list_suggestions(db: DbSession, access: PlanReader) -> schemas.SuggestionList:
    """The vendor's suggestions of priorities in the current plan, answered or not."""
    plan = current_plan(db, access)
    rows = priorities_repo.for_plan(db, plan_id=plan.id)
    return schemas.SuggestionList(
        items=[
            schemas.Suggestion.model_validate(priority, from_attributes=True)
            for priority, _owner in rows
            if priority.suggested_by_id is not None
        ]
    )


@router.get(f"{ACCOUNT}/ratings", response_model=schemas.RatingList)
def list_ratings(db: DbSession, access: PlanReader) -> schemas.RatingList:
    """The client's ratings of the value it gets, in the current plan, oldest first."""
    plan = current_plan(db, access)
    ratings = value_repo.for_plan(db, plan_id=plan.id)
    return schemas.RatingList(
        items=[schemas.Rating.model_validate(r, from_attributes=True) for r in ratings]
    )


@router.get(f"{ACCOUNT}/initiatives", response_model=schemas.InitiativeList)
def list_initiatives(db: DbSession, access: PlanReader) -> schemas.InitiativeList:
    """The current plan's initiatives you can see (a client: those proposed to it), each with
    the priorities it answers."""
    plan = current_plan(db, access)
    views = initiatives_repo.for_plan(
        db, account_id=access.account_id, plan_id=plan.id, visibilities=access.visibilities
    )
    return schemas.InitiativeList(
        items=[
            schemas.Initiative.model_validate(
                {**view.initiative.model_dump(), "priority_ids": view.priority_ids}
            )
            for view in views
        ]
    )


@router.get(f"{ACTION}/comments", response_model=schemas.CommentPage)
def list_comments(
    use: Authenticated, db: DbSession, access: PlanReader, action_id: int, cursor: Cursor = None
) -> schemas.CommentPage:
    """The action's comments you can see: the latest 20, oldest first; ``next_cursor`` gives
    the 20 before them."""
    found, page, earlier = threads.page(db, use, access, ("action", action_id, ""), cursor)
    return schemas.CommentPage(
        items=[threads.on_action(found, threads.fields(c, a)) for c, a in page.rows],
        next_cursor=earlier,
    )


def _secret(request: Request) -> str:
    return str(request.app.state.settings.resolved_secret_key)


@router.get(f"{ACCOUNT}/audit", response_model=schemas.AuditPage)
def list_audit(
    request: Request,
    db: DbSession,
    access: AuditReader,
    cursor: Cursor = None,
    limit: EventLimit = 50,
) -> schemas.AuditPage:
    """The account's audit trail, newest first (a client: the shared events only), a page at
    a time. The cursor is sealed: it cannot be read or made, and holds no event's number."""
    where = f"audit:{access.account_id}"
    secret = _secret(request)
    before = paging.unseal(cursor, paging.number, secret=secret, context=where)
    events = audit_repo.list_for_account(
        db,
        account_id=access.account_id,
        visibilities=access.visibilities,
        before_seq=before,
        limit=limit + 1,
    )
    shown = events[:limit]
    more = len(events) > limit
    return schemas.AuditPage(
        items=[
            schemas.AuditEvent(
                occurred_at=event.occurred_at,
                actor=event.actor_label,
                verb=event.verb,
                item_type=event.item_type,
                item_id=event.item_id,
                changes=event.changes,
            )
            for event in shown
        ],
        next_cursor=paging.seal(str(shown[-1].seq), secret=secret, context=where) if more else None,
    )
