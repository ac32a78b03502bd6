"""One event stream (``text/event-stream``) of an account's plan page.

Sent, and nothing else: ``section`` events naming the section, the item, the event id and who
made the change (the page fetches the section through its ordinary, permission-checked route);
``presence`` when someone opened or closed the page; ``reload`` when the events a reconnecting
page missed are no longer kept; a comment line every heartbeat. Event ids are numbered per
audience: ``v<n>`` for the vendor side (every event), ``c<n>`` for the client side (shared events
only), so a client's ids have no gap where an internal event was, and an internal change sends a
client nothing at all.

At each heartbeat the stream checks again, in a short session, that its session is live and that
its person may still see the plan from the same side; if not, it ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from app.accounts import repository as accounts_repo
from app.auth import sessions
from app.db import one_line
from app.live import events, repository
from app.live.broker import Broker, Item, Presence, Subscriber
from app.live.repository import Sent
from app.permissions.policy import Actor, Decision, Verb, decide
from app.web.forms import as_int

log = logging.getLogger(__name__)

PAGE = "plan"
# Pages of the vendor's internal workspace: presence there is never told to the client side.
INTERNAL_PAGES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Watcher:
    """Who holds the stream: their session token, person, account and side."""

    token: str
    user_id: int
    account_id: int
    vendor: bool
    page: str = PAGE

    def event_id(self, number: int) -> str:
        return events.event_id(self.vendor, number)

    def number(self, sent: Sent) -> int | None:
        """The event's number for this audience (None: not for this audience)."""
        return sent.seq if self.vendor else sent.shared_seq

    def sees_page(self, page: str) -> bool:
        return self.vendor or page not in INTERNAL_PAGES


def message(event: str, data: Mapping[str, object], event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def still_allowed(session: Session, watcher: Watcher, broker: Broker) -> bool:
    """Is the session live, and may its person still see the plan, from the same side?"""
    found = sessions.resolve(session, token=watcher.token, settings=broker.settings)
    if found is None:
        return False
    actor = Actor.of(found.user)
    access = accounts_repo.load_access(
        session, account_id=watcher.account_id, user_id=watcher.user_id
    )
    if actor.id != watcher.user_id or decide(actor, access, Verb.PLAN_VIEW) is not Decision.ALLOW:
        return False
    return access is not None and access.is_vendor == watcher.vendor


def parse_last_id(value: str | None, watcher: Watcher) -> int | None:
    """The number of ``Last-Event-ID`` for this audience; -1 when it is not one of its ids."""
    if not value:
        return None
    prefix, number = value[:1], as_int(value[1:])
    if prefix != ("v" if watcher.vendor else "c") or number is None:
        return -1
    return number


class SlotResponse(StreamingResponse):
    """A stream's answer holding one of the instance's stream slots (``Broker.try_open``): the
    slot is given back however the answer ends, also when it fails before its body ran (the
    headers could not be sent, the client was gone), which the body's own clean-up never sees."""

    def __init__(self, broker: Broker, content: AsyncIterator[str], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.broker = broker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.broker.close()


class Stream:
    def __init__(self, broker: Broker, watcher: Watcher, last_event_id: str | None) -> None:
        self.broker = broker
        self.watcher = watcher
        self.last_event_id = last_event_id
        self.last = 0
        self.id = uuid.uuid4().hex

    async def body(self) -> AsyncIterator[str]:
        broker, watcher = self.broker, self.watcher
        subscriber: Subscriber | None = None
        joined = False
        try:
            if broker.settings.live_stream_seconds <= 0:  # only what was missed: nothing to follow
                for chunk in ["retry: 1000\n\n", *await self._catch_up()]:
                    yield chunk
                return
            subscriber = await broker.subscribe(watcher.account_id, vendor=watcher.vendor)
            missed = await self._catch_up()
            yield "retry: 1000\n\n"  # the answer starts once the stream follows the account
            for chunk in missed:
                yield chunk
            await broker.run_db(self._join, writes=True)
            joined = True
            broker.presence_changed(watcher.account_id, watcher.page)
            async for chunk in self._follow(subscriber):
                yield chunk
        finally:
            if subscriber is not None:
                broker.unsubscribe(subscriber)
            if joined:
                await self._leave()

    def _join(self, session: Session) -> None:
        w = self.watcher
        repository.join(
            session,
            stream=self.id,
            instance=self.broker.instance,
            account_id=w.account_id,
            user_id=w.user_id,
            page=w.page,
        )
        self.broker.announce_presence(session, w.account_id, w.page)

    def _forget(self, session: Session) -> None:
        repository.leave(session, stream=self.id)
        self.broker.announce_presence(session, self.watcher.account_id, self.watcher.page)

    async def _leave(self) -> None:
        try:
            await asyncio.shield(self.broker.run_db(self._forget, writes=True))
            self.broker.presence_changed(self.watcher.account_id, self.watcher.page)
        except Exception:  # the heartbeat's clean-up forgets the row in time
            return

    async def _catch_up(self) -> list[str]:
        """What a reconnecting page missed, or a ``reload`` when that is no longer kept."""
        w = self.watcher
        asked = parse_last_id(self.last_event_id, w)
        low, high = await self.broker.run_db(
            lambda s: repository.bounds(s, account_id=w.account_id, vendor=w.vendor)
        )
        if asked is None:
            self.last = high
            return []
        if asked < 0 or asked > high or (asked + 1 < low):
            self.last = high
            return [message("reload", {"event": w.event_id(high)}, w.event_id(high))]
        rows = await self.broker.run_db(
            lambda s: repository.after(s, account_id=w.account_id, vendor=w.vendor, number=asked)
        )
        if len(rows) >= repository.REPLAY_LIMIT:
            self.last = high
            return [message("reload", {"event": w.event_id(high)}, w.event_id(high))]
        self.last = asked
        return [chunk for row in rows if (chunk := self._send(row))]

    def _send(self, row: Sent) -> str:
        number = self.watcher.number(row)
        if number is None or number <= self.last:
            return ""
        self.last = number
        event_id = self.watcher.event_id(number)
        data: dict[str, object] = {
            "section": row.section,
            "item": row.item_id,
            "event": event_id,
            "by": row.actor_name,
            # The person's own change: the page that made it shows it already, so the page
            # neither fetches the section again nor says "X changed this" (the numbering
            # stays without gaps).
            "mine": row.actor_id == self.watcher.user_id,
        }
        return message("section", data, event_id)

    async def _follow(self, subscriber: Subscriber) -> AsyncIterator[str]:
        """Events as the broker hands them; a heartbeat (and a check) every interval.

        One pending ``get`` is kept across heartbeats (``asyncio.wait`` leaves it running), so
        an event handed over just as a heartbeat falls due is never dropped."""
        interval = self.broker.settings.live_heartbeat_seconds
        next_beat = time.monotonic() + interval
        end = time.monotonic() + self.broker.settings.live_stream_seconds
        getter: asyncio.Task[Item] | None = None
        try:
            while time.monotonic() < end:
                getter = getter or asyncio.ensure_future(subscriber.queue.get())
                wait = max(min(next_beat, end) - time.monotonic(), 0)
                done, _ = await asyncio.wait({getter}, timeout=wait)
                if not done:
                    if time.monotonic() >= end or not await self._allowed():
                        return
                    yield ": heartbeat\n\n"
                    next_beat = time.monotonic() + interval
                    continue
                item, getter = subscriber.took(getter.result()), None
                chunk = self._chunk(item)
                if chunk:
                    yield chunk
        finally:
            if getter is not None:
                getter.cancel()

    def _chunk(self, item: Item) -> str:
        if isinstance(item, Sent):
            return self._send(item)
        page = item.page if isinstance(item, Presence) else self.watcher.page
        return message("presence", {}) if self.watcher.sees_page(page) else ""

    async def _allowed(self) -> bool:
        """Fails closed: when the check cannot be made (the database is away), the stream ends;
        the page connects again, from its last event, and is checked then."""
        try:
            return await self.broker.run_db(lambda s: still_allowed(s, self.watcher, self.broker))
        except Exception as exc:
            log.warning("live: checking a stream's access failed, closing it: %s", one_line(exc))
            return False
