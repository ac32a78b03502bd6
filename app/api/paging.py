"""The API's page cursors: opaque to the caller (URL-safe base64 of what the next page starts
after), and a cursor the API did not give is a 400 problem, never a server error."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

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
        raise BadRequest("This cursor is not one the API gave: send a page's next_cursor.") from exc
