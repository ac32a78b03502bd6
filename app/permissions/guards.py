"""Guard dependencies: resolve the path's account (or item), ask ``decide``, hand back the
checked object. A handler never touches an account or item that did not pass through here.

Use the ``Annotated`` aliases at the bottom, e.g. ``access: AccountReader``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.accounts import repository as accounts_repo
from app.auth.deps import CurrentActor
from app.db import DbSession
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
MentorAsker = Annotated[AccountAccess, Depends(AccountGuard(Verb.MENTOR_ASK))]
MentorReviewer = Annotated[AccountAccess, Depends(AccountGuard(Verb.MENTOR_REVIEW))]
MailSender = Annotated[AccountAccess, Depends(AccountGuard(Verb.MAIL_SEND_AGAIN))]
AccountCreator = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.ACCOUNTS_CREATE))]
UserManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.USERS_MANAGE))]
SettingsManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.SETTINGS_MANAGE))]
PortfolioReader = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.PORTFOLIO_VIEW))]
MailManager = Annotated[Actor, Depends(WorkspaceGuard(WorkspaceVerb.MAIL_MANAGE))]
