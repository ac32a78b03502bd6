"""The scheduler every app instance runs: a thread that, every ``scheduler_seconds``, runs the
jobs of the current time slot — each exactly once across instances.

A job's run for a slot (a quarter of an hour) is claimed by inserting its ``job_run`` row
(unique (job, slot)) in the transaction that does the job's work: the instance that inserts it
runs the job; every other instance meets the constraint and skips it; a run that fails rolls
its claim back with its work, so the next tick (on any instance) tries again. Everything is in
the database, so a restart loses nothing; a slot missed while every instance was down is not
replayed (the next slot's run catches up with what is still relevant: see ``jobs``). The same
run forgets the API token uses older than ``api_token_use_days``. Time is
read only through ``app.kit.clock``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from app.apitokens import repository as tokens_repo
from app.config import Settings
from app.db import Database, database_unreachable, one_line, run_after_commit
from app.kit.clock import now as clock_now
from app.reminders import jobs
from app.reminders import repository as repo

log = logging.getLogger(__name__)

SLOT_MINUTES = 15
NOTICES = "notices"


def slot_of(when: datetime) -> str:
    """The quarter of an hour ``when`` falls in, in UTC: '2026-12-07T08:15Z'."""
    start = when.replace(minute=when.minute - when.minute % SLOT_MINUTES, second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H:%MZ")


class Scheduler:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception as exc:
                if not database_unreachable(exc):
                    log.exception("scheduled job failed; will retry")
                else:
                    log.warning("scheduler: database unavailable (%s); will retry", one_line(exc))
            self._stop.wait(self.settings.scheduler_seconds)

    def run_due(self) -> jobs.Report | None:
        """Run the current slot's jobs if no instance has; None if another one did."""
        now = clock_now()
        with self.db.session() as session:
            if not repo.claim(session, job=NOTICES, slot=slot_of(now)):
                session.rollback()
                return None
            report = jobs.run(session, now=now)
            forgotten = tokens_repo.forget_uses(
                session, before=now - timedelta(days=self.settings.api_token_use_days)
            )
            session.commit()
        run_after_commit(session)  # wakes the mail dispatcher for what was queued
        if forgotten:
            log.info("API token uses: %s older than the retention forgotten", forgotten)
        if report.days:
            log.info(
                "reminders: %s day(s), %s reminder(s), %s e-mail(s), %s digest(s)",
                report.days,
                report.reminders,
                report.mails,
                report.digests,
            )
        return report
