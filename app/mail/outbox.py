"""Queueing e-mail. The message row commits with the change that caused it or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.db import Database, after_commit
from app.models import MailKind, OutboxMessage
from app.web.forms import clean_line


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    kind: MailKind = MailKind.OTHER,
    workspace_id: int | None = None,
    account_id: int | None = None,
    sender_id: int | None = None,
    invitation_id: int | None = None,
    expires_at: datetime | None = None,
    unsubscribe: str = "",
    headers: dict[str, str] | None = None,
    calendar: str = "",
) -> OutboxMessage:
    """Queue a message. Whose it is (``workspace_id``, ``sender_id`` — None when nobody sent it
    personally) decides who is shown its failure; ``expires_at`` is when its link stops working,
    after which it is never sent again; ``unsubscribe`` ("<kind> <user id>", see
    ``app.mail.unsubscribe``) gives a notice e-mail its one-click unsubscribe link;
    ``calendar``: an iCalendar object sent with the text (a meeting invitation, its update or
    its cancellation)."""
    message = OutboxMessage(
        to_address=to,
        # Names and titles are checked where they are typed; the subject is made one clean
        # line again here for what came another way (an identity provider, older rows).
        subject=clean_line(subject),
        body_text=body,
        kind=kind,
        workspace_id=workspace_id,
        account_id=account_id,
        sender_id=sender_id,
        invitation_id=invitation_id,
        expires_at=expires_at,
        unsubscribe=unsubscribe,
        headers=headers or {},
        calendar=calendar,
    )
    session.add(message)
    session.flush()
    wake_after_commit(session)
    return message


def wake_after_commit(session: Session) -> None:
    """Wake the dispatcher once the transaction that queued mail has committed."""
    db: Database | None = session.info.get("db")
    if db is not None and db.on_mail_queued is not None:
        after_commit(session, db.on_mail_queued, only_wakes=True)
