"""The canonical encoding and SHA-256 link of one audit event.

hash = SHA-256(prev_hash + "\\n" + canonical JSON of the event's recorded fields), where the
canonical JSON has sorted keys, no whitespace and UTF-8 text. Changing any recorded field, the
order of events or removing one breaks the chain at that event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol

GENESIS = "0" * 64
GLOBAL_CHAIN = "global"


class Recorded(Protocol):
    """What an event's hash covers: an ``AuditEvent`` read back, or an ``Appended`` one."""

    chain: str
    seq: int
    occurred_at: datetime
    actor_id: int | None
    actor_label: str
    account_id: int | None
    item_type: str
    item_id: str
    verb: str
    changes: dict[str, Any]
    visibility: str


@dataclass
class Appended:
    """An event as ``app.audit.service.record`` appends it: the row it inserts, and its id
    once inserted. A plain object: building a table model validates every field again, which
    cost more than hashing the event."""

    chain: str
    seq: int
    occurred_at: datetime
    actor_id: int | None
    actor_label: str
    account_id: int | None
    item_type: str
    item_id: str
    verb: str
    changes: dict[str, Any]
    visibility: str
    prev_hash: str
    hash: str = ""
    id: int | None = field(default=None, compare=False)


def chain_for(account_id: int | None) -> str:
    return f"account:{account_id}" if account_id is not None else GLOBAL_CHAIN


def json_safe(value: Any) -> Any:
    """Reduce a recorded value to what JSON keeps exactly (so the hash survives a round trip)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)


RECORDED_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "account_id",
    "item_type",
    "item_id",
    "verb",
    "changes",
    "visibility",
)


def recorded(event: Recorded) -> dict[str, Any]:
    """The fields an event's hash covers, as JSON values (its time with microseconds)."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "account_id": event.account_id,
        "item_type": event.item_type,
        "item_id": event.item_id,
        "verb": event.verb,
        "changes": event.changes,
        "visibility": str(event.visibility),
    }


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: one spelling for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(event: Recorded) -> str:
    return canonical_json(recorded(event))


def fields_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The link of an event given as its recorded fields (an exported event, read offline)."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(fields)}".encode()).hexdigest()


def link_hash(prev_hash: str, event: Recorded) -> str:
    return fields_hash(prev_hash, recorded(event))
