"""A vendor's suggestion that waits for the client's answer: what a suggested priority
(``app.priorities``) and a suggested strategy entry (``app.strategy``) share. The client
contributors who may answer are told of it; an answer is given under the plan's lock, only
while the suggestion still waits and is as the client saw it (else ``StaleEdit``, nothing
written); the answer is audited (shared) and the vendor person who suggested it is told."""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.audit.service import Changes
from app.kit import versioned
from app.kit.versioned import StaleEdit
from app.models import Role, User
from app.notifications.service import notify
from app.plans import repository as plans_repo

# Who hears of a new suggestion: the client people who may answer it.
ANSWERING_ROLES = (Role.SPONSOR, Role.MEMBER)
WAITING = "suggested"  # the status of a suggestion waiting for its answer (both kinds)


class Suggestion(Protocol):
    id: int | None
    account_id: int
    plan_id: int
    status: str
    version: int
    suggested_by_id: int | None


def tell_the_client(
    session: Session, *, actor: User, account_id: int, kind: str, message: str, link: str
) -> None:
    """Tell the client people who may answer that a suggestion waits for them."""
    members = accounts_repo.list_members(session, account_id=account_id)
    notify(
        session,
        account_id=account_id,
        recipient_ids=[m.user_id for m in members if m.role_enum in ANSWERING_ROLES],
        kind=kind,
        message=message,
        link=link,
        actor=actor,
    )


def check_answerable(
    session: Session, suggestion: Suggestion, expected_version: int, *, item_type: str
) -> None:
    """Under the plan lock: still waiting for an answer, and as the client saw it; else
    ``StaleEdit`` naming who answered or changed it."""
    plans_repo.lock_plan(session, plan_id=suggestion.plan_id)
    session.refresh(suggestion)
    if suggestion.status != WAITING or suggestion.version != expected_version:
        who = versioned.who_changed(session, suggestion, item_type=item_type)
        raise StaleEdit(who, suggestion)


def answered(
    session: Session,
    trail: versioned.Trail,
    actor: User,
    suggestion: Suggestion,
    verb: str,
    changes: Changes,
    message: str,
    anchor: str,
) -> None:
    """Record the client's answer to a suggestion (``verb``, a new version) and tell the
    vendor person who suggested it, with a link to ``anchor`` of the plan page."""
    trail.change(session, actor, suggestion, verb, changes)
    notify(
        session,
        account_id=suggestion.account_id,
        recipient_ids=[suggestion.suggested_by_id],
        kind=verb,
        message=message,
        link=f"/accounts/{suggestion.account_id}/plan#{anchor}",
        actor=actor,
    )
