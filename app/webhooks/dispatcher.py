"""Sends queued webhook deliveries after commit, retrying with growing delays.

Each app instance runs one dispatcher thread (``app.kit.outbox.Dispatcher``, as the mail's).
A delivery is claimed with a conditional update before it is sent, so several instances never
send it twice at once. Before each attempt the endpoint is read again (removed, paused, or its
owner no longer an admin: the delivery is cancelled) and its address resolved and checked
again (``app.webhooks.addresses``). An answer 2xx is delivered; anything else (another status,
no answer within ``JP_WEBHOOK_TIMEOUT_SECONDS``, a refused address) is tried again after 1
minute, 5 minutes, 30 minutes, 2 hours and 12 hours, then given up (failed: "Send again" on the
endpoint's page queues it anew). Redirects are not followed.

``deliver_due`` is one round, for tests and for the thread.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx2
from sqlmodel import Session

from app.config import Settings
from app.db import Database
from app.kit import outbox
from app.models import OutboxStatus, User, WebhookDelivery, WebhookEndpoint, utcnow
from app.webhooks import addresses, repository, signing

log = logging.getLogger(__name__)

# The pause after each failed attempt; after the last one the delivery is given up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 50
USER_AGENT = "Jointplan-Webhooks/1"
MAX_ERROR = 1000


@dataclass(frozen=True)
class Attempt:
    """What one attempt came to: the receiver's status (None: no answer), how long it took,
    and what went wrong ('' when delivered)."""

    status: int | None
    duration_ms: int | None
    error: str

    @property
    def delivered(self) -> bool:
        return not self.error


class WebhookDispatcher(outbox.Dispatcher):
    name = "webhook"

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__()
        self.db = db
        self.settings = settings

    def round(self) -> float:
        self.deliver_due()
        now = utcnow()
        with self.db.session(writes=False) as session:
            due = outbox.next_due(session, WebhookDelivery, now=now)
        return outbox.seconds_until(due, now)

    def deliver_due(self) -> int:
        """Send every delivery that is due; returns how many were delivered."""
        with self.db.session(writes=False) as session:
            # In the order the events happened (the ids are random).
            ids = outbox.due_ids(
                session, WebhookDelivery, now=utcnow(), limit=BATCH, order="created_at"
            )
        return sum(self._deliver_one(delivery_id) for delivery_id in ids)

    def _claim(self, delivery_id: int) -> tuple[WebhookDelivery, WebhookEndpoint, User] | None:
        now = utcnow()
        claim_for = timedelta(seconds=self.settings.webhook_timeout_seconds + 60)
        with self.db.session() as session:
            claimed = outbox.claim(
                session, WebhookDelivery, row_id=delivery_id, now=now, until=now + claim_for
            )
            session.commit()
            if not claimed:
                return None
            delivery = session.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            assert endpoint is not None
            owner = session.get(User, endpoint.owner_id)
            assert owner is not None
            return delivery, endpoint, owner

    def _deliver_one(self, delivery_id: int) -> int:
        claimed = self._claim(delivery_id)
        if claimed is None:
            return 0
        delivery, endpoint, owner = claimed
        stop = _no_longer_wanted(delivery, endpoint, owner)
        attempt = None if stop else self.attempt(delivery, endpoint)
        with self.db.session() as session:
            _record(session, delivery_id, attempt, stop)
            session.commit()
        return 1 if attempt is not None and attempt.delivered else 0

    def attempt(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> Attempt:
        """Send the delivery once to the endpoint's (checked) address."""
        allow_local = self.settings.webhook_allow_local
        try:
            checked = addresses.resolve(endpoint.url, allow_local=allow_local)
            secret = signing.unseal(endpoint.secret_sealed, self.settings.resolved_secret_key)
        except addresses.AddressRefused as refused:
            return Attempt(None, None, refused.message)
        except signing.SecretUnreadable as unreadable:
            return Attempt(None, None, f"{unreadable}: renew the secret")
        url, host_headers, extensions = addresses.pinned(endpoint.url, checked[0])
        headers = host_headers | {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.DELIVERY_HEADER: str(delivery.id),
            signing.EVENT_HEADER: delivery.verb,
            signing.SIGNATURE_HEADER: signing.signature(
                secret, int(utcnow().timestamp()), delivery.body
            ),
        }
        started = time.monotonic()
        try:
            with (
                httpx2.Client(
                    timeout=self.settings.webhook_timeout_seconds,
                    follow_redirects=False,
                    trust_env=False,
                ) as client,
                # The answer's status is all that counts: its body is never read (nor kept:
                # an address the admin chose must not become a way to read what it says).
                client.stream(
                    "POST",
                    url,
                    content=delivery.body.encode(),
                    headers=headers,
                    extensions=extensions,
                ) as response,
            ):
                status = response.status_code
        except httpx2.HTTPError as exc:
            took = int((time.monotonic() - started) * 1000)
            return Attempt(None, took, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        took = int((time.monotonic() - started) * 1000)
        if 200 <= status < 300:
            return Attempt(status, took, "")
        return Attempt(status, took, f"HTTP {status}")


def _no_longer_wanted(delivery: WebhookDelivery, endpoint: WebhookEndpoint, owner: User) -> str:
    """Why the delivery is cancelled instead of sent ('' when it is still wanted): asked again
    at every attempt, since the endpoint may have changed since the event was queued."""
    if delivery.internal and not endpoint.internal:
        return "The endpoint no longer takes internal events."
    if endpoint.removed_at is not None:
        return "The endpoint was removed."
    if not endpoint.active:
        return "The endpoint is paused."
    if not owner.is_workspace_admin or owner.workspace_id != endpoint.workspace_id:
        return "The endpoint's owner is no longer an admin of the workspace."
    return ""


def _record(session: Session, delivery_id: int, attempt: Attempt | None, stop: str) -> None:
    """Write what came of the attempt under the delivery's row lock."""
    delivery = repository.delivery_for_write(session, delivery_id=delivery_id)
    assert delivery is not None
    now = utcnow()
    delivery.claimed_until = None
    if attempt is None:
        delivery.status, delivery.last_error = OutboxStatus.CANCELLED, stop
        session.add(delivery)
        return
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = attempt.status
    delivery.last_duration_ms = attempt.duration_ms
    delivery.last_error = attempt.error
    if delivery.status != OutboxStatus.PENDING:
        log.info("webhook delivery %s was cancelled while it was being sent", delivery_id)
    elif attempt.delivered:
        delivery.status, delivery.sent_at = OutboxStatus.SENT, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.failed_at = OutboxStatus.FAILED, now
        log.warning("webhook delivery %s given up: %s", delivery_id, attempt.error)
    else:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    session.add(delivery)
