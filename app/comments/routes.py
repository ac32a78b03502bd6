"""Comment threads: read a thread (an htmx partial, or a page of its own without JS), add a
comment, edit or delete one's own. Every route first checks that the thread's item exists in
this account and that the actor may see it (a draft initiative is 404 for the client side)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import col

from app.attachments import repository as files_repo
from app.auth.deps import CurrentActor
from app.comments import mentions, repository, service, targets
from app.comments.repository import ThreadTarget
from app.comments.schemas import CommentForm
from app.db import DbSession, commit_before_answer
from app.kit.forms import FormOf
from app.kit.pages import Fragment, Page, redirect, render
from app.models import Comment, User
from app.permissions.guards import (
    Commenter,
    ItemAccess,
    PlanReader,
    enforce_item,
    item_guard,
)
from app.permissions.policy import AccountAccess, Actor, Can, Verb
from app.plans import repository as plans_repo
from app.web.confirm import asks_first
from app.web.errors import NotFoundError
from app.web.forms import FormErrors, Version
from app.web.templating import is_htmx

router = APIRouter()
Section = Annotated[str, Query(max_length=20)]
Cursor = Annotated[int | None, Query(ge=1, le=2**63 - 1)]  # a comment's id
THREAD = "/accounts/{account_id}/threads/{target}/{item_id}"
BLOCK = "thread"

# The actor's own live comment (internal ones are 404 for the client side, another person's
# 403); the item it hangs on must still be visible too (``_comment_target``).
OwnComment = Annotated[
    ItemAccess[Comment],
    item_guard(Verb.COMMENT_EDIT, Comment, "comment_id", col(Comment.deleted_at).is_(None)),
]


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    author: User
    segments: list[mentions.Segment]


@dataclass
class EditState:
    """An edit form to show open again: after bad input or a stale version."""

    comment_id: int | None
    body: str
    version: int
    errors: FormErrors
    stale: service.StaleEdit | None = None


def _comment_target(db: DbSession, actor: Actor, access: AccountAccess, c: Comment) -> ThreadTarget:
    """The item a comment hangs on, which must still be visible."""
    target = repository.target_of(db, c)
    if target is None:  # its item was removed: the thread is gone with it
        raise NotFoundError()
    enforce_item(actor, access, Verb.PLAN_VIEW, target)
    return target


def _context(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    target: ThreadTarget,
    rows: Sequence[tuple[Comment, User]],
    *,
    new: bool = False,
) -> dict[str, Any]:
    """What the thread's template needs to show ``rows`` (a page of it, or one comment;
    ``new``: a comment just posted, which has no files yet, files being added to a comment
    once it exists, in a thread its guard found in the current period)."""
    people = targets.people(db, access, *(comment.body for comment, _author in rows))
    shown = [c.id for c, _author in rows if c.id is not None and c.deleted_at is None]
    files = (
        {} if new else files_repo.of_comments(db, account_id=access.account_id, comment_ids=shown)
    )
    # A thread of a closed period is read-only: no form to add or edit a comment.
    closed = False if new else _closed(db, access, target)
    return {
        "is_htmx": is_htmx(request),
        "access": access,
        "account": access.account,
        "target": target,
        "comments": [
            CommentView(comment, author, mentions.split(comment.body, people))
            for comment, author in rows
        ],
        "files": files,
        "can": Can(actor, access, closed=closed),
        "closed": closed,
        "form": CommentForm(),
        "errors": FormErrors(),
        "edit": None,
        "notice": "",
    }


def _closed(db: DbSession, access: AccountAccess, target: ThreadTarget) -> bool:
    current = plans_repo.current(db, account_id=access.account_id)
    return current is None or current.id != target.plan_id


def _thread_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    target: ThreadTarget,
    before: int | None = None,
) -> Page:
    """A page of the thread (the latest without ``before``): its ``thread`` block for htmx,
    else a page of its own. Fixed query count, whatever the thread's length."""

    def context() -> dict[str, Any]:
        page = repository.thread_page(
            db, target=target, visibilities=access.visibilities, before=before
        )
        base = _context(request, db, actor, access, target, page.rows)
        return base | {"earlier": page.earlier, "before": before, "count": page.count}

    return Page(request, "comments/thread.html", context, url=target.page_path(before))


def _comment_answer(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    target: ThreadTarget,
    comment: Comment,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The answer to an edit or a deletion of the actor's own comment, whichever page of the
    thread it is on: htmx gets the comment alone (it replaces itself in place) and the thread's
    count; a plain post goes back to (or, refused, gets) the thread's page that holds it."""
    if is_htmx(request):
        count = repository.thread_count(db, target=target, visibilities=access.visibilities)
        context = _context(request, db, actor, access, target, [(comment, actor.user)])
        fragment = Fragment("comments/thread.html", "comment")
        return render(request, fragment, context | {"count": count} | extra, status_code=status)
    if status == 200:
        return redirect(request, target.comment_path(comment.id), extra["notice"])
    assert comment.id is not None
    before = repository.cursor_holding(
        db, target=target, visibilities=access.visibilities, comment_id=comment.id
    )
    return _thread_page(request, db, actor, access, target, before).refused(status, **extra)


@router.get(THREAD)
def show_thread(
    request: Request,
    actor: CurrentActor,
    access: PlanReader,
    db: DbSession,
    target: str,
    item_id: int,
    section: Section = "",
    before: Cursor = None,
    at: Cursor = None,
) -> Response:
    """The thread's latest page; with ``before`` an earlier one, for htmx the comments alone
    to go above those shown (``earlier`` block); with ``at``, the page that holds that comment
    (where a mention's notification links to)."""
    found = targets.checked_target(db, actor, access, Verb.PLAN_VIEW, target, item_id, section)
    if at is not None:
        holding = repository.cursor_holding(
            db, target=found, visibilities=access.visibilities, comment_id=at
        )
        return _thread_page(request, db, actor, access, found, holding).render(BLOCK)
    page = _thread_page(request, db, actor, access, found, before)
    return page.render(BLOCK if before is None else "earlier")


@router.post(THREAD)
def add_comment(
    request: Request,
    actor: CurrentActor,
    access: Commenter,
    db: DbSession,
    target: str,
    item_id: int,
    form: Annotated[CommentForm, FormOf(CommentForm)],
    section: Section = "",
) -> Response:
    found = targets.checked_target(db, actor, access, Verb.COMMENT, target, item_id, section)
    targets.may_write(actor, access, team_only=bool(form.team_only))
    page = _thread_page(request, db, actor, access, found)
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, form=form, errors=values)
    comment = targets.add(db, actor, access, found, values)
    notice = "Team-only comment added." if values.team_only else "Comment added."
    if form.shown == "latest" and is_htmx(request):
        return _posted(request, db, actor, access, found, comment, notice)
    return page.done(notice, BLOCK, anchor=f"comment-{comment.id}")


def _posted(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    target: ThreadTarget,
    comment: Comment,
    notice: str,
) -> Response:
    """htmx's answer to a comment added under the thread's latest page: the new comment alone,
    to go at the end of the list, with the notice, a fresh form and the thread's count, all out
    of band (the answer's own swap is none). Drawing one comment instead of the page of
    twenty halves what a comment costs the server. (Under an earlier page, or an empty
    thread, the answer is the thread's latest page, as for any change.)"""
    commit_before_answer(request)
    count = repository.thread_count(db, target=target, visibilities=access.visibilities)
    context = _context(request, db, actor, access, target, [(comment, actor.user)], new=True)
    headers = {"HX-Reswap": "none"}
    fragment = Fragment("comments/thread.html", "posted")
    return render(request, fragment, context | {"count": count, "notice": notice}, headers=headers)


@router.post("/accounts/{account_id}/comments/{comment_id}/edit")
def edit_comment(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: OwnComment,
    form: Annotated[CommentForm, FormOf(CommentForm)],
    version: Version = 0,
) -> Response:
    access, comment = checked.access, checked.item
    target = _comment_target(db, actor, access, comment)
    values = form.check()
    if isinstance(values, FormErrors):
        edit = EditState(comment.id, form.body, version, values)
        return _comment_answer(request, db, actor, access, target, comment, status=422, edit=edit)
    try:
        service.edit(
            db,
            actor=actor.user,
            comment=comment,
            target=target,
            body=values.body,
            expected_version=version,
            people=targets.people(db, access, values.body),
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        edit = EditState(comment.id, values.body, comment.version, FormErrors(), stale)
        return _comment_answer(request, db, actor, access, target, comment, status=409, edit=edit)
    return _comment_answer(request, db, actor, access, target, comment, notice="Comment saved.")


@router.post("/accounts/{account_id}/comments/{comment_id}/delete")
@asks_first("Delete")
def delete_comment(
    request: Request, actor: CurrentActor, db: DbSession, checked: OwnComment
) -> Response:
    access, comment = checked.access, checked.item
    target = _comment_target(db, actor, access, comment)
    service.delete(db, actor=actor.user, comment=comment)
    return _comment_answer(request, db, actor, access, target, comment, notice="Comment deleted.")
