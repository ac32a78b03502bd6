"""Queries of attachments and of the items they hang on; every one filtered by account.

A file's visibility is its item's: the list queries read the item's visibility (a draft
initiative, a team-only comment, a comment on a draft) with the file, in the same statement, so
a client's lists never hold a file on an internal item, and a file whose item was removed is
gone with it."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.attachments.upload import file_size
from app.comments import repository as comments_repo
from app.db import for_write
from app.models import (
    BIG_ID,
    Action,
    Attachment,
    AttachmentBlob,
    AttachmentTarget,
    Comment,
    CommentTally,
    Initiative,
    Priority,
    User,
    Visibility,
)

# The item types of the file URLs, and the column of ``Attachment`` each one sets.
ITEM_TYPES: dict[str, AttachmentTarget] = {
    "priority": AttachmentTarget.PRIORITY,
    "initiative": AttachmentTarget.INITIATIVE,
    "action": AttachmentTarget.ACTION,
    "comment": AttachmentTarget.COMMENT,
    "strategy": AttachmentTarget.STRATEGY,
}
TYPE_OF = {column: item_type for item_type, column in ITEM_TYPES.items()}


@dataclass(frozen=True)
class FileTarget(comments_repo.ItemTarget):
    """The item files hang on (``ItemTarget``); for a comment, ``author_id`` is its author
    (only they edit it, so only they add files to it)."""

    author_id: int | None = None
    AREA: ClassVar[str] = "files"
    PHRASED: ClassVar[str] = "comment"

    @property
    def column(self) -> AttachmentTarget:
        return ITEM_TYPES[self.item_type]


def find_target(
    session: Session, *, account_id: int, item_type: str, item_id: int, section: str = ""
) -> FileTarget | None:
    """The live item of this account files may hang on (None: no such item here)."""
    if item_type == "comment":
        return _comment_target(session, account_id=account_id, comment_id=item_id)
    if item_type not in ITEM_TYPES:
        return None
    found = comments_repo.find_target(
        session, account_id=account_id, item_type=item_type, item_id=item_id, section=section
    )
    if found is None:
        return None
    return FileTarget(
        account_id, found.plan_id, item_type, item_id, found.section, found.title, found.visibility
    )


def _comment_target(session: Session, *, account_id: int, comment_id: int) -> FileTarget | None:
    """A live comment; internal when it is team-only or its item is internal."""
    comment = session.exec(
        select(Comment)
        .where(Comment.id == comment_id, Comment.account_id == account_id)
        .where(col(Comment.deleted_at).is_(None))
    ).first()
    if comment is None:
        return None
    thread = comments_repo.target_of(session, comment)
    if thread is None:
        return None
    internal = Visibility.INTERNAL in (comment.visibility, thread.visibility)
    return FileTarget(
        account_id,
        comment.plan_id,
        "comment",
        comment_id,
        "",
        f"a comment on {thread.label}",
        Visibility.INTERNAL if internal else Visibility.SHARED,
        author_id=comment.author_id,
    )


def target_of(session: Session, attachment: Attachment) -> FileTarget | None:
    """The live item ``attachment`` hangs on."""
    for column in AttachmentTarget:
        value = getattr(attachment, column.value)
        if value is None:
            continue
        strategy = column is AttachmentTarget.STRATEGY
        return find_target(
            session,
            account_id=attachment.account_id,
            item_type=TYPE_OF[column],
            item_id=attachment.plan_id if strategy else int(value),
            section=str(value) if strategy else "",
        )
    return None


def get_live(session: Session, *, account_id: int, attachment_id: int) -> Attachment | None:
    """The attachment (not deleted) of this account; locked until commit when writing."""
    statement = select(Attachment).where(
        Attachment.id == attachment_id,
        Attachment.account_id == account_id,
        col(Attachment.deleted_at).is_(None),
    )
    return session.exec(for_write(session, statement)).first()


def for_target(session: Session, target: FileTarget) -> Sequence[tuple[Attachment, User]]:
    """The live files of one item, oldest first, with who uploaded them (the item was
    checked visible to the reader)."""
    statement = (
        select(Attachment, User)
        .join(User, col(User.id) == Attachment.uploaded_by_id)
        .where(Attachment.account_id == target.account_id, Attachment.plan_id == target.plan_id)
        .where(col(getattr(Attachment, target.column.value)) == target.value)
        .where(col(Attachment.deleted_at).is_(None))
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return session.exec(statement).all()


# The items a comment's files may hang on through the comment: its own item.
_ON_PRIORITY = aliased(Priority)
_ON_INITIATIVE = aliased(Initiative)
_ON_ACTION = aliased(Action)
# Whether a file's item is internal, computed in SQL from the item's row (a draft initiative, a
# team-only comment, or a comment on a draft): NULL when no such row is joined.
_INTERNAL_ITEM = sa.or_(
    col(Initiative.visibility) == Visibility.INTERNAL,
    col(Comment.visibility) == Visibility.INTERNAL,
    col(_ON_INITIATIVE.visibility) == Visibility.INTERNAL,
)
# Whether the item a file hangs on is gone (removed, a deleted comment, a comment whose item was
# removed).
_ITEM_GONE = sa.or_(
    *(
        col(model.removed_at).is_not(None)
        for model in (Priority, Initiative, Action, _ON_PRIORITY, _ON_INITIATIVE, _ON_ACTION)
    ),
    col(Comment.deleted_at).is_not(None),
)


@dataclass(frozen=True)
class ListedFile:
    """A file as the plan page lists it under its item."""

    id: int
    file_name: str
    size: int
    content_type: str

    @property
    def size_text(self) -> str:
        return file_size(self.size)


def _file_key_sql() -> Any:
    """``FileTarget.key`` in SQL, over the attachment table's columns."""
    return comments_repo.item_key_sql(Attachment, TYPE_OF)


def _visible_files(columns: Sequence[Any], account_id: Any, plan_id: Any, vendor: bool) -> Any:
    """``columns`` of every live file of the plan's live items the reader may see. A client
    reader (``vendor`` False) gets no file on an internal item: a draft initiative, a
    team-only comment, or a comment on a draft."""
    statement = (
        sa.select(*columns)
        .select_from(Attachment)
        .outerjoin(Priority, col(Priority.id) == Attachment.priority_id)
        .outerjoin(Initiative, col(Initiative.id) == Attachment.initiative_id)
        .outerjoin(Action, col(Action.id) == Attachment.action_id)
        .outerjoin(Comment, col(Comment.id) == Attachment.comment_id)
        .outerjoin(_ON_PRIORITY, col(_ON_PRIORITY.id) == Comment.priority_id)
        .outerjoin(_ON_INITIATIVE, col(_ON_INITIATIVE.id) == Comment.initiative_id)
        .outerjoin(_ON_ACTION, col(_ON_ACTION.id) == Comment.action_id)
        .where(col(Attachment.account_id) == account_id, col(Attachment.plan_id) == plan_id)
        .where(col(Attachment.deleted_at).is_(None), sa.not_(_ITEM_GONE))
    )
    if not vendor:
        statement = statement.where(sa.not_(sa.func.coalesce(_INTERNAL_ITEM, False)))
    return statement


def _plan_files(account_id: Any, plan_id: Any, vendor: bool) -> Any:
    """The files ``threads_and_files`` lists, in the shape of ``_thread_counts``."""
    columns: tuple[Any, ...] = (
        sa.literal("file").label("kind"),
        _file_key_sql().label("key"),
        sa.cast(sa.null(), sa.Integer).label("n"),
        col(Attachment.id).label("id"),
        col(Attachment.file_name).label("file_name"),
        col(Attachment.size).label("size"),
        col(Attachment.content_type).label("content_type"),
        col(Attachment.created_at).label("created_at"),
    )
    return _visible_files(columns, account_id, plan_id, vendor)


@dataclass(frozen=True)
class SharedFile:
    """A file on a shared item of the plan (not on a comment), as an agreed version keeps it."""

    id: int
    key: str
    file_name: str
    size: int
    content_type: str
    sha256: str


def shared_item_files(
    session: Session, *, account_id: int, plan_id: int, lock: bool = False
) -> list[SharedFile]:
    """The live files both sides see on the plan's priorities, initiatives, actions and
    strategy sections (never a comment's), oldest first: one query. With ``lock`` their rows
    are locked until commit, so that a deletion of one of them waits for the agreement that
    comes to refer to it (``app.agreement.service``)."""
    columns = (
        col(Attachment.id),
        _file_key_sql(),
        col(Attachment.file_name),
        col(Attachment.size),
        col(Attachment.content_type),
        col(Attachment.sha256),
    )
    statement = (
        _visible_files(columns, account_id, plan_id, vendor=False)
        .where(col(Attachment.comment_id).is_(None))
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    if lock:
        statement = statement.with_for_update(of=_ATTACHMENTS)
    rows = session.execute(statement).all()
    return [
        SharedFile(int(i), k, name, int(size), kind, sha) for i, k, name, size, kind, sha in rows
    ]


_ATTACHMENTS = Attachment.__table__  # type: ignore[attr-defined]


def _thread_counts(account_id: Any, plan_id: Any, visibilities: Any) -> Any:
    """The plan's comment tallies (``comments.repository.counts_for_plan``), in the shape of
    ``_plan_files`` so that both come in one statement: one row a thread, its visibilities
    the reader may see added up (a large plan's 394 threads have 681 tally rows)."""
    return (
        sa.select(
            sa.literal("count").label("kind"),
            col(CommentTally.thread).label("key"),
            sa.func.sum(col(CommentTally.count)).label("n"),
            sa.cast(sa.null(), BIG_ID).label("id"),
            sa.cast(sa.null(), sa.String).label("file_name"),
            sa.cast(sa.null(), sa.Integer).label("size"),
            sa.cast(sa.null(), sa.String).label("content_type"),
            sa.cast(sa.null(), _ATTACHMENTS.c.created_at.type).label("created_at"),
        )
        .where(
            *comments_repo.visible_tally(
                account_id=account_id, plan_id=plan_id, visibilities=visibilities
            )
        )
        .group_by(col(CommentTally.thread))
    )


def threads_and_files(
    session: Session,
    *,
    account_id: int,
    plan_id: int,
    vendor: bool,
    visibilities: Sequence[str],
    item: tuple[str, int] | None = None,
) -> tuple[dict[str, int], dict[str, list[ListedFile]]]:
    """For the plan page, in one query whatever the plan's size: the visible comments of each
    thread (``{"priority-12": 3, ...}``, from the tallies) and the files the reader may see
    under each item, oldest first (``{"action-7": [...], "comment-9": [...]}``). With ``item``
    (its type and id, e.g. ``("action", 7)``; not a strategy section), of that one item only:
    for an answer that redraws it."""
    values: dict[str, Any] = {
        "account_id": account_id,
        "plan_id": plan_id,
        "visibilities": list(visibilities),
    }
    if item is not None:
        values |= {"key": f"{item[0]}-{item[1]}", "item_id": item[1]}
    statement = _threads_and_files(vendor, item[0] if item is not None else None)
    counts: dict[str, int] = {}
    found: dict[str, list[tuple[Any, int, ListedFile]]] = defaultdict(list)
    for kind, key, number, file_id, name, size, content_type, at in session.execute(
        statement, values
    ):
        if kind == "count":
            counts[key] = int(number)
        else:
            found[key].append(
                (at, int(file_id), ListedFile(int(file_id), name, int(size), content_type))
            )
    # Each item's files oldest first, ordered here: a plan has few files, and ordering the
    # statement would sort every thread's row with them.
    return counts, {key: [file for *_, file in sorted(files)] for key, files in found.items()}


@functools.cache
def _threads_and_files(vendor: bool, item_type: str | None = None) -> sa.CompoundSelect[Any]:
    """The statement of ``threads_and_files`` for a reader of one side (``item_type``: of the
    one item of that type the bind parameters ``item_id`` and ``key`` name), built once
    (account, plan and visibilities are bind parameters): each request finds its compiled
    form without building it again."""
    account_id: sa.BindParameter[int] = sa.bindparam("account_id")
    plan_id: sa.BindParameter[int] = sa.bindparam("plan_id")
    counts = _thread_counts(account_id, plan_id, sa.bindparam("visibilities", expanding=True))
    files = _plan_files(account_id, plan_id, vendor)
    if item_type is not None:
        # The item's own thread, and its own files: found by its column (an index), then
        # those under its own key (its comments' files are under their comments' keys).
        column = col(getattr(Attachment, ITEM_TYPES[item_type].value))
        counts = counts.where(col(CommentTally.thread) == sa.bindparam("key"))
        files = files.where(column == sa.bindparam("item_id"))
        files = files.where(_file_key_sql() == sa.bindparam("key"))
    return sa.union_all(counts, files)


def of_comments(
    session: Session, *, account_id: int, comment_ids: Sequence[int]
) -> dict[int, list[ListedFile]]:
    """The live files of the given comments (checked visible to the reader: a page of a
    thread), oldest first, by comment id: one query whatever the number of comments."""
    if not comment_ids:
        return {}
    rows = session.exec(
        select(Attachment)
        .where(Attachment.account_id == account_id)
        .where(col(Attachment.comment_id).in_(sorted(set(comment_ids))))
        .where(col(Attachment.deleted_at).is_(None))
        .order_by(col(Attachment.created_at), col(Attachment.id))
    ).all()
    files: dict[int, list[ListedFile]] = defaultdict(list)
    for row in rows:
        assert row.id is not None
        assert row.comment_id is not None
        files[row.comment_id].append(ListedFile(row.id, row.file_name, row.size, row.content_type))
    return dict(files)


def _upsert(session: Session) -> Any:
    dialect = session.connection().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(AttachmentBlob)


def reference(session: Session, *, sha256: str, size: int) -> None:
    """One more attachment refers to the blob ``sha256``: its row made or its count raised, in
    one atomic statement that locks the row until commit (a sweep of the same blob waits)."""
    insert = _upsert(session).values(sha256=sha256, size=size, refs=1)
    table = AttachmentBlob.__table__  # type: ignore[attr-defined]
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.sha256], set_={"refs": table.c.refs + 1}
        )
    )


def reference_all(session: Session, *, blobs: Sequence[tuple[str, int]]) -> None:
    """One more reference to the blob of each ``(sha256, size)`` (an agreed version's files;
    a content listed twice, two): one atomic statement, locking the rows until commit like
    ``reference``."""
    if not blobs:
        return
    counts: dict[str, int] = defaultdict(int)
    sizes: dict[str, int] = {}
    for sha256, size in blobs:
        counts[sha256] += 1
        sizes[sha256] = size
    table = AttachmentBlob.__table__  # type: ignore[attr-defined]
    insert = _upsert(session).values(
        [{"sha256": sha, "size": sizes[sha], "refs": n} for sha, n in sorted(counts.items())]
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.sha256], set_={"refs": table.c.refs + insert.excluded.refs}
        )
    )


def release(session: Session, *, sha256: str) -> None:
    """One attachment fewer refers to the blob: its count lowered atomically."""
    table = AttachmentBlob.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(table).where(table.c.sha256 == sha256).values(refs=table.c.refs - 1))


def unreferenced(session: Session, *, sha256: str) -> AttachmentBlob | None:
    """The blob's row, locked, when nothing refers to it any more (None otherwise)."""
    statement = (
        select(AttachmentBlob)
        .where(AttachmentBlob.sha256 == sha256, AttachmentBlob.refs <= 0)
        .with_for_update()
    )
    return session.exec(statement).first()
