"""Adding, editing and deleting comments. Every change is audited with the comment's
visibility (a team-only comment, or any comment on an internal item, is an internal event),
edits refuse stale versions, each thread's tally counts its live comments in the change's
transaction, and the people a comment newly @mentions are notified."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from app.comments import mentions, repository
from app.comments.repository import ThreadTarget
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Comment, User, Visibility, utcnow
from app.notifications.service import notify

MESSAGE_TITLE = 120


TRAIL = versioned.Trail("comment")


def add(
    session: Session,
    *,
    actor: User,
    target: ThreadTarget,
    body: str,
    team_only: bool,
    people: Sequence[mentions.Person],
) -> Comment:
    """A new comment in ``target``'s thread. Comments on an internal item are always internal;
    ``team_only`` (checked by the caller: vendor people only) makes any comment internal."""
    assert actor.id is not None
    internal = team_only or target.is_internal
    comment = Comment(
        account_id=target.account_id,
        plan_id=target.plan_id,
        author_id=actor.id,
        body=body,
        visibility=Visibility.INTERNAL if internal else Visibility.SHARED,
    )
    setattr(comment, target.column.value, target.value)
    repository.count(session, comment, 1)
    TRAIL.created(
        session,
        actor,
        comment,
        {},
        changes={"body": [None, body]},
        verb="comment.added",
        visibility=Visibility(comment.visibility),
    )
    _notify_mentions(
        session,
        actor=actor,
        comment=comment,
        target=target,
        people=people,
        already=set(),
    )
    return comment


def edit(
    session: Session,
    *,
    actor: User,
    comment: Comment,
    target: ThreadTarget,
    body: str,
    expected_version: int,
    people: Sequence[mentions.Person],
) -> None:
    """Raises ``StaleEdit`` when the comment was changed meanwhile: nothing is written. People
    mentioned for the first time by this edit are notified."""
    versioned.check_version(session, comment, expected_version, item_type="comment")
    old = comment.body
    if old == body:
        return
    comment.body = body
    comment.edited_at = utcnow()
    _record(session, actor=actor, comment=comment, verb="comment.edited", old=old, new=body)
    _notify_mentions(
        session,
        actor=actor,
        comment=comment,
        target=target,
        people=people,
        already=mentions.mentioned(old, people),
    )


def delete(session: Session, *, actor: User, comment: Comment) -> None:
    """The row stays (``deleted_at``) so the thread shows where a comment was; its words
    are kept only on the audit trail."""
    old = comment.body
    comment.body = ""
    comment.deleted_at = utcnow()
    repository.count(session, comment, -1)
    _record(session, actor=actor, comment=comment, verb="comment.deleted", old=old, new=None)


def _record(
    session: Session, *, actor: User, comment: Comment, verb: str, old: str | None, new: str | None
) -> None:
    """A new version of the comment, audited with its visibility."""
    TRAIL.change(
        session, actor, comment, verb, {"body": [old, new]}, Visibility(comment.visibility)
    )


def _notify_mentions(
    session: Session,
    *,
    actor: User,
    comment: Comment,
    target: ThreadTarget,
    people: Sequence[mentions.Person],
    already: set[int],
) -> None:
    if not mentions.may_mention([comment.body]):
        return
    recipients = mentions.mentioned(comment.body, people) - already
    if not recipients:
        return
    label = target.label
    if len(label) > MESSAGE_TITLE:
        label = label[: MESSAGE_TITLE - 1] + "…"
    team_only = " team-only" if comment.visibility == Visibility.INTERNAL else ""
    notify(
        session,
        account_id=comment.account_id,
        recipient_ids=sorted(recipients),
        kind="mention",
        message=f"{actor.display_name} mentioned you in a{team_only} comment on {label}",
        link=target.comment_path(comment.id),
        actor=actor,
        visibility=comment.visibility,
    )
