"""What a comment is added to, checked: the thread's item exists in the account and the actor
may ``verb`` it (a draft initiative is 404 for the client side; a closed period is read-only).
Shared by the thread routes and the API, with what both do to add a comment."""

from __future__ import annotations

from sqlmodel import Session

from app.comments import mentions, repository, service
from app.comments.repository import ThreadTarget
from app.comments.schemas import CommentValues
from app.models import Comment
from app.permissions.guards import current_plan_id, enforce_in_period
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.web.errors import ForbiddenError, NotFoundError, or_404


def checked_target(
    db: Session,
    actor: Actor,
    access: AccountAccess,
    verb: Verb,
    item_type: str,
    item_id: int,
    section: str = "",
) -> ThreadTarget:
    if item_type not in repository.ITEM_TYPES:
        raise NotFoundError()
    current_id = current_plan_id(db, access, verb)  # a comment: only in the current period
    target = or_404(
        repository.find_target(
            db, account_id=access.account_id, item_type=item_type, item_id=item_id, section=section
        )
    )
    enforce_in_period(actor, access, verb, target, plan_id=target.plan_id, current_id=current_id)
    return target


def people(db: Session, access: AccountAccess, *bodies: str) -> list[repository.Mentionable]:
    """Who may be @mentioned in ``bodies``: the account's active members, read only when a
    body holds an ``@`` (most do not: no query then)."""
    if not mentions.may_mention(bodies):
        return []
    return repository.mentionable(db, account_id=access.account_id)


def may_write(actor: Actor, access: AccountAccess, *, team_only: bool) -> None:
    """403 for a team-only comment by someone outside the vendor's team."""
    if team_only and not may(actor, access, Verb.COMMENT_TEAM_ONLY):
        raise ForbiddenError("Only the vendor's team can write team-only comments.")


def add(
    db: Session, actor: Actor, access: AccountAccess, target: ThreadTarget, values: CommentValues
) -> Comment:
    """The checked comment added to ``target``'s thread, its mentions notified."""
    return service.add(
        db,
        actor=actor.user,
        target=target,
        body=values.body,
        team_only=values.team_only,
        people=people(db, access, values.body),
    )
