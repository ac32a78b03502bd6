"""Where a person stands on the short path, kept on their membership (``Membership.welcome``).

Foundation-level on purpose (models and the policy only): accepting an invitation starts the
path without the invitations package depending on the plan's domains. The flag is the
person's own place in a guide, like a notification's read mark: it is not audited.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session

from app.models import Account, Membership, User
from app.permissions.policy import AccountAccess, Actor, Verb, may


class Step(StrEnum):
    PRIORITIES = "priorities"  # step 1: your top priorities
    VALUE = "value"  # step 2: how valuable is this relationship to you
    FINISHED = "finished"
    SKIPPED = "skipped"


OPEN_STEPS = frozenset({Step.PRIORITIES, Step.VALUE})
# What the path writes: a person who may not do both walks no path.
VERBS = (Verb.PRIORITIES_WRITE, Verb.VALUE_RATE)


def url(account_id: int, step: str) -> str:
    """The page of an open step."""
    base = f"/accounts/{account_id}/welcome"
    return f"{base}/value" if step == Step.VALUE else base


def walks_path(actor: Actor, access: AccountAccess) -> bool:
    """A client contributor: someone who may state priorities and rate the relationship."""
    return all(may(actor, access, verb) for verb in VERBS)


def first_page(session: Session, *, user: User, account: Account, membership: Membership) -> str:
    """Where a person who just accepted an invitation goes: a client contributor to the
    path's first step (started here, unless they already walked it), everyone else to the
    account as before."""
    assert account.id is not None
    access = AccountAccess(account, membership, is_workspace_admin=False)
    if not walks_path(Actor.of(user), access):
        return f"/accounts/{account.id}"
    if membership.welcome is None:
        move(session, membership, Step.PRIORITIES)
    step = membership.welcome or Step.PRIORITIES
    return url(account.id, step) if step in OPEN_STEPS else f"/accounts/{account.id}/plan"


def resume_url(actor: Actor, access: AccountAccess) -> str | None:
    """The open step to come back to ("Finish setting up your plan"), or None."""
    membership = access.membership
    if membership is None or membership.welcome not in OPEN_STEPS:
        return None
    if not walks_path(actor, access):
        return None
    return url(access.account_id, membership.welcome)


def move(session: Session, membership: Membership, step: Step) -> None:
    """Put the person at ``step`` (the membership's version stays: this is no edit of it)."""
    membership.welcome = step.value
    session.add(membership)
