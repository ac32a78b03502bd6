"""One-click unsubscribe (RFC 8058) for notice e-mails.

A notice e-mail's outbox row names its kind and recipient (``OutboxMessage.unsubscribe``,
"<kind> <user id>"); when the dispatcher sends it, it signs that into a link to
``/unsubscribe/<token>`` and adds the ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
headers and a last line to the body. The token is signed with the app's secret key
(itsdangerous, HMAC with SHA-256), so it authorises turning that one kind off for that one
person and nothing else; it does not expire (an old e-mail's link must keep working). Links
signed before the signature moved from SHA-1 to SHA-256 no longer work: such a
link answers the ordinary 404 page, and the person chooses at /me/notifications instead.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "unsubscribe"
NOTICE_HEADER = "X-Jointplan-Notice"  # the kind of notice, for mail filters
ONE_CLICK = "List-Unsubscribe=One-Click"


def _serializer(secret_key: str) -> URLSafeSerializer:
    # Signed with SHA-256; links sent before signed with SHA-1 (itsdangerous' default) still
    # work, as a one-click unsubscribe in a mail already delivered must.
    return URLSafeSerializer(
        secret_key,
        salt=SALT,
        signer_kwargs={"digest_method": hashlib.sha256},
        fallback_signers=[{"digest_method": hashlib.sha1}],
    )


def field(kind: str, user_id: int) -> str:
    """The outbox row's ``unsubscribe`` value."""
    return f"{kind} {user_id}"


def token(secret_key: str, *, kind: str, user_id: int) -> str:
    return _serializer(secret_key).dumps([kind, user_id])


def read(secret_key: str, value: str) -> tuple[str, int] | None:
    """(kind, user id) of a genuine token; None for anything else."""
    try:
        data = _serializer(secret_key).loads(value)
    except BadSignature:
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], str)
        or not isinstance(data[1], int)
    ):
        return None
    return data[0], data[1]


def link(base_url: str, secret_key: str, row_field: str) -> str:
    """The unsubscribe link of an outbox row's ``unsubscribe`` value."""
    kind, _, user_id = row_field.partition(" ")
    signed = token(secret_key, kind=kind, user_id=int(user_id))
    return f"{base_url.rstrip('/')}/unsubscribe/{signed}"


def headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def footer(url: str) -> str:
    return f"\n--\nTo stop e-mails of this kind, one click: {url}\n"
