"""Making and revoking personal access tokens, both audited. The secret is returned once, to
be shown once; only its SHA-256 is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.apitokens.schemas import CheckedToken
from app.kit import versioned
from app.models import ApiToken, User, utcnow
from app.tokens import new_token, token_hash

# Every token starts so: a secret scanner (and a person) can tell what it is.
SECRET_PREFIX = "jp_"
SHOWN = len(SECRET_PREFIX) + 6  # the characters the token list shows

TRAIL = versioned.Trail("api_token")


def create(session: Session, *, actor: User, checked: CheckedToken) -> tuple[ApiToken, str]:
    """A new token of ``actor`` and its secret (to show now: it cannot be read again)."""
    assert actor.id is not None
    secret = SECRET_PREFIX + new_token()
    token = ApiToken(
        user_id=actor.id,
        name=checked.name,
        token_hash=token_hash(secret),
        prefix=secret[:SHOWN],
        scope=checked.scope,
        expires_at=utcnow() + timedelta(days=checked.days),
    )
    values = {
        "name": checked.name,
        "prefix": token.prefix,
        "scope": checked.scope.value,
        "expires_at": token.expires_at,
    }
    TRAIL.created(session, actor, token, values)
    return token, secret


def revoke(session: Session, *, actor: User, token: ApiToken) -> bool:
    """Stop the token at once; False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.add(token)
    TRAIL.event(
        session, actor, token, "api_token.revoked", {"revoked_at": [None, token.revoked_at]}
    )
    return True
