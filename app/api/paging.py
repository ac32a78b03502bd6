"""The API's page cursors: opaque to the caller (URL-safe base64 of what the next page starts
after), and a cursor the API did not give is a 400 problem, never a server error.

A cursor whose place must not be read by the caller (the audit trail's: the gaps between the
sequence numbers of a client's shared events would count the internal ones between them) is
sealed: encrypted and authenticated (AES-GCM) with a key derived from the app's secret, so it
can be neither read nor made up."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from typing import TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.api.problems import BadRequest
from app.web.forms import MAX_ID

T = TypeVar("T")


def number(raw: str) -> int:
    """A cursor's whole number, within what the database holds (else not one we gave)."""
    value = int(raw)
    if not 0 <= value <= MAX_ID:
        raise ValueError(raw)
    return value


def encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str | None, parse: Callable[[str], T]) -> T | None:
    """What ``cursor`` holds, read by ``parse`` (None without a cursor)."""
    if cursor is None:
        return None
    try:
        return parse(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(NOT_OURS) from exc


NOT_OURS = "This cursor is not one the API gave: send a page's next_cursor."
_NONCE = 12


def _cipher(secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(f"jointplan api cursor\n{secret}".encode()).digest())


def seal(raw: str, *, secret: str, context: str) -> str:
    """``raw`` as a cursor the caller can neither read nor make; valid only for ``context``
    (e.g. the account whose list it pages)."""
    nonce = os.urandom(_NONCE)
    sealed = nonce + _cipher(secret).encrypt(nonce, raw.encode(), context.encode())
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(cursor: str | None, parse: Callable[[str], T], *, secret: str, context: str) -> T | None:
    """What a ``seal``-ed cursor holds, read by ``parse`` (None without a cursor); 400 for a
    cursor sealed for another context, changed, or not sealed by us."""
    if cursor is None:
        return None
    try:
        sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        opened = _cipher(secret).decrypt(sealed[:_NONCE], sealed[_NONCE:], context.encode())
        return parse(opened.decode())
    except (binascii.Error, InvalidTag, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(NOT_OURS) from exc
