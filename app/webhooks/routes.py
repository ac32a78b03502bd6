"""The workspace admins' webhook endpoints, ``/admin/webhooks``: the list, a new endpoint (its
secret shown once), an endpoint's page with its delivery log, editing, renewing the secret,
removing, and sending one delivery again. Another workspace's endpoint is not found, exactly
like a missing id; everyone but the workspace's admins is refused before any lookup."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import SettingsDep
from app.db import DbSession
from app.kit import words
from app.kit.forms import FormOf
from app.kit.pages import redirect
from app.models import OutboxStatus, WebhookEndpoint
from app.permissions.guards import WebhookManager
from app.permissions.policy import Actor
from app.web.confirm import asks_first
from app.web.errors import or_404
from app.web.forms import FormErrors, Text, as_int
from app.web.templating import get_templates
from app.webhooks import repository, service, signing
from app.webhooks.dispatcher import MAX_ATTEMPTS, RETRY_DELAYS
from app.webhooks.kinds import KINDS
from app.webhooks.schemas import MAX_DESCRIPTION, EndpointForm

router = APIRouter()
PAGE = "/admin/webhooks"
LOG_LIMIT = 100


def _workspace_id(actor: Actor) -> int:
    assert actor.workspace_id is not None, "the guard lets only workspace admins through"
    return actor.workspace_id


def _endpoint(db: Session, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    return or_404(
        repository.get_in_workspace(db, workspace_id=_workspace_id(actor), endpoint_id=endpoint_id)
    )


def _form_context(request: Request, **more: Any) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "kinds": KINDS,
        "max_description": MAX_DESCRIPTION,
        "allow_local": settings.webhook_allow_local,
        "errors": FormErrors(),
        "stale": None,
    } | more


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return get_templates(request).render(request, name, context, status_code=status)


@router.get(PAGE)
def endpoints(request: Request, actor: WebhookManager, db: DbSession) -> Response:
    rows = repository.live_in_workspace(db, workspace_id=_workspace_id(actor))
    return _render(request, "admin/webhooks.html", {"rows": rows, "kinds": KINDS})


@router.get(PAGE + "/new")
def new_endpoint(request: Request, actor: WebhookManager) -> Response:
    return _render(request, "admin/webhook_new.html", _form_context(request, form=EndpointForm()))


@router.post(PAGE)
def create_endpoint(
    request: Request,
    actor: WebhookManager,
    db: DbSession,
    settings: SettingsDep,
    form: Annotated[EndpointForm, FormOf(EndpointForm)],
) -> Response:
    values = form.check(
        allow_local=settings.webhook_allow_local, may_mark_internal=actor.is_workspace_admin
    )
    if isinstance(values, FormErrors):
        context = _form_context(request, form=form, errors=values)
        return _render(request, "admin/webhook_new.html", context, 422)
    endpoint, secret = service.create(
        db,
        actor=actor.user,
        workspace_id=_workspace_id(actor),
        values=values,
        app_key=settings.resolved_secret_key,
    )
    return _secret_page(request, endpoint, secret, made=True)


def _secret_page(
    request: Request, endpoint: WebhookEndpoint, secret: str, *, made: bool
) -> Response:
    """The secret, once: it is never shown again (only a new one can be made)."""
    context = {"endpoint": endpoint, "secret": secret, "made": made, "header": signing}
    return _render(request, "admin/webhook_secret.html", context)


@router.get(PAGE + "/{endpoint_id}")
def show_endpoint(
    request: Request, actor: WebhookManager, db: DbSession, endpoint_id: int
) -> Response:
    endpoint = _endpoint(db, actor, endpoint_id)
    assert endpoint.id is not None
    deliveries = repository.deliveries(db, endpoint_id=endpoint.id, limit=LOG_LIMIT)
    context = {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "limit": LOG_LIMIT,
        "kinds": {kind.key: kind.label for kind in KINDS},
        "pending": OutboxStatus.PENDING,
        "max_attempts": MAX_ATTEMPTS,
        "delays": [_pause(delay) for delay in RETRY_DELAYS],
        "header": signing,
    }
    return _render(request, "admin/webhook.html", context)


def _pause(delay: timedelta) -> str:
    """A retry's pause in words: "5 minutes", "2 hours"."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60:
        return words.plural(minutes, "minute")
    return words.plural(minutes // 60, "hour")


@router.get(PAGE + "/{endpoint_id}/edit")
def edit_endpoint(
    request: Request, actor: WebhookManager, db: DbSession, endpoint_id: int
) -> Response:
    endpoint = _endpoint(db, actor, endpoint_id)
    context = _form_context(
        request, endpoint=endpoint, form=EndpointForm.of(endpoint), version=endpoint.version
    )
    return _render(request, "admin/webhook_edit.html", context)


@router.post(PAGE + "/{endpoint_id}")
def update_endpoint(
    request: Request,
    actor: WebhookManager,
    db: DbSession,
    settings: SettingsDep,
    endpoint_id: int,
    form: Annotated[EndpointForm, FormOf(EndpointForm)],
    version: Text = "",
) -> Response:
    endpoint = _endpoint(db, actor, endpoint_id)
    based_on = as_int(version) or 0
    values = form.check(
        allow_local=settings.webhook_allow_local, may_mark_internal=actor.is_workspace_admin
    )
    if isinstance(values, FormErrors):
        context = _form_context(
            request, endpoint=endpoint, form=form, version=based_on, errors=values
        )
        return _render(request, "admin/webhook_edit.html", context, 422)
    try:
        changed = service.update(
            db, actor=actor.user, endpoint=endpoint, values=values, expected_version=based_on
        )
    except service.StaleEdit as stale:
        # The form is now based on the saved version: saving again replaces it on purpose.
        context = _form_context(
            request, endpoint=endpoint, form=form, version=endpoint.version, stale=stale
        )
        return _render(request, "admin/webhook_edit.html", context, 409)
    notice = "Saved the endpoint." if changed else "The endpoint is unchanged."
    return redirect(request, f"{PAGE}/{endpoint.id}", notice)


@router.post(PAGE + "/{endpoint_id}/secret")
@asks_first("Make a new secret")
def renew_secret(
    request: Request,
    actor: WebhookManager,
    db: DbSession,
    settings: SettingsDep,
    endpoint_id: int,
) -> Response:
    endpoint = _endpoint(db, actor, endpoint_id)
    secret = service.renew_secret(
        db, actor=actor.user, endpoint=endpoint, app_key=settings.resolved_secret_key
    )
    return _secret_page(request, endpoint, secret, made=False)


@router.post(PAGE + "/{endpoint_id}/remove")
@asks_first("Remove")
def remove_endpoint(
    request: Request, actor: WebhookManager, db: DbSession, endpoint_id: int
) -> Response:
    endpoint = _endpoint(db, actor, endpoint_id)
    service.remove(db, actor=actor.user, endpoint=endpoint)
    return redirect(
        request, PAGE, f"Removed the endpoint {endpoint.url}. Nothing more is sent to it."
    )


@router.post(PAGE + "/{endpoint_id}/deliveries/{delivery_id}/send-again")
@asks_first("Send again", danger=False)
def send_again(
    request: Request, actor: WebhookManager, db: DbSession, endpoint_id: int, delivery_id: int
) -> Response:
    endpoint = _endpoint(db, actor, endpoint_id)
    assert endpoint.id is not None
    delivery = or_404(repository.delivery_of(db, endpoint_id=endpoint.id, delivery_id=delivery_id))
    back = f"{PAGE}/{endpoint.id}"
    try:
        service.send_again(db, actor=actor.user, endpoint=endpoint, delivery=delivery)
    except service.DeliveryProblem as problem:
        return redirect(request, back, problem.message, kind="error")
    return redirect(request, back + f"#delivery-{delivery.id}", "The event is being sent again.")
