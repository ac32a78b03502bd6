"""Comment threads through the API, for every item that has one (priorities, initiatives,
actions, value ratings, strategy sections): a page of the comments the person may see, and a
new comment through the comments service (the same checks, audit event, mentions and live
update as the thread page). The thread's item is checked as the page checks it
(``app.comments.targets``): an item the person may not see (a draft initiative for the
client side) is the 404 of a missing one. Not a routes module: ``thread_routes`` and the
action routes both use it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.api import paging, schemas
from app.api.auth import TokenUse
from app.api.common import create_once, valid
from app.comments import repository as comments_repo
from app.comments import targets
from app.comments.repository import ThreadPage, ThreadTarget
from app.comments.schemas import CommentForm
from app.models import Comment, User, Visibility
from app.permissions.policy import AccountAccess, Verb

# A comment's fields as the API shows them, given the comment and its author.
Shape = Callable[[ThreadTarget, schemas.CommentFields], schemas.CommentFields]


def fields(comment: Comment, author: User) -> schemas.CommentFields:
    deleted = comment.deleted_at is not None
    return schemas.CommentFields(
        id=comment.id or 0,
        body="" if deleted else comment.body,
        team_only=comment.visibility == Visibility.INTERNAL,
        author=schemas.Person(id=author.id or 0, name=author.display_name),
        created_at=comment.created_at,
        deleted=deleted,
    )


def in_thread(target: ThreadTarget, comment: schemas.CommentFields) -> schemas.ThreadComment:
    return schemas.ThreadComment(
        **comment.model_dump(),
        item_type=target.item_type,
        item_id=target.item_id,
        section=target.section,
    )


def on_action(target: ThreadTarget, comment: schemas.CommentFields) -> schemas.Comment:
    return schemas.Comment(**comment.model_dump(), action_id=target.item_id)


def page(
    db: Session,
    use: TokenUse,
    access: AccountAccess,
    where: tuple[str, int, str],
    cursor: str | None,
) -> tuple[ThreadTarget, ThreadPage, str | None]:
    """The thread at ``where`` (item type, id, section): the latest page of the comments the
    person may see, or the one before ``cursor``, and the cursor of the page before it."""
    item_type, item_id, section = where
    target = targets.checked_target(
        db, use.actor, access, Verb.PLAN_VIEW, item_type, item_id, section
    )
    found = comments_repo.thread_page(
        db,
        target=target,
        visibilities=access.visibilities,
        before=paging.decode(cursor, paging.number),
    )
    earlier = paging.encode(str(found.earlier)) if found.earlier is not None else None
    return target, found, earlier


def add(
    request: Request,
    db: Session,
    use: TokenUse,
    access: AccountAccess,
    where: tuple[str, int, str],
    new: schemas.CommentCreate,
    key: str | None,
    shape: Shape,
) -> JSONResponse:
    """A new comment in the thread at ``where`` (item type, id, section), as the thread page
    adds one; ``team_only`` for the vendor's team only."""
    actor = use.actor
    item_type, item_id, section = where
    target = targets.checked_target(db, actor, access, Verb.COMMENT, item_type, item_id, section)
    targets.may_write(actor, access, team_only=new.team_only)
    values = valid(CommentForm(new.body, "yes" if new.team_only else "").check())

    def make() -> schemas.CommentFields:
        comment = targets.add(db, actor, access, target, values)
        return shape(target, fields(comment, actor.user))

    return create_once(request, db, token_id=use.token.id, key=key, sent=new, make=make)
