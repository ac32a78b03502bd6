"""Sends queued e-mail after commit, retrying with growing delays.

Each app instance runs one dispatcher thread. A message is claimed with a conditional update
before it is sent, so several instances never send the same message twice at once.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta
from email.message import EmailMessage

from app.config import Settings
from app.db import Database, database_unreachable, one_line
from app.mail import repository
from app.models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0
CLAIM_SECONDS = 120
BATCH = 50


class MailDispatcher:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._told_unsent = False

    @property
    def transport(self) -> str:
        if self.settings.smtp_host:
            return "smtp"
        if self.settings.dev_mailbox_enabled:
            return "dev-mailbox"
        return ""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mail-dispatcher", daemon=True)
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
                self.deliver_due()
            except Exception as exc:
                if not database_unreachable(exc):
                    log.exception("mail dispatch failed; will retry")
                else:  # an outage is not a bug: one line, no traceback
                    log.warning(
                        "mail dispatch: database unavailable (%s); will retry", one_line(exc)
                    )
            self._wake.wait(POLL_SECONDS)

    def deliver_due(self) -> int:
        """Send every message that is due; returns how many were sent."""
        now = utcnow()
        with self.db.session(writes=False) as session:
            ids = repository.due_ids(session, now=now, limit=BATCH)
        if not self.transport:
            self._tell_unsent(len(ids))
            return 0
        sent = 0
        for message_id in ids:
            sent += self._deliver_one(message_id)
        return sent

    def _tell_unsent(self, due: int) -> None:
        """With nowhere to send mail, it stays queued (nothing is lost): say so, once."""
        if due and not self._told_unsent:
            self._told_unsent = True
            log.warning(
                "e-mail is queued, not sent: JP_SMTP_HOST is not set (%s%s message(s) waiting); "
                "they are sent once SMTP is configured, or in development read them with "
                "JP_DEV_MAILBOX=1 at /dev/mailbox",
                due,
                "+" if due >= BATCH else "",
            )

    def _deliver_one(self, message_id: int) -> int:
        now = utcnow()
        with self.db.session() as session:
            claimed = repository.claim(
                session,
                message_id=message_id,
                now=now,
                until=now + timedelta(seconds=CLAIM_SECONDS),
            )
            session.commit()
            message = session.get(OutboxMessage, message_id) if claimed else None
        if message is None:
            return 0
        error = ""
        try:
            if self.transport == "smtp":
                self._send_smtp(message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("sending mail %s failed: %s", message_id, error)
        with self.db.session() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.attempts += 1
            message.claimed_until = None
            if error:
                message.last_error = error
                if message.attempts >= self.settings.mail_max_attempts:
                    message.status = OutboxStatus.FAILED
                else:
                    delay = self.settings.mail_retry_base_seconds * 2 ** (message.attempts - 1)
                    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.transport = self.transport
            session.add(message)
            session.commit()
        return 0 if error else 1

    def _send_smtp(self, message: OutboxMessage) -> None:
        email = EmailMessage()
        email["From"] = self.settings.mail_from
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email.set_content(message.body_text)
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(email)
