"""Authlib clients for the configured providers, and the signed cookie that carries a login's
state, nonce and PKCE verifier from the redirect to the callback."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from authlib.integrations.starlette_client import OAuth
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import OidcProvider, Settings

FLOW_COOKIE = "jp_oidc"
FLOW_MAX_AGE = 600


@dataclass(frozen=True)
class Flow:
    provider: str
    state: str
    nonce: str
    code_verifier: str
    next: str
    invitation: str


class Providers:
    """One Authlib client per configured provider; discovery documents are fetched once."""

    def __init__(self, settings: Settings) -> None:
        self._oauth = OAuth()
        self._serializer = URLSafeTimedSerializer(settings.resolved_secret_key, salt="oidc-flow")
        self.base_url = settings.base_url.rstrip("/")
        for provider in settings.oidc_providers:
            self._register(provider)

    def _register(self, provider: OidcProvider) -> None:
        self._oauth.register(
            name=provider.key,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )

    def client(self, key: str) -> Any:
        return self._oauth.create_client(key)

    def redirect_uri(self, key: str) -> str:
        return f"{self.base_url}/auth/oidc/{key}/callback"

    def seal(self, flow: Flow) -> str:
        return self._serializer.dumps(asdict(flow))

    def unseal(self, value: str) -> Flow | None:
        try:
            data = self._serializer.loads(value, max_age=FLOW_MAX_AGE)
            return Flow(**data)
        except (BadSignature, TypeError):
            return None
