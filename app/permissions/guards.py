"""Guard dependencies: resolve the path's account (or item), ask ``decide``, hand back the
checked object. A handler never touches an account or item that did not pass through here.

Use the ``Annotated`` aliases at the bottom, e.g. ``access: AccountReader``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts import repository as accounts_repo
from app.auth.deps import CurrentActor
from app.db import DbSession, read_before_writing
from app.kit.items import AccountItem, get_or_404, moving_up
from app.kit.pages import Page
from app.permissions.policy import (
    PERIOD_WRITES,
    SHARED_PERIOD_WRITES,
    AccountAccess,
    Actor,
    Decision,
    HasVisibility,
    Verb,
    WorkspaceVerb,
    decide,
    decide_workspace,
)
from app.plans import repository as plans_repo
from app.web.confirm import asks_first
from app.web.errors import ForbiddenError, NotFoundError, PeriodClosedError
from app.web.forms import Text


def enforce(decision: Decision) -> None:
    if decision is Decision.NOT_FOUND:
        raise NotFoundError()
    if decision is Decision.FORBIDDEN:
        raise ForbiddenError()
    if decision is Decision.CLOSED:
        raise PeriodClosedError()


def enforce_item(actor: Actor, access: AccountAccess, verb: Verb, item: HasVisibility) -> None:
    """For a route that loaded an item under a checked account: may the actor ``verb`` this
    item (internal items are 404 for the client side; own-item verbs check the author)?"""
    enforce(decide(actor, access, verb, item))


def load_access(db: Session, *, account_id: int, actor: Actor) -> AccountAccess | None:
    """The account with the actor's membership and side (one query), read once per request:
    mostly with the person's own look-up already (``app.auth.deps.read_with_access``), and a
    second guard of the same request (the session is the request's) gets the same answer.

    On SQLite a writing request reads it before it takes the write lock, as it looks its
    session up (``app.db.read_before_writing``): the lock is then held from the first statement
    of the change itself (the plan's or the item's locked read) to the commit, not also across
    the way from the guard's worker thread back to the event loop and on to the handler's. It
    decides what PostgreSQL's guard decides, which takes no lock either: a membership ended
    meanwhile is as if the request came a moment earlier, and what a change checks against the
    committed state it reads again under its lock (``for_write``, refreshed where the request
    may hold the row already, e.g. ``accounts.repository.get_member``)."""
    known = accounts_repo.remembered_access(db, account_id=account_id, user_id=actor.id)
    if known is not accounts_repo.NOT_READ:
        return known
    with read_before_writing(db):
        found = accounts_repo.load_access(db, account_id=account_id, user_id=actor.id)
    # Kept for the request's change: on SQLite the read's own transaction ended (its memos
    # with it), and what it read is what the change's guard decided on.
    accounts_repo.remember_access(db, account_id=account_id, user_id=actor.id, access=found)
    return found


def current_plan_id(db: Session, access: AccountAccess, verb: Verb) -> int | None:
    """For a verb that changes a plan: the id of the account's current plan, its row locked
    until commit (``plans.repository.current``; in share mode for ``SHARED_PERIOD_WRITES``),
    taken before any item of it is read so that every writer locks in the same order. None for
    other verbs (nothing to check)."""
    if verb not in PERIOD_WRITES:
        return None
    shared = verb in SHARED_PERIOD_WRITES
    plan = plans_repo.current(db, account_id=access.account_id, lock=True, shared=shared)
    return plan.id if plan is not None else 0


def enforce_in_period(
    actor: Actor,
    access: AccountAccess,
    verb: Verb,
    item: HasVisibility | None,
    *,
    plan_id: int,
    current_id: int | None,
) -> None:
    """``enforce_item`` for an item of the plan ``plan_id``: a verb that changes a plan is
    refused (409) when that plan is a closed period, not the current one (``current_id``)."""
    closed = current_id is not None and plan_id != current_id
    enforce(decide(actor, access, verb, item, closed=closed))


class AccountGuard:
    """``Depends(AccountGuard(verb))``: the account in the path, if the actor may ``verb`` it.

    ``async``: the person's look-up has read their access to the account in the path already
    (``app.auth.deps.read_with_access``), so the guard only decides, on the event loop, without
    a hop to a worker thread; it reads the access itself, in one, only when nothing was read."""

    def __init__(self, verb: Verb) -> None:
        self.verb = verb

    async def __call__(self, account_id: int, actor: CurrentActor, db: DbSession) -> AccountAccess:
        access = accounts_repo.remembered_access(db, account_id=account_id, user_id=actor.id)
        if access is accounts_repo.NOT_READ:
            access = await run_in_threadpool(load_access, db, account_id=account_id, actor=actor)
        enforce(decide(actor, access, self.verb))
        assert access is not None
        return access


T = TypeVar("T", bound=AccountItem)


@dataclass(frozen=True)
class ItemAccess(Generic[T]):
    """An item that passed its guard, with the account it belongs to."""

    access: AccountAccess
    item: T


def item_guard(verb: Verb, model: type[T], param: str, *criteria: Any, **where: Any) -> Any:
    """``Depends(item_guard(verb, Model, "x_id"))``: the account and the live item ``x_id`` of
    it, if the actor may ``verb`` the account and this item (an internal item is 404 for the
    client side; author-only verbs check the author). The verb is stated once, here.

    ``criteria`` (SQL conditions) and ``where`` (column = value) narrow the item, e.g. a status.
    """
    return _item_dependency(verb, model, param, criteria, where, None)


def locked_item_guard(
    lock: Callable[[Session, int], None],
    verb: Verb,
    model: type[T],
    param: str,
    *criteria: Any,
    **where: Any,
) -> Any:
    """``item_guard`` for items whose writes first take a wider lock (e.g. a whole map's):
    ``lock(db, account_id)`` runs once the account passed, before the item's row is read and
    locked, so that every writer takes the locks in the same order."""
    return _item_dependency(verb, model, param, criteria, where, lock)


def _item_dependency(
    verb: Verb,
    model: type[T],
    param: str,
    criteria: tuple[Any, ...],
    where: dict[str, Any],
    lock: Callable[[Session, int], None] | None,
) -> Any:
    def guard(actor: Actor, db: Session, account_id: int, **path: int) -> ItemAccess[T]:
        access = load_access(db, account_id=account_id, actor=actor)
        enforce(decide(actor, access, verb))
        assert access is not None
        current_id = current_plan_id(db, access, verb) if hasattr(model, "plan_id") else None
        if lock is not None:
            lock(db, account_id)
        item = get_or_404(db, model, *criteria, account_id=account_id, item_id=path[param], **where)
        shown = item if hasattr(item, "visibility") else None
        plan_id = getattr(item, "plan_id", 0)
        enforce_in_period(actor, access, verb, shown, plan_id=plan_id, current_id=current_id)  # type: ignore[arg-type]
        return ItemAccess(access, item)

    keyword = inspect.Parameter.KEYWORD_ONLY
    guard.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("actor", keyword, annotation=CurrentActor),
            inspect.Parameter("db", keyword, annotation=DbSession),
            inspect.Parameter("account_id", keyword, annotation=int),
            inspect.Parameter(param, keyword, annotation=int),
        ]
    )
    return Depends(guard)


class WorkspaceGuard:
    """``Depends(WorkspaceGuard(verb))``: the actor, if they may ``verb`` in their workspace.
    ``async``: it reads no database, and a plain ``def`` would cost the request a hop to a
    worker thread and back (``app.auth.deps``)."""

    def __init__(self, verb: WorkspaceVerb) -> None:
        self.verb = verb

    async def __call__(self, actor: CurrentActor) -> Actor:
        enforce(decide_workspace(actor, actor.workspace_id, self.verb))
        return actor


PageOf = Callable[[Request, Session, Actor, AccountAccess], Page]


def account_page(router: APIRouter, path: str, verb: Verb, page: PageOf, *, name: str) -> None:
    """``GET path``: an account's page, whole or (for htmx) the fragment asked for, to whoever
    may ``verb`` it — the one handler every domain's page has, written once."""
    Access = Annotated[AccountAccess, Depends(AccountGuard(verb))]

    def show(request: Request, actor: CurrentActor, db: DbSession, access: Access) -> Response:
        return page(request, db, actor, access).render()

    # This module's annotations are strings, resolved against its globals: ``Access`` is local.
    show.__annotations__["access"] = Access
    router.add_api_route(path, show, methods=["GET"], name=name)


# What a button on an item does, given the page of its account: ``handle(page, db, actor, item)``.
ItemHandler = Callable[[Page, Session, Actor, Any], Response]
# A move button: ``handle(page, db, actor, item, direction)``, the direction "up" or "down".
MoveHandler = Callable[[Page, Session, Actor, Any, str], Response]


def item_action(
    router: APIRouter,
    path: str,
    checked: Any,
    page: PageOf,
    handle: ItemHandler,
    *,
    asks: str = "",
) -> None:
    """``POST path``: ``handle`` the item that passed the guard alias ``checked`` (an
    ``Annotated[ItemAccess[...], item_guard(...)]``), with its account's page to answer on —
    the handler every item's button (remove, ...) has, written once. The route is named
    after ``handle``. ``asks`` (the button's action, "Remove") makes it change nothing until
    the person confirmed (``app.web.confirm``)."""

    def endpoint(request: Request, actor: Actor, db: Session, checked: ItemAccess[Any]) -> Response:
        return handle(page(request, db, actor, checked.access), db, actor, checked.item)

    _add_post(router, path, endpoint, checked, name=handle.__name__, asks=asks)


def item_move(
    router: APIRouter,
    path: str,
    checked: Any,
    page: PageOf,
    handle: MoveHandler,
    *,
    what: str,
) -> None:
    """``item_action`` for a move button: the form's ``direction`` is "up" or "down", anything
    else is refused (400, "Move ``what`` up or down.") before ``handle`` is called."""

    def endpoint(
        request: Request, actor: Actor, db: Session, checked: ItemAccess[Any], direction: str
    ) -> Response:
        moving_up(direction, what)
        shown = page(request, db, actor, checked.access)
        return handle(shown, db, actor, checked.item, direction)

    text = inspect.Parameter(
        "direction", inspect.Parameter.KEYWORD_ONLY, annotation=Text, default=""
    )
    _add_post(router, path, endpoint, checked, name=handle.__name__, inputs=(text,))


def _add_post(
    router: APIRouter,
    path: str,
    endpoint: Callable[..., Response],
    checked: Any,
    *,
    name: str,
    inputs: tuple[inspect.Parameter, ...] = (),
    asks: str = "",
) -> None:
    """Register ``endpoint`` at ``POST path`` with the dependencies FastAPI reads from its
    signature: the request, the signed-in actor, the session, the checked item, ``inputs``;
    behind a confirmation when it ``asks``."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter("actor", keyword, annotation=CurrentActor),
            inspect.Parameter("db", keyword, annotation=DbSession),
            inspect.Parameter("checked", keyword, annotation=checked),
            *inputs,
        ],
        return_annotation=Response,
    )
    flagged = asks_first(asks)(endpoint) if asks else endpoint
    router.add_api_route(path, flagged, methods=["POST"], name=name)


AccountReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.ACCOUNT_VIEW))]
MemberManager = Annotated[AccountAccess, Depends(AccountGuard(Verb.MEMBERS_MANAGE))]
AuditReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.AUDIT_VIEW))]
AuditVerifier = Annotated[AccountAccess, Depends(AccountGuard(Verb.AUDIT_VERIFY))]
PlanReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.PLAN_VIEW))]
PriorityWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.PRIORITIES_WRITE))]
StrategyWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.STRATEGY_WRITE))]
ValueRater = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALUE_RATE))]
SuggestionAnswerer = Annotated[AccountAccess, Depends(AccountGuard(Verb.SUGGESTIONS_ANSWER))]
InitiativeAnswerer = Annotated[AccountAccess, Depends(AccountGuard(Verb.INITIATIVES_ANSWER))]
PrioritySuggester = Annotated[AccountAccess, Depends(AccountGuard(Verb.PRIORITIES_SUGGEST))]
StrategySuggester = Annotated[AccountAccess, Depends(AccountGuard(Verb.STRATEGY_SUGGEST))]
InitiativeWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.INITIATIVES_WRITE))]
PerceptionReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.PERCEPTION_VIEW))]
PerceptionWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.PERCEPTION_WRITE))]
ActionWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.ACTIONS_WRITE))]
Commenter = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMENT))]
CommentEditor = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMENT_EDIT))]
PlanSubmitter = Annotated[AccountAccess, Depends(AccountGuard(Verb.PLAN_SUBMIT))]
PlanApprover = Annotated[AccountAccess, Depends(AccountGuard(Verb.PLAN_APPROVE))]
CommitmentReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMITMENT_VIEW))]
CommitmentAsker = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMITMENT_ASK))]
CommitmentAnswerer = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMITMENT_ANSWER))]
PlanRollover = Annotated[AccountAccess, Depends(AccountGuard(Verb.PLAN_ROLLOVER))]
InsightReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.INSIGHT_VIEW))]
InsightWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.INSIGHT_WRITE))]
ResultsReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.RESULTS_VIEW))]
ResultsWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.RESULTS_WRITE))]
AccountScorer = Annotated[AccountAccess, Depends(AccountGuard(Verb.ACCOUNT_SCORE))]
ValidationRequester = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALIDATION_REQUEST))]
RelationshipWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.RELATIONSHIPS_WRITE))]
StakeholderImporter = Annotated[AccountAccess, Depends(AccountGuard(Verb.STAKEHOLDERS_IMPORT))]
ValidationReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALIDATION_VIEW))]
ValidationAnswerer = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALIDATION_ANSWER))]
ReviewWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.REVIEW_WRITE))]
ReviewScheduler = Annotated[AccountAccess, Depends(AccountGuard(Verb.REVIEW_SCHEDULE))]
MentorAsker = Annotated[AccountAccess, Depends(AccountGuard(Verb.MENTOR_ASK))]
MentorReviewer = Annotated[AccountAccess, Depends(AccountGuard(Verb.MENTOR_REVIEW))]
HoursPlanner = Annotated[AccountAccess, Depends(AccountGuard(Verb.HOURS_PLAN))]
KeyAccountAnswerer = Annotated[AccountAccess, Depends(AccountGuard(Verb.KEY_ACCOUNT_ANSWER))]
MailSender = Annotated[AccountAccess, Depends(AccountGuard(Verb.MAIL_SEND_AGAIN))]
AccountCreator = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.ACCOUNTS_CREATE))]
UserManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.USERS_MANAGE))]
SettingsManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.SETTINGS_MANAGE))]
PortfolioReader = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.PORTFOLIO_VIEW))]
MailManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.MAIL_MANAGE))]
WebhookManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.WEBHOOKS_MANAGE))]
