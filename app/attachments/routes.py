"""Files on the plan's items: an item's file area (its files, the upload form and drop zone),
the upload (streamed: its size limit holds while the body arrives), the download, and
removal (asked first). Every route first checks the item through the policy: reading a file
needs what reading the item needs (a file on an internal item is 404 for the client side, the
same as a missing one); adding or removing one, what editing the item needs."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from python_multipart.multipart import parse_options_header
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.attachments import kinds, repository, service
from app.attachments.download import streamed
from app.attachments.repository import FileTarget
from app.attachments.storage import store_for
from app.attachments.upload import (
    FORM_ALLOWANCE,
    BadUpload,
    Received,
    TooLarge,
    UploadReader,
    file_size,
    megabytes,
)
from app.auth.deps import CurrentActor
from app.config import Settings
from app.db import DbSession
from app.kit.pages import Page
from app.models import Attachment
from app.permissions.guards import (
    PlanReader,
    current_plan_id,
    enforce_in_period,
    enforce_item,
    load_access,
)
from app.permissions.guards import enforce as enforce_decision
from app.permissions.policy import AccountAccess, Actor, Verb, decide, may
from app.plans import repository as plans_repo
from app.web.confirm import asks_first
from app.web.errors import NotFoundError, or_404
from app.web.security import check_streamed_csrf

router = APIRouter()
Section = Annotated[str, Query(max_length=20)]
FILES = "/accounts/{account_id}/files/{target}/{item_id}"
FILE = "/accounts/{account_id}/attachments/{attachment_id}"
TEMPLATE = "attachments/files.html"
BLOCK = "files"
# Adding or removing a file on an item takes what editing the item takes.
WRITE_VERBS = {
    "priority": Verb.PRIORITIES_WRITE,
    "strategy": Verb.STRATEGY_WRITE,
    "initiative": Verb.INITIATIVES_WRITE,
    "action": Verb.ACTIONS_WRITE,
    "comment": Verb.COMMENT_EDIT,
}
MAX_NAME = 200


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def find_target(
    db: Session,
    actor: Actor,
    access: AccountAccess,
    verb: Verb,
    item_type: str,
    item_id: int,
    section: str = "",
) -> FileTarget:
    """The item in the path, if the actor may ``verb`` it (404 when missing or not visible,
    403 without the right, 409 on a closed period for a change)."""
    if item_type not in repository.ITEM_TYPES:
        raise NotFoundError()
    # A role without the verb is refused before the item is looked at: it learns nothing.
    enforce_decision(decide(actor, access, verb))
    current_id = current_plan_id(db, access, verb)
    target = or_404(
        repository.find_target(
            db, account_id=access.account_id, item_type=item_type, item_id=item_id, section=section
        )
    )
    enforce_in_period(actor, access, verb, target, plan_id=target.plan_id, current_id=current_id)
    return target


def files_page(
    request: Request, db: Session, actor: Actor, access: AccountAccess, target: FileTarget
) -> Page:
    """The item's file area: its files, and the upload form to whoever may add one."""
    limit = _settings(request).attachments_max_bytes

    def context() -> dict[str, Any]:
        current = plans_repo.current(db, account_id=access.account_id)
        closed = current is None or current.id != target.plan_id
        verb = WRITE_VERBS[target.item_type]
        return {
            "access": access,
            "account": access.account,
            "target": target,
            "files": repository.for_target(db, target),
            "can_add": may(actor, access, verb, target, closed=closed),
            "closed": closed,
            "limit": megabytes(limit),
            "limit_bytes": limit,
            "allowed": kinds.ALLOWED_TEXT,
            "file_size": file_size,
            "error": "",
            "notice": "",
        }

    return Page(request, TEMPLATE, context, url=target.path)


@router.get(FILES)
def show_files(
    request: Request,
    actor: CurrentActor,
    access: PlanReader,
    db: DbSession,
    target: str,
    item_id: int,
    section: Section = "",
) -> Response:
    found = find_target(db, actor, access, Verb.PLAN_VIEW, target, item_id, section)
    return files_page(request, db, actor, access, found).render(BLOCK)


def _writable(
    db: Session, actor: Actor, account_id: int, item_type: str, item_id: int, section: str
) -> tuple[AccountAccess, FileTarget]:
    """The account and the item a file is added to, if the actor may edit the item."""
    access = load_access(db, account_id=account_id, actor=actor)
    enforce_decision(decide(actor, access, Verb.PLAN_VIEW))
    assert access is not None
    verb = WRITE_VERBS.get(item_type, Verb.PLAN_VIEW)
    return access, find_target(db, actor, access, verb, item_type, item_id, section)


def _refusal(
    request: Request,
    db: Session,
    actor: Actor,
    access: AccountAccess,
    target: FileTarget,
    status: int,
    error: str,
) -> Response:
    return files_page(request, db, actor, access, target).refused(status, BLOCK, error=error)


@router.post(FILES, name="upload_file")
async def upload_file(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    account_id: int,
    target: str,
    item_id: int,
    section: Section = "",
) -> Response:
    """A file for the item, read as it streams in (``app.attachments.upload``). The item is
    checked first, and the transaction that checked it ends before the body is read: a slow
    upload holds no lock and no writer's turn. Checked again to save it: the item under its
    locks, the person's access as any change reads it (``guards.load_access``)."""
    access, found = await run_in_threadpool(
        _writable, db, actor, account_id, target, item_id, section
    )
    await run_in_threadpool(db.commit)
    settings = _settings(request)
    refuse = partial(_refusal, request, db, actor, access, found)
    too_large = (
        f"The file is too large: files up to {megabytes(settings.attachments_max_bytes)} are taken."
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > settings.attachments_max_bytes + FORM_ALLOWANCE:
        return await run_in_threadpool(refuse, 413, too_large)
    received: Received | None = None
    try:
        received = await _receive(request, settings)
    except TooLarge:
        return await run_in_threadpool(refuse, 413, too_large)
    except BadUpload as refused:
        return await run_in_threadpool(refuse, 422, str(refused))
    try:
        return await run_in_threadpool(
            _save, request, db, actor, account_id, (target, item_id, section), received
        )
    finally:
        received.discard()


async def _receive(request: Request, settings: Settings) -> Received:
    """The body's file, read a chunk at a time; ``TooLarge`` as soon as it passes the limit."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload("Send the file with the form of the item's files.")
    reader = UploadReader(
        boundary,
        limit=settings.attachments_max_bytes,
        check_fields=partial(check_streamed_csrf, request),
    )
    try:
        async for chunk in request.stream():
            reader.feed(chunk)
        check_streamed_csrf(request, reader.fields)
        return reader.finish()
    except BaseException:
        reader.discard()
        raise


def _save(
    request: Request,
    db: Session,
    actor: Actor,
    account_id: int,
    path: tuple[str, int, str],
    received: Received,
) -> Response:
    """Check again the person's access and the item (under its locks now) and the file's
    type, then keep it."""
    access, found = _writable(db, actor, account_id, *path)
    page = files_page(request, db, actor, access, found)
    name = clean_name(received.file_name)
    try:
        kind = kinds.content_type(received.path, received.head, received.text, name)
    except kinds.Refused as refused:
        return page.refused(415, BLOCK, error=str(refused))
    service.add(
        db,
        actor=actor.user,
        target=found,
        received=received,
        file_name=name,
        content_type=kind,
        store=store_for(_settings(request)),
    )
    return page.done(f"“{name}” added.", BLOCK)


def clean_name(name: str) -> str:
    """A file's name as the person's computer gave it, made safe to show and to send back:
    without folders, control or invisible formatting characters, at most 200 characters
    (the extension kept)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(kept) > MAX_NAME:
        _stem, dot, extension = kept.rpartition(".")
        tail = f".{extension}" if dot and len(extension) <= 10 else ""
        kept = kept[: MAX_NAME - len(tail)] + tail
    return kept or "file"


def _visible_file(
    db: Session, actor: Actor, access: AccountAccess, attachment_id: int
) -> tuple[Attachment, FileTarget]:
    """A live file of the account whose item is live and visible to the actor (else 404)."""
    attachment = or_404(
        repository.get_live(db, account_id=access.account_id, attachment_id=attachment_id)
    )
    target = or_404(repository.target_of(db, attachment))
    enforce_item(actor, access, Verb.PLAN_VIEW, target)
    return attachment, target


@router.get(FILE)
def download_file(
    request: Request, actor: CurrentActor, access: PlanReader, db: DbSession, attachment_id: int
) -> Response:
    """The file's bytes, streamed, as a download that the browser never shows or runs."""
    attachment, _target = _visible_file(db, actor, access, attachment_id)
    return streamed(
        store_for(_settings(request)),
        sha256=attachment.sha256,
        file_name=attachment.file_name,
        content_type=attachment.content_type,
        size=attachment.size,
    )


@dataclass(frozen=True)
class Removable:
    """A file the actor may remove, with its account and item."""

    access: AccountAccess
    attachment: Attachment
    target: FileTarget


def removable_file(
    actor: CurrentActor, access: PlanReader, db: DbSession, attachment_id: int
) -> Removable:
    """The guard of a removal: the file (its row locked) if the actor may see its item (else
    404) and edit it (else 403). A dependency, so that it answers before the confirmation is
    asked (``app.web.confirm``): a person who may not remove a file is never asked."""
    # Every writer locks the current plan's row before an item's (any verb that changes a
    # plan does; the file's own verb is known only once the file is read).
    plan_lock = current_plan_id(db, access, Verb.ACTIONS_WRITE)
    attachment, target = _visible_file(db, actor, access, attachment_id)
    verb = WRITE_VERBS[target.item_type]
    enforce_in_period(actor, access, verb, target, plan_id=target.plan_id, current_id=plan_lock)
    return Removable(access, attachment, target)


@router.post(f"{FILE}/delete")
@asks_first("Remove")
def remove_file(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: Annotated[Removable, Depends(removable_file)],
) -> Response:
    """Mark the file deleted (audited); its bytes stay while another file refers to them."""
    service.remove(
        db,
        actor=actor.user,
        attachment=checked.attachment,
        target=checked.target,
        store=store_for(_settings(request)),
    )
    page = files_page(request, db, actor, checked.access, checked.target)
    return page.done(f"“{checked.attachment.file_name}” removed.", BLOCK)
