"""The outbox mechanism every queue of side effects shares (e-mail in ``app.mail``, webhook
deliveries in ``app.webhooks``).

A row is written in the transaction that caused it, so it exists exactly when the change
committed; a dispatcher thread per instance sends it after commit. A row is claimed with a
conditional update before it is sent (``claim``), so several instances never send the same row
twice at once; a claim lapses after a while, so a crashed instance loses nothing. A table
that is queued this way has the columns ``id``, ``status`` (``OutboxStatus``),
``next_attempt_at`` and ``claimed_until``.

``Dispatcher`` is the thread: it runs ``round`` (send what is due, say how long to sleep)
until stopped, wakes early when told that a transaction queued something, and logs an
unreachable database as one line, without a traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.db import database_unreachable, one_line
from app.models import OutboxStatus

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0
# Never spin: the shortest sleep between two rounds.
MIN_WAIT_SECONDS = 0.05


def _column(model: Any, name: str) -> sa.ColumnElement[Any]:
    column: sa.ColumnElement[Any] = getattr(model, name)
    return column


def unclaimed(model: Any, now: datetime) -> sa.ColumnElement[bool]:
    claimed_until = _column(model, "claimed_until")
    return sa.or_(claimed_until.is_(None), claimed_until < now)


def due_ids(
    session: Session, model: Any, *, now: datetime, limit: int, order: str = "id"
) -> Sequence[int]:
    """The ids of pending rows whose next attempt is due and that nobody holds, in the order
    of the column ``order`` (a table with random ids: its ``created_at``), then of id."""
    statement = (
        sa.select(_column(model, "id"))
        .where(_column(model, "status") == OutboxStatus.PENDING)
        .where(_column(model, "next_attempt_at") <= now)
        .where(unclaimed(model, now))
        .order_by(_column(model, order), _column(model, "id"))
        .limit(limit)
    )
    return [i for i in session.execute(statement).scalars().all() if i is not None]


def next_due(session: Session, model: Any, *, now: datetime) -> datetime | None:
    """When the earliest pending row can next be tried: its next attempt, or when another
    instance's claim on it lapses. None when nothing is pending."""
    pending = _column(model, "status") == OutboxStatus.PENDING
    claimed = _column(model, "claimed_until") >= now  # by another instance, for a while
    row = session.execute(
        sa.select(
            sa.func.min(_column(model, "next_attempt_at")).filter(pending, unclaimed(model, now)),
            sa.func.min(_column(model, "claimed_until")).filter(pending, claimed),
        )
    ).one()
    times = [t for t in row if t is not None]
    return min(times) if times else None


def claim(session: Session, model: Any, *, row_id: int, now: datetime, until: datetime) -> bool:
    """Take a row for sending until ``until``; False if another instance took it first (or it
    is no longer pending)."""
    statement = (
        sa.update(model)
        .where(_column(model, "id") == row_id)
        .where(_column(model, "status") == OutboxStatus.PENDING)
        .where(unclaimed(model, now))
        .values(claimed_until=until)
    )
    result = session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def seconds_until(due: datetime | None, now: datetime, *, poll: float = POLL_SECONDS) -> float:
    """How long a dispatcher sleeps before ``due`` (at most ``poll``, never spinning)."""
    if due is None:
        return poll
    return min(poll, max(MIN_WAIT_SECONDS, (due - now).total_seconds()))


class Dispatcher:
    """One thread that runs ``round`` until stopped; ``round`` sends what is due and returns
    how long to sleep (it is woken early by ``wake``). Subclasses name what they send."""

    name = "outbox"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> float:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"{self.name}-dispatcher", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self.round()
            except Exception as exc:
                if not database_unreachable(exc):
                    log.exception("%s dispatch failed; will retry", self.name)
                else:  # an outage is not a bug: one line, no traceback
                    log.warning(
                        "%s dispatch: database unavailable (%s); will retry",
                        self.name,
                        one_line(exc),
                    )
                wait = POLL_SECONDS
            if wait > 0:
                self._wake.wait(wait)
