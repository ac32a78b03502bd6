"""``/auth/oidc/{provider}/start`` sends the browser to the provider; ``.../callback`` checks
state, exchanges the code with the PKCE verifier, validates the ID token (signature, issuer,
audience, nonce) and signs the person in."""

from __future__ import annotations

from typing import Any

from anyio import from_thread
from authlib.integrations.base_client.errors import OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from httpx2 import HTTPError
from joserfc.errors import JoseError

from app.auth import service as auth_service
from app.auth.deps import SettingsDep, client_ip
from app.auth.responses import signed_in_redirect
from app.config import OidcProvider
from app.db import DbSession, writes_on_get
from app.invitations import service as invitations
from app.kit.words import possessive
from app.sso import service
from app.sso.client import FLOW_COOKIE, FLOW_MAX_AGE, Flow, Providers
from app.tokens import same
from app.web.errors import AppError, or_404
from app.web.forms import clean_line, safe_next
from app.web.templating import get_templates

public = APIRouter()


class SsoError(AppError):
    status_code = 400
    title = "Single sign-on did not work"


def _providers(request: Request) -> Providers:
    providers: Providers | None = getattr(request.app.state, "sso", None)
    if providers is None:
        providers = Providers(request.app.state.settings)
        request.app.state.sso = providers
    return providers


def _provider(settings: SettingsDep, key: str) -> OidcProvider:
    return or_404(settings.provider(key))


@public.get("/auth/oidc/{provider_key}/start")
def start(
    request: Request,
    settings: SettingsDep,
    provider_key: str,
    next: str = "/",
    invitation: str = "",
) -> Response:
    _provider(settings, provider_key)
    providers = _providers(request)
    client = providers.client(provider_key)
    try:
        auth: dict[str, Any] = from_thread.run(
            client.create_authorization_url, providers.redirect_uri(provider_key)
        )
    except (HTTPError, OAuthError, RuntimeError) as exc:
        raise SsoError(
            "The sign-in provider cannot be reached right now. Try again shortly."
        ) from exc
    flow = Flow(
        provider=provider_key,
        state=auth["state"],
        nonce=auth["nonce"],
        code_verifier=auth["code_verifier"],
        next=safe_next(next),
        invitation=invitation[:100],
    )
    response = RedirectResponse(auth["url"], status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        providers.seal(flow),
        max_age=FLOW_MAX_AGE,
        path="/auth/oidc",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


def _verified_claims(providers: Providers, provider: OidcProvider, flow: Flow, code: str) -> Any:
    """The ID token's claims, for the code the provider sent back; SsoError if they cannot be
    trusted."""
    provider_key = provider.key
    client = providers.client(provider_key)
    try:
        token = from_thread.run(
            lambda: client.fetch_access_token(
                redirect_uri=providers.redirect_uri(provider_key),
                code=code,
                code_verifier=flow.code_verifier,
            )
        )
        # The ID token must name the configured issuer and this client, whatever the
        # discovery document says (one discovery document can serve many issuers).
        claims = from_thread.run(
            lambda: client.parse_id_token(
                token,
                flow.nonce,
                claims_options={
                    "iss": {"essential": True, "value": provider.issuer},
                    "aud": {"essential": True, "value": provider.client_id},
                },
            )
        )
    except (HTTPError, OAuthError, JoseError, ValueError) as exc:
        raise SsoError(
            f"{possessive(provider.name)} answer could not be verified. Please start again."
        ) from exc
    return claims


@public.get("/auth/oidc/{provider_key}/callback")
@writes_on_get
def callback(request: Request, db: DbSession, settings: SettingsDep, provider_key: str) -> Response:
    provider = _provider(settings, provider_key)
    providers = _providers(request)
    flow = providers.unseal(request.cookies.get(FLOW_COOKIE, ""))
    params = request.query_params
    if (
        flow is None
        or flow.provider != provider_key
        or not same(flow.state, params.get("state", ""))
    ):
        raise SsoError("This sign-in took too long or was started elsewhere. Please start again.")
    if params.get("error"):
        raise SsoError(f"{provider.name} did not sign you in ({params.get('error')}).")
    claims = _verified_claims(providers, provider, flow, params.get("code", ""))
    if claims is None:
        raise SsoError(f"{provider.name} sent no identity token.")
    invitation = invitations.find_by_token(db, flow.invitation) if flow.invitation else None
    if flow.invitation and invitation is None:
        raise SsoError("The invitation you started from is not valid any more.")
    outcome = service.resolve_user(
        db,
        facts=service.IdTokenFacts(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=str(claims.get("email") or ""),
            email_verified=claims.get("email_verified") is True,
            name=clean_line(str(claims.get("name") or "")),
        ),
        provider_name=provider.name,
        invitation=invitation,
    )
    if outcome.user is None:
        raise SsoError(outcome.error)
    session_token = auth_service.complete_sign_in(
        db,
        user=outcome.user,
        method=f"oidc:{provider_key}",
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        accept_language=request.headers.get("accept-language", ""),
        settings=settings,
    )
    location = f"/accounts/{outcome.account.id}" if outcome.account else flow.next
    response = signed_in_redirect(request, session_token, settings, location)
    response.delete_cookie(FLOW_COOKIE, path="/auth/oidc")
    if outcome.account is not None:
        get_templates(request).flash(
            response, f"Welcome to the {outcome.account.name} account plan."
        )
    return response
