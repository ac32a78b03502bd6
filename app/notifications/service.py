"""Notifying account members: one inbox row per recipient and an e-mail through the outbox,
both written in the transaction of the change that caused them.

Every notification is about one account, and the recipients are filtered here, in one place:
only active members of that account, never the person who acted, and for anything internal
only the vendor side. Callers name whom they *want* to tell; this decides who *may* be told.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlmodel import Session

from app.audit import service as audit
from app.db import absolute_url
from app.mail import outbox, unsubscribe
from app.models import (
    Delivery,
    MailKind,
    Notice,
    Notification,
    Role,
    Side,
    User,
    Visibility,
    utcnow,
)
from app.notifications import preferences, repository


def notify(
    session: Session,
    *,
    account_id: int,
    recipient_ids: Iterable[int | None] = (),
    roles: Collection[Role] = (),
    kind: str,
    message: str,
    link: str,
    actor: User | None,
    visibility: str = Visibility.SHARED,
) -> list[Notification]:
    """Tell the recipients (``recipient_ids`` and the members with one of ``roles``): an inbox
    row each, and an e-mail as each chose for this kind (right away, kept for their daily or
    weekly digest, or none). ``link`` is a path in the app."""
    wanted = {uid for uid in recipient_ids if uid is not None}
    sent: list[Notification] = []
    actor_id = actor.id if actor is not None else None
    recipients = repository.active_members(
        session, account_id=account_id, user_ids=wanted, roles=roles, leaving_out=actor_id
    )
    how = preferences.deliveries(
        session, user_ids=[user.id for user, _ in recipients if user.id], kinds=[kind]
    )
    # Nobody sends a notification personally: its failure is for the workspace's admins.
    workspace_id = repository.workspace_of(session, account_id=account_id) if recipients else None
    for user, membership in recipients:
        if visibility != Visibility.SHARED and membership.role_enum.side is not Side.VENDOR:
            continue
        assert user.id is not None
        note = Notification(
            user_id=user.id,
            account_id=account_id,
            kind=kind,
            message=message,
            link=link,
            actor_id=actor_id,
        )
        session.add(note)
        sent.append(note)
        delivery = how[(user.id, kind)]
        if delivery in (Delivery.DAILY, Delivery.WEEKLY):
            keep_for_digest(session, note=note, delivery=delivery)
        elif delivery == Delivery.IMMEDIATE:
            outbox.enqueue(
                session,
                kind=MailKind.NOTIFICATION,
                workspace_id=workspace_id,
                account_id=account_id,
                to=user.email,
                subject=f"Jointplan: {message}"[:300],
                body=_body(user, message, absolute_url(session, link)),
                unsubscribe=unsubscribe.field(kind, user.id),
                headers={"X-Jointplan-Notice": kind},
            )
    if sent:
        session.flush()
    return sent


def keep_for_digest(session: Session, *, note: Notification, delivery: Delivery) -> None:
    """The notification waits for the person's next daily or weekly digest."""
    session.add(
        Notice(
            user_id=note.user_id,
            account_id=note.account_id,
            kind=note.kind,
            key=f"notification:{note.id}",
            message=note.message,
            link=note.link,
            delivery=delivery,
        )
    )


def _body(user: User, message: str, url: str) -> str:
    return (
        f"Hello {user.display_name},\n\n{message}\n\nOpen it in Jointplan:\n{url}\n\n"
        "You get this e-mail because you are a member of this account in Jointplan.\n"
    )


# Reading one's inbox changes only that person's own read marks, not plan data: like the
# session's last-seen time it is not an event of the account's audit trail.


def mark_read(session: Session, *, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        session.flush()


def mark_all_read(session: Session, *, user: User, upto: Notification | None = None) -> int:
    """Marks ``user``'s unread notifications read — with ``upto``, those that came no later
    than it (the newest the page showed); how many there were."""
    assert user.id is not None
    until = upto.created_at if upto is not None else None
    return repository.mark_all_read(session, user_id=user.id, at=utcnow(), upto=until)


# --- What a person wants to be told ------------------------------------------------------------

PREFERENCE_ITEM = "notice_preference"


def choose(
    session: Session, *, user: User, wanted: dict[str, Delivery], by_link: bool = False
) -> int:
    """Store a person's choices (theirs to make: the signed-in person, or the bearer of their
    unsubscribe link). The person's row is locked first, so two saves of one person queue
    (the second sees the first's rows) instead of both inserting. Audited on the global chain
    (a personal setting, internal); returns how many kinds changed."""
    assert user.id is not None
    repository.lock_user(session, user_id=user.id)
    changed = preferences.save(session, user_id=user.id, wanted=wanted)
    if changed:
        audit.record(
            session,
            actor=user,
            verb="notices.unsubscribed" if by_link else "notices.chosen",
            item_type=PREFERENCE_ITEM,
            item_id=user.id,
            changes={kind: list(pair) for kind, pair in sorted(changed.items())},
            visibility=Visibility.INTERNAL,
            actor_label=f"{user.email} (unsubscribe link)" if by_link else None,
        )
    return len(changed)
