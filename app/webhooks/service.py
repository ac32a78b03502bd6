"""What workspace admins do with webhook endpoints: make, change, renew the secret, remove,
and send one delivery again. Every change is audited (internal, on the global chain: the
endpoint belongs to the workspace, not to an account); the secret never is."""

from __future__ import annotations

from dataclasses import asdict

from sqlmodel import Session

from app.audit import service as audit
from app.db import memo
from app.kit import versioned
from app.models import OutboxStatus, User, Visibility, WebhookDelivery, WebhookEndpoint, utcnow
from app.webhooks import repository, signing
from app.webhooks.events import wake_after_commit
from app.webhooks.schemas import EndpointValues

TRAIL = versioned.Trail("webhook_endpoint", Visibility.INTERNAL)
FIELDS = ("url", "description", "kinds", "internal", "active")
StaleEdit = versioned.StaleEdit


class DeliveryProblem(Exception):
    """Why a delivery cannot be sent again, phrased for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _forget_listeners(session: Session) -> None:
    """Events recorded later in this transaction see the endpoints as they are now."""
    memo(session, "webhook_listeners").clear()


def create(
    session: Session, *, actor: User, workspace_id: int, values: EndpointValues, app_key: str
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint owned by ``actor``, and its secret (shown once, never again)."""
    assert actor.id is not None
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        workspace_id=workspace_id,
        owner_id=actor.id,
        secret_sealed=signing.seal(secret, app_key),
        **asdict(values),
    )
    TRAIL.created(session, actor, endpoint, asdict(values))
    _forget_listeners(session)
    return endpoint, secret


def update(
    session: Session,
    *,
    actor: User,
    endpoint: WebhookEndpoint,
    values: EndpointValues,
    expected_version: int,
) -> bool:
    """Save the form over the endpoint read under its row lock; False when nothing changed.
    Raises ``StaleEdit`` when someone saved it since ``expected_version``."""
    versioned.check_global_version(session, endpoint, expected_version, item_type=TRAIL.item_type)
    after = asdict(values)
    changes = audit.diff(versioned.values_of(endpoint, FIELDS), after)
    if not changes:
        return False
    for field, value in after.items():
        setattr(endpoint, field, value)
    TRAIL.change(session, actor, endpoint, "webhook_endpoint.updated", changes)
    _forget_listeners(session)
    return True


def renew_secret(session: Session, *, actor: User, endpoint: WebhookEndpoint, app_key: str) -> str:
    """A new secret (the old one stops signing at once); shown once."""
    secret = signing.new_secret()
    endpoint.secret_sealed = signing.seal(secret, app_key)
    TRAIL.change(session, actor, endpoint, "webhook_endpoint.secret_renewed", {})
    return secret


def remove(session: Session, *, actor: User, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint; what it was not sent yet is cancelled."""
    assert endpoint.id is not None
    TRAIL.removed(session, actor, endpoint, ("url", "kinds"))
    repository.cancel_pending(session, endpoint_id=endpoint.id)
    _forget_listeners(session)


def send_again(
    session: Session, *, actor: User, endpoint: WebhookEndpoint, delivery: WebhookDelivery
) -> None:
    """Queue one delivery again, as it was (same body, same delivery id), now. ``delivery``
    was read under its row lock: of two presses at once, the second is told it is on its way."""
    if delivery.status == OutboxStatus.PENDING:
        raise DeliveryProblem("This event is already waiting to be sent.")
    if not endpoint.active:
        raise DeliveryProblem("This endpoint is paused: turn it on to send events to it.")
    delivery.status = OutboxStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claimed_until = None
    delivery.failed_at = None
    session.add(delivery)
    TRAIL.event(
        session,
        actor,
        endpoint,
        "webhook_endpoint.delivery_sent_again",
        {"delivery": [None, str(delivery.id)], "verb": [None, delivery.verb]},
    )
    wake_after_commit(session)
