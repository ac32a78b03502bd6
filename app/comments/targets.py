"""What a comment is added to, checked: the thread's item exists in the account and the actor
may ``verb`` it (a draft initiative is 404 for the client side; a closed period is read-only).
Shared by the thread routes and the API."""

from __future__ import annotations

from sqlmodel import Session

from app.comments import mentions, repository
from app.comments.repository import ThreadTarget
from app.permissions.guards import current_plan_id, enforce_in_period
from app.permissions.policy import AccountAccess, Actor, Verb
from app.web.errors import NotFoundError, or_404


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
