"""This instance's live broker: one per app, in its event loop.

Streams subscribe per account and wait on the broker, never on the database. When an account's
events committed, the broker reads the new rows once (a short session in a thread) and hands them
to every stream of that account, which keeps what its audience may see.

How the broker hears of commits: on PostgreSQL through ONE listening connection per instance
(``LISTEN``; payloads carry ids only), which reconnects by itself after the database went away
and then replays from the table; on SQLite from ``Database.on_live_event``, called after commit
in this process, and for the instance's other worker processes by a look at the watched
accounts' numbering several times a second. Presence changes ("someone opened or closed a page")
travel the same way; on SQLite, whose other processes are not told, every stream is asked to look
at presence again at each heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from sqlmodel import Session

from app.config import Settings
from app.db import Database, one_line
from app.live import events, repository
from app.live.repository import Sent
from app.models import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")
PRUNE_EVERY = 240  # heartbeats between two prunings of old events
RECONNECT_MAX_SECONDS = 2.0
SQLITE_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Presence:
    """Someone opened or closed ``page`` of the account."""

    page: str


@dataclass(frozen=True)
class Resync:
    """The broker may have missed events (its connection was lost): check for them."""


Item = Sent | Presence | Resync


@dataclass(eq=False)
class Subscriber:
    """One open stream's mailbox."""

    account_id: int
    vendor: bool
    queue: asyncio.Queue[Item] = field(default_factory=asyncio.Queue)
    # Pages whose presence change waits in the queue: another change of the same page before
    # the stream took it says nothing more ("look again"), so it is not queued twice.
    presence_waiting: set[str] = field(default_factory=set)

    def took(self, item: Item) -> Item:
        if isinstance(item, Presence):
            self.presence_waiting.discard(item.page)
        return item


class Broker:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.instance = uuid.uuid4().hex
        self.open_streams = 0
        self._subscribers: dict[int, set[Subscriber]] = {}
        self._last_seq: dict[int, int] = {}
        self._pulling: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    # --- Running ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.listening = asyncio.Event()
        if self.db.is_sqlite:
            self.db.on_live_event = self._wake_threadsafe
            self.listening.set()
            self._tasks.append(asyncio.create_task(self._poll()))
        self._tasks.append(asyncio.create_task(self._tick()))

    async def stop(self) -> None:
        self.db.on_live_event = None
        tasks = [*self._tasks, *([self._listener] if self._listener else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks, self._listener = [], None

    def _ensure_listener(self) -> None:
        """The listening connection opens with the first stream (an instance nobody watches
        holds no connection)."""
        if self.db.is_sqlite or (self._listener is not None and not self._listener.done()):
            return
        self._listener = asyncio.create_task(self._listen())

    async def run_db(self, work: Callable[[Session], T], *, writes: bool = False) -> T:
        """``work`` in a short session of its own, in a worker thread."""

        def run() -> T:
            with self.db.session(writes=writes) as session:
                result = work(session)
                if writes:
                    session.commit()
                return result

        return await asyncio.to_thread(run)

    # --- Streams ---------------------------------------------------------------------------

    def try_open(self) -> bool:
        """Take one of the instance's stream slots (False when all are taken)."""
        if self.open_streams >= self.settings.live_max_streams:
            return False
        self.open_streams += 1
        return True

    def close(self) -> None:
        self.open_streams -= 1

    async def subscribe(self, account_id: int, *, vendor: bool) -> Subscriber:
        """A mailbox for the account's events from now on. Where the account's numbering stands
        is known before the mailbox is added (with no await in between): a read the broker
        starts meanwhile goes on from there, never from the first event. What committed while
        this subscribed is the stream's to read (``Stream._catch_up`` reads after this)."""
        self._ensure_listener()
        if account_id not in self._last_seq:
            seq = await self.run_db(lambda s: repository.latest_seq(s, account_id=account_id))
            self._last_seq.setdefault(account_id, seq)
        subscriber = Subscriber(account_id, vendor)
        self._subscribers.setdefault(account_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.get(subscriber.account_id, set())
        subscribers.discard(subscriber)
        if not subscribers:
            self._subscribers.pop(subscriber.account_id, None)
            self._last_seq.pop(subscriber.account_id, None)

    # --- Hearing of commits ----------------------------------------------------------------

    def _wake_threadsafe(self, account_id: int) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.wake, account_id)

    def wake(self, account_id: int) -> None:
        """The account has new events: read them once, hand them to its streams."""
        if account_id not in self._subscribers:
            return
        running = self._pulling.get(account_id)
        if running is not None and not running.done():
            self._again.add(account_id)  # read once more when this read is done
            return
        self._pulling[account_id] = asyncio.create_task(self._pull(account_id))

    async def _pull(self, account_id: int) -> None:
        while True:
            self._again.discard(account_id)
            read = partial(
                repository.after,
                account_id=account_id,
                vendor=True,
                number=self._last_seq.get(account_id, 0),
            )
            try:
                rows = await self.run_db(read)
            except Exception as exc:  # the database went away: the listener replays later
                log.warning("live: reading events failed: %s", one_line(exc))
                return
            if rows and account_id in self._last_seq:
                self._last_seq[account_id] = max(self._last_seq[account_id], rows[-1].seq)
            for subscriber in list(self._subscribers.get(account_id, ())):
                for row in rows:
                    subscriber.queue.put_nowait(row)
            if account_id not in self._again:
                return

    def announce_presence(self, session: Session, account_id: int, page: str) -> None:
        """In the transaction that joins or leaves: tell the other instances' streams of the
        account (NOTIFY, delivered at commit). This instance's are told by ``presence_changed``."""
        if not self.db.is_sqlite:
            payload = f"p:{account_id}:{page}"
            session.execute(sa.select(sa.func.pg_notify(events.CHANNEL, payload)))

    def presence_changed(self, account_id: int, page: str) -> None:
        """After a join or leave committed: this instance's streams of the account (on
        PostgreSQL they hear it through the channel, like every instance's)."""
        if self.db.is_sqlite:
            self.hear_presence(account_id, page)

    def hear_presence(self, account_id: int, page: str) -> None:
        for subscriber in list(self._subscribers.get(account_id, ())):
            if page not in subscriber.presence_waiting:
                subscriber.presence_waiting.add(page)
                subscriber.queue.put_nowait(Presence(page))

    def hear(self, payload: str) -> None:
        """One notice from the channel: ``e:<account>:<seq>`` or ``p:<account>:<page>``."""
        kind, _, rest = payload.partition(":")
        account, _, tail = rest.partition(":")
        if not account.isdigit():
            return
        if kind == "e":
            self.wake(int(account))
        elif kind == "p":
            self.hear_presence(int(account), tail)

    def resync(self) -> None:
        """After the broker may have missed notices: read every watched account again, and
        let every stream check presence again."""
        for account_id, subscribers in list(self._subscribers.items()):
            self.wake(account_id)
            for subscriber in subscribers:
                subscriber.queue.put_nowait(Resync())

    async def _listen(self) -> None:
        """The instance's one listening connection; reconnects by itself, then replays."""
        url = self.db.engine.url.set(drivername="postgresql").render_as_string(False)
        delay = 0.1
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    url, autocommit=True, connect_timeout=5
                ) as conn:
                    await conn.execute(f"LISTEN {events.CHANNEL}")
                    self.listening.set()
                    delay = 0.1
                    self.resync()
                    await self._hear_until_lost(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.listening.is_set():
                    log.warning("live: the listening connection was lost: %s", one_line(exc))
            self.listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _hear_until_lost(self, conn: psycopg.AsyncConnection[Any]) -> None:
        timeout = max(self.settings.live_heartbeat_seconds, 1.0)
        while True:
            async for notice in conn.notifies(timeout=timeout):
                self.hear(notice.payload)
            await conn.execute("SELECT 1")  # a quiet connection: is it still there?

    async def _poll(self) -> None:
        """SQLite: the other worker processes of this instance commit too, and only the one
        that committed is called. A look at the watched accounts' numbering (one small query)
        several times a second brings their events here as well."""
        while True:
            await asyncio.sleep(SQLITE_POLL_SECONDS)
            watched = list(self._subscribers)
            if not watched:
                continue
            try:
                latest = await self.run_db(partial(repository.latest_seqs, account_ids=watched))
            except Exception as exc:
                log.warning("live: looking for events failed: %s", one_line(exc))
                continue
            for account_id, seq in latest.items():
                if seq > self._last_seq.get(account_id, seq):
                    self.wake(account_id)

    # --- Every heartbeat: presence is refreshed, old events forgotten ------------------------

    async def _tick(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(self.settings.live_heartbeat_seconds)
            ticks += 1
            refresh = partial(
                repository.refresh,
                instance=self.instance,
                stale_before=utcnow() - self.presence_ttl,
            )
            prune = partial(events.prune, keep_hours=self.settings.live_keep_hours)
            if self.db.is_sqlite:
                self.resync()
            try:
                await self.run_db(refresh, writes=True)
                if ticks % PRUNE_EVERY == 0:
                    await self.run_db(prune, writes=True)
            except Exception as exc:
                log.warning("live: refreshing presence failed: %s", one_line(exc))

    @property
    def presence_ttl(self) -> timedelta:
        """A presence row not refreshed for this long no longer counts (its instance stopped)."""
        return timedelta(seconds=3 * self.settings.live_heartbeat_seconds + 1)
