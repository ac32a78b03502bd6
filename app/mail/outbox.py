"""Queueing e-mail. The message row commits with the change that caused it or not at all."""

from __future__ import annotations

from sqlmodel import Session

from app.db import Database, after_commit
from app.models import OutboxMessage
from app.web.forms import clean_line


def enqueue(session: Session, *, to: str, subject: str, body: str) -> OutboxMessage:
    # Names and titles are checked where they are typed; the subject is made one clean line
    # again here for what came another way (an identity provider, older rows).
    message = OutboxMessage(to_address=to, subject=clean_line(subject), body_text=body)
    session.add(message)
    session.flush()
    db: Database | None = session.info.get("db")
    if db is not None and db.on_mail_queued is not None:
        after_commit(session, db.on_mail_queued)
    return message
