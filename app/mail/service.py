"""What people do with mail that could not be delivered: see it, and send it again."""

from __future__ import annotations

from sqlmodel import Session

from app.kit import versioned
from app.mail import repository
from app.mail.outbox import wake_after_commit
from app.models import OutboxMessage, OutboxStatus, User, Visibility, utcnow

TRAIL = versioned.Trail("outbox_message")


class MailProblem(Exception):
    """Why a message cannot be sent again, phrased for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def short_error(message: OutboxMessage, limit: int = 120) -> str:
    """The SMTP server's last answer, short enough for a list."""
    text = " ".join(message.last_error.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def can_send_again(message: OutboxMessage) -> bool:
    return message.status == OutboxStatus.FAILED and not is_expired(message)


def is_expired(message: OutboxMessage) -> bool:
    return message.expires_at is not None and message.expires_at <= utcnow()


def send_again(session: Session, *, actor: User, message: OutboxMessage) -> None:
    """Queue a failed message again, as it was (its link is the one already recorded).

    ``message`` must have been loaded with a row lock (the repository's getters take one in a
    writing request): of two people pressing "Send again" at once, the second is told it is
    already on its way."""
    if message.status != OutboxStatus.FAILED:
        raise MailProblem(
            "This e-mail was sent meanwhile."
            if message.status == OutboxStatus.SENT
            else "This e-mail is already waiting to be sent."
            if message.status == OutboxStatus.PENDING
            else "This e-mail is no longer needed: its invitation was withdrawn."
        )
    if is_expired(message):
        raise MailProblem("The link in this e-mail has expired; sending it again would not help.")
    now = utcnow()
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_until = None
    message.failed_at = None
    session.add(message)
    session.flush()
    # Internal: which of the vendor's e-mails did not get through is the vendor's business.
    TRAIL.event(
        session,
        actor,
        message,
        "mail.sent_again",
        {"to": [message.to_address, message.to_address], "kind": [None, message.kind]},
        Visibility.INTERNAL,
    )
    wake_after_commit(session)


def cancel_for_invitation(session: Session, *, invitation_id: int) -> None:
    """The invitation was withdrawn or replaced: its link must not be mailed any more."""
    repository.cancel_unsent_of_invitation(session, invitation_id=invitation_id)


__all__ = ["MailProblem", "can_send_again", "cancel_for_invitation", "send_again", "short_error"]
