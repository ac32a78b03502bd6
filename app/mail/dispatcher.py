"""Sends queued e-mail after commit, retrying with growing delays.

Each app instance runs one dispatcher thread. A message is claimed with a conditional update
before it is sent, so several instances never send the same message twice at once.

The thread sleeps until the earliest next attempt (at most ``POLL_SECONDS``), so short retry
delays are honoured. A message given up after its last attempt is marked failed and shown to
the people who can act on it; as soon as the SMTP server answers again (a message goes through,
or the probe that asks it every ``mail_probe_seconds`` while mail is given up gets an answer),
the messages given up in the last ``mail_requeue_days`` are queued again, each a bounded number
of times, so an outage longer than the retry limit loses nothing silently.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage

from sqlmodel import Session

from app.config import Settings
from app.db import Database
from app.kit import outbox
from app.mail import repository, unsubscribe
from app.models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

POLL_SECONDS = outbox.POLL_SECONDS
MIN_WAIT_SECONDS = outbox.MIN_WAIT_SECONDS
CLAIM_SECONDS = 120
BATCH = 50
# How often a failed message is queued again by itself after SMTP answered again; a message
# that keeps failing (an address the server refuses) then stays failed until someone asks.
MAX_AUTO_REQUEUES = 3
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


class MailDispatcher(outbox.Dispatcher):
    name = "mail"

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self._told_unsent = False
        self._next_probe = 0.0  # time.monotonic() of the next SMTP probe

    @property
    def transport(self) -> str:
        if self.settings.smtp_host:
            return "smtp"
        if self.settings.dev_mailbox_enabled:
            return "dev-mailbox"
        return ""

    def round(self) -> float:
        """Send what is due; probe the SMTP server while mail is given up; how long to sleep."""
        self.deliver_due()
        if self._probe_due() and self.probe_smtp():
            return 0  # the given-up mail is due now
        return min(self.seconds_until_due(), self._seconds_until_probe())

    def seconds_until_due(self) -> float:
        """How long to sleep: until the earliest pending message is due, at most POLL_SECONDS."""
        if not self.transport:
            return POLL_SECONDS
        now = utcnow()
        with self.db.session(writes=False) as session:
            due = repository.next_due(session, now=now)
        return outbox.seconds_until(due, now)

    def _probe_due(self) -> bool:
        if self.transport != "smtp" or time.monotonic() < self._next_probe:
            return False
        self._next_probe = time.monotonic() + self.settings.mail_probe_seconds
        return True

    def _seconds_until_probe(self) -> float:
        if self.transport != "smtp":
            return POLL_SECONDS
        return max(MIN_WAIT_SECONDS, self._next_probe - time.monotonic())

    def _failed_since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.settings.mail_requeue_days)

    def _requeue(self, session: Session) -> int:
        now = utcnow()
        return repository.requeue_failed(
            session, now=now, failed_since=self._failed_since(now), max_requeues=MAX_AUTO_REQUEUES
        )

    def probe_smtp(self) -> int:
        """While mail is given up and nothing else goes out, ask the SMTP server whether it
        answers again (connect, sign in, NOOP: no message is spent); if it does, queue the
        given-up mail again. Returns how many messages were queued again."""
        with self.db.session(writes=False) as session:
            now = utcnow()
            failed_since = self._failed_since(now)
            if not repository.any_requeueable(
                session, now=now, failed_since=failed_since, max_requeues=MAX_AUTO_REQUEUES
            ):
                return 0
        try:
            with self._smtp() as smtp:
                code, _ = smtp.noop()
        except (OSError, smtplib.SMTPException):
            return 0
        if code != 250:
            return 0
        with self.db.session() as session:
            requeued = self._requeue(session)
            session.commit()
        if requeued:
            log.info("the SMTP server answers again; %s failed message(s) queued again", requeued)
        return requeued

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
        requeued = 0
        with self.db.session() as session:
            # Locked: an invitation withdrawn meanwhile cancels its mail, and that must stick.
            message = repository.get_for_write(session, message_id=message_id)
            assert message is not None
            message.attempts += 1
            message.claimed_until = None
            if error:
                message.last_error = error
                if message.status != OutboxStatus.PENDING:
                    log.info("mail %s was cancelled while it was being sent", message_id)
                elif message.attempts >= self.settings.mail_max_attempts:
                    message.status = OutboxStatus.FAILED
                    message.failed_at = utcnow()
                else:
                    delay = self.settings.mail_retry_base_seconds * 2 ** (message.attempts - 1)
                    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.transport = self.transport
                # The server answers again: what was given up during the outage goes out now.
                requeued = self._requeue(session)
            session.add(message)
            session.commit()
        if requeued:
            log.info("mail is delivered again; %s failed message(s) queued again", requeued)
        return 0 if error else 1

    def _send_smtp(self, message: OutboxMessage) -> None:
        # Lines up to RFC 5322's limit: the default policy's 78 would encode a long header such
        # as List-Unsubscribe (one long URL) into encoded words, which mail clients do not read.
        email = EmailMessage(policy=SMTP_POLICY)
        email["From"] = self.settings.mail_from
        email["To"] = message.to_address
        email["Subject"] = message.subject
        body = message.body_text
        for name, value in (message.headers or {}).items():
            email[name] = value
        if message.unsubscribe:
            url = unsubscribe.link(
                self.settings.base_url, self.settings.resolved_secret_key, message.unsubscribe
            )
            for name, value in unsubscribe.headers(url).items():
                email[name] = value
            body += unsubscribe.footer(url)
        email.set_content(body)
        if message.calendar:
            attach_calendar(email, message.calendar)
        with self._smtp() as smtp:
            smtp.send_message(email)

    @contextmanager
    def _smtp(self) -> Iterator[smtplib.SMTP]:
        """A connection to the SMTP server, after STARTTLS and sign-in when configured."""
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            yield smtp


def _calendar_method(ics: str) -> str:
    for line in ics.splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
    return "PUBLISH"


def attach_calendar(email: EmailMessage, ics: str) -> None:
    """A meeting invitation the way calendars read it: a ``text/calendar; method=…``
    alternative to the text (mail programs show it as an invitation with its buttons), and the
    same object as an ``invite.ics`` attachment for those that only offer files."""
    method = _calendar_method(ics)
    email.add_alternative(ics, subtype="calendar", params={"method": method})
    email.add_attachment(
        ics.encode(),
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": method},
    )
