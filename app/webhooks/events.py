"""Queueing webhook deliveries: one per matching endpoint, in the audited change's transaction.

``app.audit.service.record`` calls ``enqueue`` for every event of an account (so every audited
change reaches webhooks without touching its service). A delivery is queued for an endpoint
of the account's workspace when the endpoint is live and asks for the event's kind, and only
when its owner (the admin who made it) may see the event: ``policy.decide`` with the owner's
standing in the account. An internal event goes only to an endpoint marked internal; an
endpoint that is not gets shared events only, whose changes are the ones a client reads on the
account's audit page. The body is written now, as it will be sent; the dispatcher
(``app.webhooks.dispatcher``) sends it after commit. The endpoints of an account are read once
per transaction (one query), however many events it records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import Database, after_commit, memo
from app.models import (
    Account,
    Membership,
    User,
    Visibility,
    WebhookDelivery,
    WebhookEndpoint,
    random_id,
)
from app.permissions.policy import AccountAccess, Actor, Decision, Verb, decide
from app.webhooks.kinds import kind_of


@dataclass(frozen=True)
class _Seen:
    """What ``decide`` is asked about: the event, by its visibility."""

    visibility: str


@dataclass(frozen=True)
class Listener:
    endpoint: WebhookEndpoint
    access: AccountAccess
    owner: Actor


def listeners(session: Session, account_id: int) -> list[Listener]:
    """The live endpoints of the account's workspace, each with its owner's standing in the
    account (one query, once per transaction)."""
    known = memo(session, "webhook_listeners")
    if account_id in known:
        found: list[Listener] = known[account_id]
        return found
    membership = sa.and_(
        col(Membership.account_id) == Account.id,
        col(Membership.user_id) == User.id,
        col(Membership.removed_at).is_(None),
    )
    rows = session.exec(
        select(WebhookEndpoint, Account, User, Membership)
        .join(Account, col(Account.workspace_id) == WebhookEndpoint.workspace_id)
        .join(User, col(User.id) == WebhookEndpoint.owner_id)
        .outerjoin(Membership, membership)
        .where(Account.id == account_id)
        .where(col(WebhookEndpoint.removed_at).is_(None))
        .where(col(WebhookEndpoint.active).is_(True))
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    ).all()
    found = [
        Listener(
            endpoint,
            AccountAccess(account, member, owner.is_workspace_admin),
            Actor.of(owner),
        )
        for endpoint, account, owner, member in rows
        if not owner.is_disabled and owner.workspace_id == account.workspace_id
    ]
    known[account_id] = found
    return found


def may_receive(listener: Listener, visibility: str) -> bool:
    """Whether the endpoint may get an event of ``visibility``: its owner may see it, and an
    internal event only goes to an endpoint marked internal."""
    if visibility != Visibility.SHARED and not listener.endpoint.internal:
        return False
    seen = _Seen(visibility)
    return decide(listener.owner, listener.access, Verb.AUDIT_VIEW, seen) is Decision.ALLOW


def body(
    *,
    delivery_id: int,
    kind: str,
    occurred_at: datetime,
    account: Account,
    item_type: str,
    item_id: str,
    verb: str,
    changes: dict[str, Any],
) -> str:
    """The JSON a receiver gets (compact, keys sorted): exactly the bytes that are signed."""
    document = {
        "id": str(delivery_id),
        "kind": kind,
        "occurred_at": occurred_at.isoformat(),
        "account": {"id": account.id, "name": account.name},
        "item_type": item_type,
        "item_id": item_id,
        "verb": verb,
        "changes": changes,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def enqueue(
    session: Session,
    *,
    account_id: int,
    verb: str,
    item_type: str,
    item_id: str,
    visibility: str,
    changes: dict[str, Any],
    occurred_at: datetime,
) -> int:
    """Queue the event for every endpoint that asks for it and may see it; how many."""
    queued = 0
    for listener in listeners(session, account_id):
        kind = kind_of(listener.endpoint.kinds, item_type, verb)
        if kind is None or (kind.internal_only and not listener.endpoint.internal):
            continue
        if not may_receive(listener, visibility):
            continue
        assert listener.endpoint.id is not None
        delivery_id = random_id()
        text = body(
            delivery_id=delivery_id,
            kind=kind.key,
            occurred_at=occurred_at,
            account=listener.access.account,
            item_type=item_type,
            item_id=item_id,
            verb=verb,
            changes=changes,
        )
        session.add(
            WebhookDelivery(
                id=delivery_id,
                endpoint_id=listener.endpoint.id,
                account_id=account_id,
                verb=verb[:80],
                body=text,
                internal=visibility != Visibility.SHARED,
            )
        )
        queued += 1
    if queued:
        wake_after_commit(session)
    return queued


def wake_after_commit(session: Session) -> None:
    """Wake the webhook dispatcher once the transaction that queued deliveries committed."""
    db: Database | None = session.info.get("db")
    if db is not None and db.on_webhook_queued is not None:
        after_commit(session, db.on_webhook_queued, only_wakes=True)
