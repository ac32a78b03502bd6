"""One purge: everything past its retention, as of ``now``, in the caller's transaction.

What is kept how long: an idempotency key the day its retry may come
(``app.api.idempotency.KEPT``); a webhook delivery that was sent, given up or cancelled
``webhook_retention_days`` (the delivery log shows it that long; a pending one is never
purged); a rate window only its minute (``app.api.ratelimit``); an import draft as long as it
can be confirmed (``app.imports.repository.KEEP``); an API token's use
``api_token_use_days`` (the person's list of a token's uses on /me). Housekeeping of rows no person made or
reads, so it writes no audit event: the scheduler's ``job_run`` row and the log say it ran."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from app.api.idempotency import KEPT as IDEMPOTENCY_KEPT
from app.api.ratelimit import WINDOW_SECONDS
from app.config import Settings
from app.imports.repository import KEEP as DRAFT_KEPT
from app.purge import repository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    idempotency_keys: int
    webhook_deliveries: int
    rate_windows: int
    import_drafts: int
    token_uses: int

    @property
    def total(self) -> int:
        return (
            self.idempotency_keys
            + self.webhook_deliveries
            + self.rate_windows
            + self.import_drafts
            + self.token_uses
        )

    def __str__(self) -> str:
        return (
            f"{self.idempotency_keys} idempotency key(s), "
            f"{self.webhook_deliveries} webhook deliveries, "
            f"{self.rate_windows} API rate window(s), {self.import_drafts} import draft(s), "
            f"{self.token_uses} API token use(s)"
        )


def run(session: Session, *, now: datetime, settings: Settings) -> Report:
    """Delete what is past its retention as of ``now`` (flushed; the caller commits)."""
    retention = timedelta(days=settings.webhook_retention_days)
    report = Report(
        idempotency_keys=repository.idempotency_keys(session, before=now - IDEMPOTENCY_KEPT),
        webhook_deliveries=repository.webhook_deliveries(session, before=now - retention),
        rate_windows=repository.rate_windows(
            session, before_minute=int(now.timestamp() // WINDOW_SECONDS)
        ),
        import_drafts=repository.import_drafts(session, before=now - DRAFT_KEPT),
        token_uses=repository.token_uses(
            session, before=now - timedelta(days=settings.api_token_use_days)
        ),
    )
    if report.total:
        log.info("purge: %s", report)
    return report


def run_job(session: Session, now: datetime, settings: Settings) -> Report:
    """``run`` as the scheduler's daily job (``app.reminders.scheduler.DailyJob``)."""
    return run(session, now=now, settings=settings)
