"""Comment threads: read a thread (an htmx partial, or a page of its own without JS), add a
comment, edit or delete one's own. Every route first checks that the thread's item exists in
this account and that the actor may see it (a draft initiative is 404 for the client side)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import repository as accounts_repo
from app.auth.deps import CurrentActor, SettingsDep
from app.comments import mentions, repository, service
from app.comments.repository import ThreadTarget
from app.comments.schemas import CommentForm
from app.db import DbSession
from app.models import Comment, User
from app.permissions.guards import CommentEditor, Commenter, PlanReader, enforce_item
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.web.errors import ForbiddenError, NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Section = Annotated[str, Query(max_length=20)]
THREAD = "/accounts/{account_id}/threads/{target}/{item_id}"


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    author: User
    segments: list[mentions.Segment]


@dataclass
class EditState:
    """An edit form to show open again: after bad input or a stale version."""

    comment_id: int
    body: str
    version: int
    errors: FormErrors
    stale: service.StaleEdit | None = None


def _target(
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    verb: Verb,
    item_type: str,
    item_id: int,
    section: str,
) -> ThreadTarget:
    if item_type not in repository.ITEM_TYPES:
        raise NotFoundError()
    target = repository.find_target(
        db, account_id=access.account_id, item_type=item_type, item_id=item_id, section=section
    )
    if target is None:
        raise NotFoundError()
    enforce_item(actor, access, verb, target)
    return target


def _comment(db: DbSession, actor: Actor, access: AccountAccess, comment_id: int) -> Comment:
    """The actor's own live comment (internal ones are 404 for the client side, another
    person's 403), and the item it hangs on must still be visible."""
    comment = repository.get_live(db, account_id=access.account_id, comment_id=comment_id)
    if comment is None:
        raise NotFoundError()
    enforce_item(actor, access, Verb.COMMENT_EDIT, comment)
    return comment


def _comment_target(db: DbSession, actor: Actor, access: AccountAccess, c: Comment) -> ThreadTarget:
    target = repository.target_of(db, c)
    if target is None:  # its item was removed: the thread is gone with it
        raise NotFoundError()
    enforce_item(actor, access, Verb.PLAN_VIEW, target)
    return target


def _people(db: DbSession, access: AccountAccess) -> list[User]:
    """Who may be @mentioned: the account's active members."""
    return [m.user for m in accounts_repo.list_members(db, account_id=access.account_id)]


def render_thread(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    target: ThreadTarget,
    *,
    form: CommentForm | None = None,
    errors: FormErrors | None = None,
    edit: EditState | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """The thread: the ``thread`` block for htmx, else the whole page. Fixed query count."""
    people = _people(db, access)
    rows = repository.thread(db, target=target, visibilities=access.visibilities)
    comments = [
        CommentView(comment, author, mentions.split(comment.body, people))
        for comment, author in rows
    ]
    block = "thread" if is_htmx(request) else None
    context: dict[str, Any] = {
        "is_htmx": block is not None,
        "access": access,
        "account": access.account,
        "target": target,
        "comments": comments,
        "can": {verb.name.lower(): may(actor, access, verb) for verb in Verb},
        "form": form or CommentForm(),
        "errors": errors or FormErrors(),
        "edit": edit,
        "notice": notice,
    }
    return get_templates(request).render(
        request, "comments/thread.html", context, block=block, status_code=status_code
    )


def _after_change(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    target: ThreadTarget,
    notice: str,
    anchor: str,
) -> Response:
    if is_htmx(request):
        return render_thread(request, db, actor, access, target, notice=notice)
    response = RedirectResponse(f"{target.path}#{anchor}", status_code=303)
    get_templates(request).flash(response, notice)
    return response


@router.get(THREAD)
def show_thread(
    request: Request,
    actor: CurrentActor,
    access: PlanReader,
    db: DbSession,
    target: str,
    item_id: int,
    section: Section = "",
) -> Response:
    found = _target(db, actor, access, Verb.PLAN_VIEW, target, item_id, section)
    return render_thread(request, db, actor, access, found)


@router.post(THREAD)
def add_comment(
    request: Request,
    actor: CurrentActor,
    access: Commenter,
    db: DbSession,
    settings: SettingsDep,
    target: str,
    item_id: int,
    section: Section = "",
    body: Text = "",
    team_only: Text = "",
) -> Response:
    found = _target(db, actor, access, Verb.COMMENT, target, item_id, section)
    form = CommentForm(body, team_only=bool(team_only))
    if form.team_only and not may(actor, access, Verb.COMMENT_TEAM_ONLY):
        raise ForbiddenError("Only the vendor's team can write team-only comments.")
    errors = form.check()
    if errors:
        return render_thread(
            request, db, actor, access, found, form=form, errors=errors, status_code=422
        )
    comment = service.add(
        db,
        actor=actor.user,
        target=found,
        body=form.body,
        team_only=form.team_only,
        people=_people(db, access),
        base_url=settings.base_url,
    )
    notice = "Team-only comment added." if form.team_only else "Comment added."
    return _after_change(request, db, actor, access, found, notice, f"comment-{comment.id}")


@router.post("/accounts/{account_id}/comments/{comment_id}/edit")
def edit_comment(
    request: Request,
    actor: CurrentActor,
    access: CommentEditor,
    db: DbSession,
    settings: SettingsDep,
    comment_id: int,
    body: Text = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    comment = _comment(db, actor, access, comment_id)
    target = _comment_target(db, actor, access, comment)
    form = CommentForm(body)
    errors = form.check()
    if errors:
        edit = EditState(comment_id, form.body, version, errors)
        return render_thread(request, db, actor, access, target, edit=edit, status_code=422)
    try:
        service.edit(
            db,
            actor=actor.user,
            comment=comment,
            target=target,
            body=form.body,
            expected_version=version,
            people=_people(db, access),
            base_url=settings.base_url,
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        edit = EditState(comment_id, form.body, comment.version, FormErrors(), stale)
        return render_thread(request, db, actor, access, target, edit=edit, status_code=409)
    return _after_change(
        request, db, actor, access, target, "Comment saved.", f"comment-{comment_id}"
    )


@router.post("/accounts/{account_id}/comments/{comment_id}/delete")
def delete_comment(
    request: Request, actor: CurrentActor, access: CommentEditor, db: DbSession, comment_id: int
) -> Response:
    comment = _comment(db, actor, access, comment_id)
    target = _comment_target(db, actor, access, comment)
    service.delete(db, actor=actor.user, comment=comment)
    return _after_change(
        request, db, actor, access, target, "Comment deleted.", f"comment-{comment_id}"
    )
