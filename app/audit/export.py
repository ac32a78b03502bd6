"""An account's audit trail as a file (JSON Lines) that can be verified offline.

Every line is the canonical JSON (``chain.canonical_json``: sorted keys, no whitespace) of one
object, so one byte changed anywhere either changes a value or the spelling, and either fails:

- one line per event: ``{"event": <its recorded fields>, "prev_hash": ..., "hash": ...}``,
  oldest first; ``hash`` = SHA-256(``prev_hash`` + "\\n" + canonical JSON of the fields), the
  chain's own rule (``app.audit.chain``);
- a last line, the head: ``{"head": {"format", "kind", "chain", "account_id", "seq", "hash",
  "exported_at"}}``, with ``"key_id"`` and ``"signature"`` when the deployment has a checkpoint
  signing key (``app.audit.checkpoint``): Ed25519 over the canonical JSON of ``head``.

Two kinds:

- ``full`` (the vendor side, who may read every event): the account's chain itself, every
  event with the hash it was recorded with, up to the chain's head. Its events and head can be
  compared with a signed checkpoint of that chain.
- ``shared`` (a client): only the shared events. The account's chain interleaves internal
  events, whose hashes and sequence numbers would tell how many there are and when, so the
  shared events are chained afresh at export time, in their order, into a chain of their own
  (``account:N/shared``, numbered 1, 2, ...). Such a file proves only that it is intact as a
  list; signed, it proves that the server attested exactly this list of shared events, then.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.audit import repository
from app.audit.chain import (
    GENESIS,
    RECORDED_FIELDS,
    canonical_json,
    chain_for,
    fields_hash,
    recorded,
)
from app.audit.checkpoint import key_id
from app.audit.service import Anchor
from app.db import Database
from app.models import AuditEvent, Visibility

FORMAT = "jointplan-audit-export/1"
FULL, SHARED = "full", "shared"
_EVENT_KEYS = {"event", "prev_hash", "hash"}
BATCH = 500  # events read, and lines sent, at a time
_HEAD_KEYS = {"format", "kind", "chain", "account_id", "seq", "hash", "exported_at"}


def shared_chain(account_id: int) -> str:
    return f"{chain_for(account_id)}/shared"


def _batches(database: Database, chain: str, until: int | None) -> Iterator[Sequence[AuditEvent]]:
    """The chain's events up to ``until``, ``BATCH`` at a time, each batch read in a short
    session of its own: a slow reader holds no connection between batches. Events never
    change once written, so batches read at different moments make one consistent list."""
    after = 0
    while True:
        with database.session(writes=False) as session:
            events = repository.events_after(session, chain, after=after, until=until, limit=BATCH)
        if events:
            yield events
        if len(events) < BATCH:
            return
        after = events[-1].seq


def lines(
    database: Database,
    *,
    account_id: int,
    visibilities: Iterable[str],
    exported_at: datetime,
    key: Ed25519PrivateKey | None,
) -> Iterator[str]:
    """The export, a batch of lines at a time (each line ending in "\n"), the head line last:
    the whole chain for a reader of every visibility, else the shared events chained afresh.
    The chain's head is read first, and the events up to it: an event appended meanwhile is
    in the next export."""
    full = Visibility.INTERNAL in set(visibilities)
    chain = chain_for(account_id) if full else shared_chain(account_id)
    with database.session(writes=False) as session:
        at_start = repository.head_of(session, chain_for(account_id))
    prev, seq, head_seq = GENESIS, 0, 0
    for events in _batches(database, chain_for(account_id), at_start[0] if at_start else None):
        if full:  # the head row's (none: a broken chain, which the file then shows)
            head_seq, prev = at_start if at_start else (None, "")  # type: ignore[assignment]
        batch = []
        for event in events:
            if full:
                fields, prev_hash, digest = recorded(event), event.prev_hash, event.hash
            elif event.visibility == Visibility.SHARED:
                seq += 1
                fields = recorded(event) | {"chain": chain, "seq": seq}
                prev_hash, digest = prev, fields_hash(prev, fields)
                head_seq, prev = seq, digest
            else:
                continue
            batch.append(canonical_json({"event": fields, "prev_hash": prev_hash, "hash": digest}))
        if batch:
            yield "\n".join(batch) + "\n"
    yield _head_line(full, chain, account_id, head_seq, prev, exported_at, key)


def _head_line(
    full: bool,
    chain: str,
    account_id: int,
    head_seq: int | None,
    prev: str,
    exported_at: datetime,
    key: Ed25519PrivateKey | None,
) -> str:
    head = {
        "format": FORMAT,
        "kind": FULL if full else SHARED,
        "chain": chain,
        "account_id": account_id,
        "seq": head_seq,
        "hash": prev,
        "exported_at": exported_at.isoformat(timespec="seconds"),
    }
    last: dict[str, Any] = {"head": head}
    if key is not None:
        signature = key.sign(canonical_json(head).encode())
        last |= {
            "key_id": key_id(key.public_key()),
            "signature": base64.b64encode(signature).decode(),
        }
    return canonical_json(last) + "\n"


class ExportBroken(Exception):
    """The file does not verify: ``line`` (1-based; 0 for the file as a whole) and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Verified:
    kind: str
    chain: str
    account_id: int
    events: int
    head_hash: str
    exported_at: str
    key_id: str  # '' when not signed
    signature_checked: bool
    hashes: dict[int, str]  # seq -> hash, to compare with a checkpoint's anchor


def _parsed(number: int, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportBroken(number, f"not JSON ({exc.msg}): the line was changed") from exc
    if not isinstance(value, dict):
        raise ExportBroken(number, "not a JSON object: the line was changed")
    if canonical_json(value) != text:
        raise ExportBroken(number, "not written as the export writes it: the line was changed")
    return value


def _check_event(number: int, line: dict[str, Any], chain: str | None, prev: str) -> str:
    """The event's chain; ``ExportBroken`` when it does not hold."""
    event = line.get("event")
    if set(line) != _EVENT_KEYS or not isinstance(event, dict):
        raise ExportBroken(number, "not an event line (its fields were changed)")
    if set(event) != set(RECORDED_FIELDS):
        raise ExportBroken(number, "the event's recorded fields were changed (a name is wrong)")
    if event["seq"] != number or isinstance(event["seq"], bool):
        raise ExportBroken(number, f"expected event #{number} here, found #{event['seq']!r}")
    if chain is not None and event["chain"] != chain:
        raise ExportBroken(number, "it names another chain than the lines before it")
    if line["prev_hash"] != prev:
        raise ExportBroken(number, "its link to the previous event does not match")
    if line["hash"] != fields_hash(prev, event):
        raise ExportBroken(number, "its content was changed after it was exported")
    return str(event["chain"])


def verify(text: str, public_key: Ed25519PublicKey | None = None) -> Verified:
    """Check every line, link and the head (and the signature with ``public_key``);
    ``ExportBroken`` naming the first line that does not hold."""
    if not text.endswith("\n"):
        raise ExportBroken(0, "the file does not end with its head line: it was cut short")
    rows = text[:-1].split("\n")
    chain: str | None = None
    prev, account_ids, hashes = GENESIS, set(), {}
    for number, row in enumerate(rows[:-1], start=1):
        line = _parsed(number, row)
        chain = _check_event(number, line, chain, prev)
        prev = line["hash"]
        hashes[number] = prev
        account_ids.add(line["event"]["account_id"])
    last = _parsed(len(rows), rows[-1])
    return _check_head(len(rows), last, chain, prev, account_ids, hashes, public_key)


def _check_head(
    number: int,
    last: dict[str, Any],
    chain: str | None,
    prev: str,
    account_ids: set[Any],
    hashes: dict[int, str],
    public_key: Ed25519PublicKey | None,
) -> Verified:
    head = last.get("head")
    if not isinstance(head, dict) or set(head) != _HEAD_KEYS or head["format"] != FORMAT:
        raise ExportBroken(number, f"not the head line of a {FORMAT} file")
    if not all(isinstance(head[k], int) for k in ("seq", "account_id")):
        raise ExportBroken(number, "the head's numbers were changed")
    if set(last) - {"head", "key_id", "signature"}:
        raise ExportBroken(number, "the head line has fields it should not have")
    events = number - 1
    if head["seq"] != events:
        raise ExportBroken(number, f"the head names event #{head['seq']}, the file has {events}")
    if head["hash"] != prev:
        raise ExportBroken(number, "the head's hash is not the last event's: the list was changed")
    if chain is not None and head["chain"] != chain:
        raise ExportBroken(number, "the head names another chain than the events")
    if account_ids - {head["account_id"]}:
        raise ExportBroken(number, "an event names another account than the head")
    signer = last.get("key_id", "")
    checked = False
    if public_key is not None:
        _check_signature(number, head, last, public_key)
        checked = True
    return Verified(
        str(head["kind"]),
        str(head["chain"]),
        int(head["account_id"]),
        events,
        prev,
        str(head["exported_at"]),
        str(signer),
        checked,
        hashes,
    )


def _check_signature(
    number: int, head: dict[str, Any], last: dict[str, Any], public_key: Ed25519PublicKey
) -> None:
    signature, signer = last.get("signature"), last.get("key_id")
    if not isinstance(signature, str) or not isinstance(signer, str):
        raise ExportBroken(number, "the export is not signed, so the key proves nothing about it")
    ours = key_id(public_key)
    if signer != ours:
        raise ExportBroken(number, f"signed with key {signer}, not with key {ours}")
    try:
        public_key.verify(base64.b64decode(signature, validate=True), canonical_json(head).encode())
    except (InvalidSignature, binascii.Error) as exc:
        raise ExportBroken(
            number, "bad signature: the head was changed after it was signed"
        ) from exc


def check_anchor(verified: Verified, anchor: Anchor | None) -> None:
    """A full export against a signed checkpoint of its chain: the event the checkpoint
    holds must be in the file with the checkpoint's hash (a shared export has no anchor: its
    chain exists only in the file)."""
    if verified.kind != FULL:
        raise ExportBroken(0, "a shared export cannot be checked against a checkpoint")
    if anchor is None:
        raise ExportBroken(0, f"the checkpoint has no entry for {verified.chain}")
    if anchor.seq == 0:
        return
    if anchor.seq > verified.events:
        raise ExportBroken(
            0, f"the checkpoint holds event #{anchor.seq}, the file ends at #{verified.events}"
        )
    if verified.hashes[anchor.seq] != anchor.hash:
        raise ExportBroken(
            anchor.seq, "it differs from the signed checkpoint: the chain was rewritten"
        )


def summary(verified: Verified, *, anchored: bool = False) -> str:
    """One line saying what the verified file proves."""
    what = (
        f"the whole chain {verified.chain}"
        if verified.kind == FULL
        else f"the shared events of account {verified.account_id}, chained for the export"
    )
    said = [f"{verified.events} events, {what}, exported {verified.exported_at}"]
    if verified.key_id and verified.signature_checked:
        said.append(f"signed with key {verified.key_id}: signature good")
    elif verified.key_id:
        said.append(f"signed with key {verified.key_id} (not checked: give --public-key FILE)")
    else:
        said.append("not signed")
    if anchored:
        said.append("the checkpoint's event holds")
    return "; ".join(said)
