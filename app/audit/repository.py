"""Queries of the audit trail."""

from __future__ import annotations

import functools
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.audit.chain import Appended, chain_for
from app.live import events as live_events
from app.models import Account, AuditChainHead, AuditEvent, User, WebhookEndpoint, WorkspaceRole

# Built once, as plain SQL on the tables: an ``AuditChainHead`` in the identity map would not
# see ``move_head``, and the unit of work is the cost these spare every audited change.
_HEADS = AuditChainHead.__table__  # type: ignore[attr-defined]
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_ENDPOINTS = WebhookEndpoint.__table__  # type: ignore[attr-defined]
_ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
# Whether a live webhook endpoint of the account's workspace may want the event: asked in the
# statement that locks the head, so that a change in a workspace without endpoints pays no
# statement of its own for webhooks (``app.webhooks.events`` reads the endpoints otherwise).
_LISTENED = sa.exists(
    sa.select(_ENDPOINTS.c.id)
    .join(_ACCOUNTS, _ACCOUNTS.c.workspace_id == _ENDPOINTS.c.workspace_id)
    .where(_ACCOUNTS.c.id == sa.bindparam("account_id"))
    .where(_ENDPOINTS.c.removed_at.is_(None))
    .where(_ENDPOINTS.c.active.is_(True))
)
_LOCK_HEAD = (
    sa.select(_HEADS.c.seq, _HEADS.c.hash, _LISTENED.label("listened"))
    .where(_HEADS.c.chain == sa.bindparam("chain"))
    .with_for_update(of=_HEADS)
)
_MOVE_HEAD = (
    sa.update(_HEADS)
    .where(_HEADS.c.chain == sa.bindparam("head_chain"))
    .values(seq=sa.bindparam("head_seq"), hash=sa.bindparam("head_hash"))
)
_NEW_HEAD = sa.insert(_HEADS).values(
    chain=sa.bindparam("head_chain"), seq=sa.bindparam("head_seq"), hash=sa.bindparam("head_hash")
)
_EVENT_COLUMNS = tuple(c.name for c in _EVENTS.columns if c.name != "id")
_INSERT_EVENT = sa.insert(_EVENTS).returning(_EVENTS.c.id)
# PostgreSQL: the head moves on in the statement that inserts the event (a data-modifying
# WITH), one round trip instead of two; SQLite has no such statement.
# Its parameters are named apart ("event_seq", "head_seq"): a parameter named after a column
# ("seq") would be set in both tables.
_MOVE_AND_INSERT = (
    sa.insert(_EVENTS)
    .values({name: sa.bindparam(f"event_{name}") for name in _EVENT_COLUMNS})
    .returning(_EVENTS.c.id)
    .add_cte(_MOVE_HEAD.cte("moved_head"))
)


@dataclass(frozen=True)
class Head:
    """Where a chain stands (its last event's seq and hash), and whether a webhook endpoint
    of the chain's account's workspace listens."""

    seq: int
    hash: str
    listened: bool


def lock_head(session: Session, chain: str, *, account_id: int | None = None) -> Head | None:
    """The chain's head, its row locked (PostgreSQL; SQLite's writers are serialised anyway)
    so concurrent appends queue up; ``listened`` is about ``account_id``'s workspace."""
    # On the session's connection: the ORM's execute adds nothing to a plain statement but
    # its cost, paid by every audited change (so do ``append`` and the live event's insert).
    params = {"chain": chain, "account_id": account_id}
    row = session.connection().execute(_LOCK_HEAD, params).first()
    return Head(int(row.seq), str(row.hash), bool(row.listened)) if row is not None else None


@functools.cache
def _move_insert_and_tell(shared: bool) -> Any:
    """``_MOVE_AND_INSERT`` that also numbers and inserts the event's live event (and
    announces it): one statement, whose snapshot is taken once the head is locked."""
    live = live_events.numbered_insert(shared, notify=True).cte("new_live_event")
    return _MOVE_AND_INSERT.add_cte(live).returning(sa.select(live.c.seq).scalar_subquery())


def append(
    session: Session,
    event: Appended,
    *,
    new_chain: bool,
    live: live_events.LiveChange | None = None,
) -> tuple[int, bool]:
    """Move the chain's head on to ``event`` (``new_chain``: its first, the head row is made)
    and insert ``event`` (kept out of the session: no flush to pay for it): its new id, and
    whether ``live`` (the event's live event) was inserted with it (on PostgreSQL, in the same
    statement; else the caller inserts it). The caller holds the head's lock (``lock_head``)."""
    connection = session.connection()
    values = {name: getattr(event, name) for name in _EVENT_COLUMNS}
    head = {"head_chain": event.chain, "head_seq": event.seq, "head_hash": event.hash}
    if new_chain:
        connection.execute(_NEW_HEAD, head)
    elif connection.dialect.name == "postgresql":
        named = {f"event_{name}": value for name, value in values.items()} | head
        if live is None:
            return int(connection.execute(_MOVE_AND_INSERT, named).scalar_one()), False
        row = connection.execute(_move_insert_and_tell(live.shared), named | live.values).one()
        return int(row[0]), True
    else:
        connection.execute(_MOVE_HEAD, head)
    return int(connection.execute(_INSERT_EVENT, values).scalar_one()), False


def get_head(session: Session, chain: str) -> AuditChainHead | None:
    return session.get(AuditChainHead, chain)


def iter_chain_with_head(
    session: Session, chain: str
) -> Generator[tuple[AuditEvent, int | None, str | None]]:
    """The chain's events in order, each with the head row's (seq, hash), or (None, None) when
    the head row is missing. One statement, so the events and the head are read at one moment
    even while writers append (PostgreSQL reads each statement from its own snapshot)."""
    statement = (
        select(AuditEvent, AuditChainHead.seq, AuditChainHead.hash)
        .outerjoin(AuditChainHead, col(AuditChainHead.chain) == AuditEvent.chain)
        .where(AuditEvent.chain == chain)
        .order_by(col(AuditEvent.seq))
        .execution_options(yield_per=500)
    )
    result = session.exec(statement)
    try:
        yield from result
    finally:
        result.close()


def head_of(session: Session, chain: str) -> tuple[int, str] | None:
    """The chain's head row as (seq, hash), read afresh (None: no head row)."""
    row = session.exec(
        select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.chain == chain)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def events_after(
    session: Session, chain: str, *, after: int, until: int | None, limit: int
) -> Sequence[AuditEvent]:
    """At most ``limit`` events of the chain numbered after ``after`` (and at most ``until``),
    in order: one batch of an export."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.chain == chain, AuditEvent.seq > after)
        .order_by(col(AuditEvent.seq))
        .limit(limit)
    )
    if until is not None:
        statement = statement.where(AuditEvent.seq <= until)
    return session.exec(statement).all()


def list_chains(session: Session) -> Sequence[str]:
    """Every chain that has a head row or an event (a missing head must not hide its events)."""
    heads = select(AuditChainHead.chain)
    with_events = select(AuditEvent.chain).distinct()
    return [chain for (chain,) in session.execute(sa.union(heads, with_events))]


def account_ids(session: Session) -> Sequence[int]:
    """Every account: each has a chain from its creation on, events or not."""
    ids = session.exec(select(Account.id).order_by(col(Account.id))).all()
    return [i for i in ids if i is not None]


def account_exists(session: Session, account_id: int) -> bool:
    return session.get(Account, account_id) is not None


def accounts_by_workspace(session: Session) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = session.exec(select(Account.workspace_id, Account.id).order_by(col(Account.id)))
    for workspace_id, account_id in rows:
        assert account_id is not None
        found.setdefault(workspace_id, []).append(account_id)
    return found


def workspace_admins(session: Session) -> Sequence[User]:
    """Active workspace admins of every workspace, by workspace."""
    return session.exec(
        select(User)
        .where(User.workspace_role == WorkspaceRole.ADMIN)
        .where(col(User.is_disabled).is_(False))
        .order_by(col(User.workspace_id), col(User.id))
    ).all()


def list_for_account(
    session: Session,
    *,
    account_id: int,
    visibilities: Sequence[str],
    offset: int = 0,
    limit: int,
    before_seq: int | None = None,
) -> Sequence[AuditEvent]:
    """Newest first, from ``offset`` in the visible list, or (a keyset, as the API pages)
    those before sequence number ``before_seq``. A client is never shown a sequence number:
    the gaps between them would tell it how many internal events there are (the API seals
    its cursor, ``app.api.paging.seal``)."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.account_id == account_id)
        .where(col(AuditEvent.visibility).in_(visibilities))
    )
    if before_seq is not None:
        statement = statement.where(col(AuditEvent.seq) < before_seq)
    statement = statement.order_by(col(AuditEvent.seq).desc()).offset(offset).limit(limit)
    return session.exec(statement).all()


def last_actor_label(session: Session, *, account_id: int, item_type: str, item_id: int) -> str:
    """Who made the latest recorded change to an item ('' if nobody did)."""
    label = session.exec(
        select(AuditEvent.actor_label)
        .where(AuditEvent.account_id == account_id)
        .where(AuditEvent.item_type == item_type)
        .where(AuditEvent.item_id == str(item_id))
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    return label or ""


def last_global_actor(session: Session, *, item_type: str, item_id: int) -> str:
    """Who made the latest recorded change to an item of no account (the global chain, e.g. a
    workspace's scorecard attribute), '' if nobody did: their name as the workspace knows it,
    else the label the audit trail kept."""
    row = session.exec(
        select(AuditEvent.actor_label, User.display_name)
        .outerjoin(User, col(User.id) == AuditEvent.actor_id)
        .where(AuditEvent.chain == chain_for(None))
        .where(AuditEvent.item_type == item_type)
        .where(AuditEvent.item_id == str(item_id))
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    if row is None:
        return ""
    label, name = row
    return name or label or ""
