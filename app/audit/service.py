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
from app.audit.chain import GENESIS, GLOBAL_CHAIN, Appended, chain_for, json_safe, link_hash
from app.db import require_writes
from app.live import events as live_events
from app.models import AuditEvent, User, Visibility, utcnow
from app.webhooks import events as webhook_events

Changes = dict[str, list[Any]]


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)
    }


LABEL_LENGTH = 320  # ``AuditEvent.actor_label``
# The session's key for what its changes were made through (``acting_through``).
_THROUGH = "audit_through"


def acting_through(session: Session, means: str) -> None:
    """Every event ``session`` records from now on names ``means`` (e.g. the API token a
    request came with) after the actor's address in its actor label."""
    session.info[_THROUGH] = means


def _label(session: Session, actor: User | None) -> str:
    if actor is None:
        return ""
    means = session.info.get(_THROUGH, "")
    label = f"{actor.email} ({means})" if means else actor.email
    return label[:LABEL_LENGTH]


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
) -> Appended:
    """Append one event to its chain (the account's, or the global one).

    Sent as plain SQL under the head row's lock (no unit of work): read and lock the head,
    move it on, insert the event and its live event (four statements; two on PostgreSQL,
    which moves the head and inserts the live event in the event's INSERT: the head's lock is
    held from the first to the commit, so the fewer round trips the sooner the account's next
    change may go on). Changes pending in the session go first, so the event never refers to
    a row the database has not seen yet."""
    require_writes(session)  # plain SQL passes no flush check
    session.flush()
    chain = chain_for(account_id)
    head = repository.lock_head(session, chain, account_id=account_id)
    # None: only the transaction that creates an account (or the first global event) gets here.
    seq, prev_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    event = Appended(
        chain=chain,
        seq=seq + 1,
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor_label if actor_label is not None else _label(session, actor),
        account_id=account_id,
        item_type=item_type,
        item_id="" if item_id is None else str(item_id),
        verb=verb,
        changes=json_safe(changes or {}),
        visibility=visibility,
        prev_hash=prev_hash,
    )
    event.hash = link_hash(prev_hash, event)
    # An account's event has a live event (numbered under the chain head's lock, which
    # serialises the account's live events too), inserted with the event where it can be.
    live = _live_change(session, event, actor) if account_id is not None else None
    event.id, live_inserted = repository.append(session, event, new_chain=head is None, live=live)
    if live is not None and not live_inserted:
        live_events.derive(session, live)
    if account_id is not None and (head is None or head.listened):
        _tell_webhooks(session, event)
    return event


def _live_change(
    session: Session, event: Appended, actor: User | None
) -> live_events.LiveChange | None:
    assert event.account_id is not None
    return live_events.change_of(
        session,
        account_id=event.account_id,
        verb=event.verb,
        item_type=event.item_type,
        item_id=event.item_id,
        visibility=event.visibility,
        actor_name=actor.display_name if actor else "",
        actor_id=actor.id if actor else None,
    )


def _tell_webhooks(session: Session, event: Appended) -> None:
    """The webhook deliveries an account's event makes, in its transaction (called when an
    endpoint of the account's workspace listens)."""
    assert event.account_id is not None
    webhook_events.enqueue(
        session,
        account_id=event.account_id,
        verb=event.verb,
        item_type=event.item_type,
        item_id=event.item_id,
        visibility=event.visibility,
        changes=event.changes,
        occurred_at=event.occurred_at,
    )


@dataclass(frozen=True)
class ChainReport:
    chain: str
    checked: int
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    last_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.reason


@dataclass(frozen=True)
class Anchor:
    """Where a chain stood when a signed checkpoint was taken: its event ``seq`` had ``hash``."""

    seq: int
    hash: str


def _chain_account(chain: str) -> int | None:
    """The account a chain belongs to (None for the global chain or a name the app never makes)."""
    prefix, _, number = chain.partition(":")
    return int(number) if prefix == "account" and number.isdigit() else None


def verify_chain(
    session: Session,
    chain: str,
    *,
    must_exist: bool | None = None,
    anchor: Anchor | None = None,
) -> ChainReport:
    """Recompute every link of ``chain``; report the first event that does not hold.

    A chain that ``must_exist`` (the global one, and every existing account's, which starts with
    the account's creation) is broken when it is missing or empty; its head row must name its
    last event. With an ``anchor`` from a checkpoint, the chain must still hold that event with
    that hash: a rewrite at or before it, or a truncation below it, is caught even when every
    hash after it was recomputed and the head row rewound.
    """
    account_id = _chain_account(chain)
    if must_exist is None:
        must_exist = chain == GLOBAL_CHAIN or (
            account_id is not None and repository.account_exists(session, account_id)
        )
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    head: tuple[int | None, str | None] | None = None
    with closing(repository.iter_chain_with_head(session, chain)) as rows:
        for event, head_seq, head_hash in rows:
            head = (head_seq, head_hash)
            problem = _link_problem(event, expected_seq, account_id, prev_hash, anchor)
            if problem:
                return ChainReport(chain, checked, event.id, event.seq, problem)
            prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1

    if head is None:  # no events: is there a head row?
        row = repository.get_head(session, chain)
        head = (row.seq, row.hash) if row is not None else (None, None)
    if checked == 0 and head[0] is None:
        if must_exist:
            what = "the global chain" if account_id is None else f"account {account_id} exists but"
            reason = f"{what} has no audit events and no head row: its chain was deleted"
            return ChainReport(chain, 0, reason=reason, last_hash=prev_hash)
        if anchor is not None and anchor.seq > 0:
            reason = f"the signed checkpoint holds event #{anchor.seq} but the chain is gone"
            return ChainReport(chain, 0, reason=reason, last_hash=prev_hash)
        return ChainReport(chain, 0)
    reason = _end_problem(head, checked, prev_hash, account_id, anchor)
    if reason:
        return ChainReport(chain, checked, reason=reason, last_hash=prev_hash)
    return ChainReport(chain, checked, last_hash=prev_hash)


def _end_problem(
    head: tuple[int | None, str | None],
    checked: int,
    last_hash: str,
    account_id: int | None,
    anchor: Anchor | None,
) -> str:
    """What is wrong with where a chain of ``checked`` good events ends ('' if nothing)."""
    head_seq, head_hash = head
    if head_seq is None:
        return f"its head row is missing ({checked} events have none)"
    if head_seq > checked:
        return f"the chain should end at event #{head_seq}: events are missing"
    if head_seq < checked:
        return f"its head row names event #{head_seq} but the chain goes on to #{checked}"
    if head_hash != last_hash:
        return f"its head row does not match event #{checked}"
    if checked == 0 and account_id is not None:
        return f"account {account_id} has no audit events, though its creation is always recorded"
    if anchor is not None and anchor.seq > checked:
        return (
            f"the signed checkpoint holds event #{anchor.seq} but the chain ends at "
            f"#{checked}: events were removed and the head row rewound"
        )
    return ""


def _link_problem(
    event: AuditEvent,
    expected_seq: int,
    account_id: int | None,
    prev_hash: str,
    anchor: Anchor | None,
) -> str:
    """What is wrong with one event of a chain ('' if it holds)."""
    if event.seq != expected_seq:
        return f"expected event #{expected_seq} here, found #{event.seq} (an event is missing)"
    if event.account_id != account_id:
        return f"it names account {event.account_id}, not this chain's"
    if event.prev_hash != prev_hash:
        return "its link to the previous event does not match"
    if event.hash != link_hash(prev_hash, event):
        return "its content was changed after it was recorded"
    if anchor is not None and event.seq == anchor.seq and event.hash != anchor.hash:
        return (
            "it differs from the signed checkpoint: the chain was rewritten at or before this event"
        )
    return ""


def _chain_order(chain: str) -> tuple[int, int, str]:
    account_id = _chain_account(chain)
    if chain == GLOBAL_CHAIN:
        return (0, 0, chain)
    return (1, account_id, chain) if account_id is not None else (2, 0, chain)


def verify_all(session: Session, anchors: dict[str, Anchor] | None = None) -> list[ChainReport]:
    """Every chain there should be: the global one, every existing account's, and every chain
    that has a head row or events, each checked against its checkpoint ``anchors``."""
    anchors = anchors or {}
    expected = {GLOBAL_CHAIN} | {chain_for(a) for a in repository.account_ids(session)}
    chains = expected | set(repository.list_chains(session)) | set(anchors)
    return [
        verify_chain(session, chain, must_exist=chain in expected, anchor=anchors.get(chain))
        for chain in sorted(chains, key=_chain_order)
    ]
