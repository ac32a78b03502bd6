"""An endpoint's secret: made, sealed for storage, and used to sign each delivery.

The secret must be read back to sign, so it cannot be kept as a hash: it is sealed with
Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under a key derived from the app's
``JP_SECRET_KEY``. Whoever reads the database without that key cannot sign as Jointplan;
changing ``JP_SECRET_KEY`` makes every endpoint's secret unreadable (renew them then).

The signature is Stripe's scheme: ``Jointplan-Signature: t=<unix time>,v1=<hex
HMAC-SHA256 of "<t>.<body>">`` with the secret as the key, so a receiver checks the body and
how old the request is (refuse a ``t`` that is minutes old to stop replays).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

SIGNATURE_HEADER = "Jointplan-Signature"
DELIVERY_HEADER = "Jointplan-Delivery"
EVENT_HEADER = "Jointplan-Event"
PREFIX = "whsec_"


class SecretUnreadable(Exception):
    """The sealed secret cannot be opened with this key (``JP_SECRET_KEY`` changed)."""


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _fernet(app_key: str) -> Fernet:
    derived = hashlib.sha256(b"jointplan webhook secrets\0" + app_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str, app_key: str) -> str:
    return _fernet(app_key).encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str, app_key: str) -> str:
    try:
        return _fernet(app_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("the endpoint's secret cannot be read with this key") from exc


def signature(secret: str, timestamp: int, body: str) -> str:
    """The header's value for ``body`` sent at ``timestamp`` (seconds since the epoch)."""
    message = f"{timestamp}.{body}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: str) -> bool:
    """What a receiver does (the tests use it): the header's ``v1`` matches the body."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    expected = signature(secret, int(parts["t"]), body)
    return hmac.compare_digest(expected, header)
