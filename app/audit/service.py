"""Writing and verifying the audit trail.

``record`` is called by the service that makes a change, in the same transaction, so an
event exists exactly when its change committed.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.audit import repository
from app.audit.chain import GENESIS, chain_for, json_safe, link_hash
from app.models import AuditChainHead, AuditEvent, User, Visibility, utcnow

Changes = dict[str, list[Any]]


class StaleEdit(Exception):
    """An edit based on an older version of the item: nothing was written. ``who`` made the
    latest change (read from the audit trail); ``current`` is the item as saved now."""

    def __init__(self, who: str, current: Any) -> None:
        super().__init__(who)
        self.who = who or "Someone"
        self.current = current


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    *,
    actor: User | None,
    verb: str,
    item_type: str,
    item_id: int | str | None = None,
    account_id: int | None = None,
    changes: Changes | None = None,
    visibility: Visibility = Visibility.SHARED,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to its chain (the account's, or the global one)."""
    chain = chain_for(account_id)
    head = repository.lock_head(session, chain)
    if head is None:
        # Only the transaction that creates an account (or the first global event) gets here.
        head = AuditChainHead(chain=chain, seq=0, hash=GENESIS)
    event = AuditEvent(
        chain=chain,
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor_label if actor_label is not None else (actor.email if actor else ""),
        account_id=account_id,
        item_type=item_type,
        item_id="" if item_id is None else str(item_id),
        verb=verb,
        changes=json_safe(changes or {}),
        visibility=visibility,
        prev_hash=head.hash,
        hash="",
    )
    event.hash = link_hash(head.hash, event)
    head.seq, head.hash = event.seq, event.hash
    session.add(head)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    chain: str
    checked: int
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.reason


def verify_chain(session: Session, chain: str) -> ChainReport:
    """Recompute every link of ``chain``; report the first event that does not hold."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    with closing(repository.iter_chain(session, chain)) as events:
        for event in events:
            problem = ""
            if event.seq != expected_seq:
                problem = (
                    f"expected event #{expected_seq} here, found #{event.seq} (an event is missing)"
                )
            elif event.prev_hash != prev_hash:
                problem = "its link to the previous event does not match"
            elif event.hash != link_hash(prev_hash, event):
                problem = "its content was changed after it was recorded"
            if problem:
                return ChainReport(chain, checked, event.id, event.seq, problem)
            prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = repository.get_head(session, chain)
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return ChainReport(
            chain, checked, reason=f"the chain should end at event #{head.seq}: events are missing"
        )
    return ChainReport(chain, checked)


def verify_all(session: Session) -> list[ChainReport]:
    return [verify_chain(session, chain) for chain in repository.list_chains(session)]
