"""Guard dependencies: resolve the path's account (or item), ask ``decide``, hand back the
checked object. A handler never touches an account or item that did not pass through here.

Use the ``Annotated`` aliases at the bottom, e.g. ``access: AccountReader``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.items import AccountItem, get_or_404
from app.permissions.policy import (
    AccountAccess,
    Actor,
    Decision,
    HasVisibility,
    Verb,
    WorkspaceVerb,
    decide,
    decide_workspace,
)
from app.web.errors import ForbiddenError, NotFoundError


def enforce(decision: Decision) -> None:
    if decision is Decision.NOT_FOUND:
        raise NotFoundError()
    if decision is Decision.FORBIDDEN:
        raise ForbiddenError()


def enforce_item(actor: Actor, access: AccountAccess, verb: Verb, item: HasVisibility) -> None:
    """For a route that loaded an item under a checked account: may the actor ``verb`` this
    item (internal items are 404 for the client side; own-item verbs check the author)?"""
    enforce(decide(actor, access, verb, item))


class AccountGuard:
    """``Depends(AccountGuard(verb))``: the account in the path, if the actor may ``verb`` it."""

    def __init__(self, verb: Verb) -> None:
        self.verb = verb

    def __call__(self, account_id: int, actor: CurrentActor, db: DbSession) -> AccountAccess:
        access = accounts_repo.load_access(db, account_id=account_id, user_id=actor.id)
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
        access = accounts_repo.load_access(db, account_id=account_id, user_id=actor.id)
        enforce(decide(actor, access, verb))
        assert access is not None
        if lock is not None:
            lock(db, account_id)
        item = get_or_404(db, model, *criteria, account_id=account_id, item_id=path[param], **where)
        if hasattr(item, "visibility"):
            enforce(decide(actor, access, verb, item))  # type: ignore[arg-type]
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
    """``Depends(WorkspaceGuard(verb))``: the actor, if they may ``verb`` in their workspace."""

    def __init__(self, verb: WorkspaceVerb) -> None:
        self.verb = verb

    def __call__(self, actor: CurrentActor) -> Actor:
        enforce(decide_workspace(actor, actor.workspace_id, self.verb))
        return actor


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
InitiativeWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.INITIATIVES_WRITE))]
PerceptionReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.PERCEPTION_VIEW))]
PerceptionWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.PERCEPTION_WRITE))]
ActionWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.ACTIONS_WRITE))]
Commenter = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMENT))]
CommentEditor = Annotated[AccountAccess, Depends(AccountGuard(Verb.COMMENT_EDIT))]
PlanSubmitter = Annotated[AccountAccess, Depends(AccountGuard(Verb.PLAN_SUBMIT))]
PlanApprover = Annotated[AccountAccess, Depends(AccountGuard(Verb.PLAN_APPROVE))]
InsightReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.INSIGHT_VIEW))]
InsightWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.INSIGHT_WRITE))]
AccountScorer = Annotated[AccountAccess, Depends(AccountGuard(Verb.ACCOUNT_SCORE))]
ValidationRequester = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALIDATION_REQUEST))]
ValidationReader = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALIDATION_VIEW))]
ValidationAnswerer = Annotated[AccountAccess, Depends(AccountGuard(Verb.VALIDATION_ANSWER))]
ReviewWriter = Annotated[AccountAccess, Depends(AccountGuard(Verb.REVIEW_WRITE))]
ReviewScheduler = Annotated[AccountAccess, Depends(AccountGuard(Verb.REVIEW_SCHEDULE))]
MentorAsker = Annotated[AccountAccess, Depends(AccountGuard(Verb.MENTOR_ASK))]
MentorReviewer = Annotated[AccountAccess, Depends(AccountGuard(Verb.MENTOR_REVIEW))]
MailSender = Annotated[AccountAccess, Depends(AccountGuard(Verb.MAIL_SEND_AGAIN))]
AccountCreator = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.ACCOUNTS_CREATE))]
UserManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.USERS_MANAGE))]
SettingsManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.SETTINGS_MANAGE))]
PortfolioReader = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.PORTFOLIO_VIEW))]
MailManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.MAIL_MANAGE))]
