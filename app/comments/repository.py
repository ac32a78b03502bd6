"""Queries of comment threads and of the items they hang on; every one filtered by account."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.kit import queries
from app.models import (
    STRATEGY_LABELS,
    Action,
    Comment,
    CommentTally,
    CommentTarget,
    Initiative,
    Membership,
    Plan,
    Priority,
    StrategyKind,
    User,
    ValueRating,
    Visibility,
)

# The item types of the thread URLs and of ``thread(item_type, ...)`` in templates.
ITEM_TYPES: dict[str, CommentTarget] = {
    "priority": CommentTarget.PRIORITY,
    "initiative": CommentTarget.INITIATIVE,
    "action": CommentTarget.ACTION,
    "rating": CommentTarget.RATING,
    "strategy": CommentTarget.STRATEGY,
}
TYPE_OF = {column: item_type for item_type, column in ITEM_TYPES.items()}


# --- what threads and files (``app.attachments``) share about the items they hang on ----------


def item_key_sql(model: Any, type_of: Mapping[Any, str]) -> Any:
    """``"<item type>-<value>"`` in SQL, over ``model``'s target columns (``type_of``: each
    column's item type): the key of the thread or the file list an item has on the page."""
    return sa.case(
        *(
            (
                col(getattr(model, column.value)).is_not(None),
                sa.literal(f"{item_type}-") + sa.cast(getattr(model, column.value), sa.String),
            )
            for column, item_type in type_of.items()
        )
    )


def visible_tally(*, account_id: Any, plan_id: Any, visibilities: Any) -> tuple[Any, ...]:
    """The conditions "the plan's tally rows of comments the reader may see": of values, or of
    bind parameters (``visibilities`` then an expanding one) for a statement built once."""
    return (
        col(CommentTally.account_id) == account_id,
        col(CommentTally.plan_id) == plan_id,
        col(CommentTally.visibility).in_(visibilities),
    )


@dataclass(frozen=True)
class ItemTarget:
    """An item a thread or files (``app.attachments``) hang on, checked to exist in the
    account. For a strategy section, ``item_id`` is the plan's id and ``section`` the
    section's kind."""

    account_id: int
    plan_id: int
    item_type: str
    item_id: int
    section: str
    title: str
    visibility: str

    @property
    def value(self) -> int | str:
        """What the target's column (of ``Comment``, of ``Attachment``) holds for this item."""
        return self.section if self.item_type == "strategy" else self.item_id

    @property
    def key(self) -> str:
        """Unique on a page: element ids, the keys of ``comment_counts`` and of the files."""
        return f"{self.item_type}-{self.value}"

    # The address part of the item's page of threads or files, and the item type whose title
    # is a phrase already (a rating's: "the value rating of ...", a comment's: "a comment on ...").
    AREA: ClassVar[str] = ""
    PHRASED: ClassVar[str] = ""

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL

    @property
    def label(self) -> str:
        """How a sentence names the item: 'the priority “Grow in Spain”'."""
        if self.item_type == "strategy":
            return f"the strategy section “{self.title}”"
        if self.item_type == self.PHRASED:
            return self.title
        return f"the {self.item_type} “{self.title}”"

    @property
    def path(self) -> str:
        query = f"?section={self.section}" if self.item_type == "strategy" else ""
        return f"/accounts/{self.account_id}/{self.AREA}/{self.item_type}/{self.item_id}{query}"


@dataclass(frozen=True)
class ThreadTarget(ItemTarget):
    """The item a thread hangs on."""

    AREA: ClassVar[str] = "threads"
    PHRASED: ClassVar[str] = "rating"

    @property
    def column(self) -> CommentTarget:
        return ITEM_TYPES[self.item_type]

    @property
    def item_type_id(self) -> str:
        return f"{self.item_type}-{self.item_id}"

    def page_path(self, before: int | None) -> str:
        """The thread's page of comments before the cursor ``before`` (the latest: None)."""
        return self.path if before is None else self._with(f"before={before}")

    def comment_path(self, comment_id: int | None) -> str:
        """Where comment ``comment_id`` is shown: the thread's page that holds it, at it (a
        link that stays right however many comments come after it)."""
        return f"{self._with(f'at={comment_id}')}#comment-{comment_id}"

    def _with(self, parameter: str) -> str:
        return f"{self.path}{'&' if '?' in self.path else '?'}{parameter}"

    @property
    def plan_anchor(self) -> str:
        """Where the item is on the plan page."""
        if self.item_type == "strategy":
            return "strategy"
        if self.item_type == "rating":
            return "value"
        return self.item_type_id


# The items a thread may hang on that are found by id (strategy threads hang on a plan's section,
# ratings have no title): the live item, of this account.
_ITEMS: dict[str, type[Priority] | type[Initiative] | type[Action]] = {
    "priority": Priority,
    "initiative": Initiative,
    "action": Action,
}


def find_target(
    session: Session, *, account_id: int, item_type: str, item_id: int, section: str = ""
) -> ThreadTarget | None:
    """The live item of this account a thread may hang on (None: no such item here)."""

    def target(plan_id: int, title: str, visibility: str = Visibility.SHARED) -> ThreadTarget:
        kind = section if item_type == "strategy" else ""
        return ThreadTarget(account_id, plan_id, item_type, item_id, kind, title, visibility)

    if item_type == "strategy":
        if section not in {kind.value for kind in StrategyKind}:
            return None
        plan_id = session.exec(
            select(Plan.id).where(Plan.id == item_id).where(Plan.account_id == account_id)
        ).first()
        return None if plan_id is None else target(plan_id, STRATEGY_LABELS[StrategyKind(section)])
    if item_type in _ITEMS:
        model = _ITEMS[item_type]
        item = session.exec(
            queries.live(model, model.id == item_id, model.account_id == account_id)
        ).first()
        if item is None:
            return None
        return target(item.plan_id, item.title, item.visibility)
    if item_type == "rating":
        rating = session.exec(
            select(ValueRating)
            .where(ValueRating.id == item_id)
            .where(ValueRating.account_id == account_id)
        ).first()
        if rating is None:
            return None
        when = rating.rated_at.strftime("%d %b %Y")
        return target(rating.plan_id, f"the value rating of {when} ({rating.overall}/10)")
    return None


def target_of(session: Session, comment: Comment) -> ThreadTarget | None:
    """The item ``comment`` hangs on."""
    for column in CommentTarget:
        value = getattr(comment, column.value)
        if value is None:
            continue
        if column is CommentTarget.STRATEGY:
            return find_target(
                session,
                account_id=comment.account_id,
                item_type="strategy",
                item_id=comment.plan_id,
                section=str(value),
            )
        return find_target(
            session, account_id=comment.account_id, item_type=TYPE_OF[column], item_id=int(value)
        )
    return None


# Comments per page of a thread: its latest page is what a thread opens with and what every
# change answers with, so a thread costs the same whatever its length.
PAGE = 20


@dataclass(frozen=True)
class ThreadPage:
    """A page of a thread, oldest first: ``earlier`` is the cursor of the page before it (the
    id of its oldest comment) or None when it is the first; ``count`` the thread's visible,
    non-deleted comments (from the tally; read with the latest page only)."""

    rows: Sequence[tuple[Comment, User]]
    earlier: int | None
    count: int


def _in_thread(target: ThreadTarget, visibilities: Sequence[str]) -> tuple[Any, ...]:
    """The conditions "a comment of this thread the reader may see"."""
    return (
        Comment.account_id == target.account_id,
        Comment.plan_id == target.plan_id,
        col(getattr(Comment, target.column.value)) == target.value,
        col(Comment.visibility).in_(visibilities),
    )


def _beside(
    target: ThreadTarget, visibilities: Sequence[str], comment_id: int, *, later: bool = False
) -> Any:
    """The condition "before (``later``: after) comment ``comment_id`` of this thread" in the
    thread's order (created_at, then id: ids are random). A cursor that is no visible comment
    of the thread matches nothing."""
    at = (
        select(Comment.created_at)
        .where(Comment.id == comment_id, *_in_thread(target, visibilities))
        .scalar_subquery()
    )
    beyond = operator.gt if later else operator.lt
    return sa.or_(
        beyond(col(Comment.created_at), at),
        sa.and_(col(Comment.created_at) == at, beyond(col(Comment.id), comment_id)),
    )


def _tally(target: ThreadTarget, visibilities: Sequence[str]) -> Any:
    """The thread's visible, non-deleted comments, as its tally counts them."""
    return (
        select(sa.func.coalesce(sa.func.sum(CommentTally.count), 0))
        .where(CommentTally.plan_id == target.plan_id, CommentTally.thread == target.key)
        .where(col(CommentTally.visibility).in_(visibilities))
    )


# ``thread_count``'s statement, built once (every comment posted asks it).
_THREAD_COUNT = (
    sa.select(sa.func.coalesce(sa.func.sum(CommentTally.count), 0))
    .where(col(CommentTally.plan_id) == sa.bindparam("plan_id"))
    .where(col(CommentTally.thread) == sa.bindparam("thread"))
    .where(col(CommentTally.visibility).in_(sa.bindparam("visibilities", expanding=True)))
)


def thread_count(session: Session, *, target: ThreadTarget, visibilities: Sequence[str]) -> int:
    params = {"plan_id": target.plan_id, "thread": target.key, "visibilities": list(visibilities)}
    return int(session.connection().execute(_THREAD_COUNT, params).scalar_one())


def thread_page(
    session: Session,
    *,
    target: ThreadTarget,
    visibilities: Sequence[str],
    before: int | None = None,
) -> ThreadPage:
    """The ``PAGE`` comments of the thread just before the cursor ``before`` (the latest ones
    without it) that the reader may see, with their authors (deleted ones too: they show as
    deleted): one query, of ``PAGE + 1`` rows to know whether there are earlier ones."""
    statement = (
        select(Comment, User, _tally(target, visibilities).scalar_subquery())
        .join(User, col(User.id) == Comment.author_id)
        .where(*_in_thread(target, visibilities))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(PAGE + 1)
    )
    if before is not None:
        statement = statement.where(_beside(target, visibilities, before))
    rows = session.exec(statement).all()
    page = [(comment, author) for comment, author, _count in rows[:PAGE]][::-1]
    earlier = page[0][0].id if len(rows) > PAGE else None
    return ThreadPage(page, earlier, int(rows[0][2]) if rows and before is None else 0)


def cursor_holding(
    session: Session, *, target: ThreadTarget, visibilities: Sequence[str], comment_id: int
) -> int | None:
    """The cursor of the page that shows comment ``comment_id`` (None: the latest page, also
    for no visible comment of the thread): the comment just after it when ``PAGE`` or more
    come after it. One query of at most ``PAGE`` ids."""
    later = session.exec(
        select(Comment.id)
        .where(
            *_in_thread(target, visibilities), _beside(target, visibilities, comment_id, later=True)
        )
        .order_by(col(Comment.created_at), col(Comment.id))
        .limit(PAGE)
    ).all()
    return later[0] if len(later) == PAGE else None


def thread_key(comment: Comment) -> str:
    """The key of the thread ``comment`` is in (``ThreadTarget.key``)."""
    for column in CommentTarget:
        value = getattr(comment, column.value)
        if value is not None:
            return f"{TYPE_OF[column]}-{value}"
    raise ValueError("a comment hangs on one item")


def count(session: Session, comment: Comment, delta: int) -> None:
    """Count ``comment`` in (1) or out of (-1) its thread's tally, in the change's transaction."""
    keys = {
        "plan_id": comment.plan_id,
        "thread": thread_key(comment),
        "visibility": comment.visibility,
        "account_id": comment.account_id,
    }
    queries.add_to_count(session, CommentTally, keys, delta)


def counts_for_plan(
    session: Session, *, account_id: int, plan_id: int, visibilities: Sequence[str]
) -> dict[str, int]:
    """``{"priority-12": 3, "strategy-goal": 1, ...}``: the visible, non-deleted comments of
    the plan per thread, from the tally: one query of a row or two per thread."""
    visible = visible_tally(account_id=account_id, plan_id=plan_id, visibilities=visibilities)
    rows = session.execute(
        sa.select(col(CommentTally.thread), col(CommentTally.count)).where(*visible)
    ).all()
    counts: dict[str, int] = {}
    for thread, number in rows:
        counts[thread] = counts.get(thread, 0) + number
    return counts


def recount(session: Session, *, plan_id: int) -> None:
    """Make the plan's tally again from its comments (after comments were written without the
    service, as the tests' bulk inserts do)."""
    key = item_key_sql(Comment, TYPE_OF)
    counted = (
        sa.select(
            col(Comment.plan_id),
            key,
            col(Comment.visibility),
            col(Comment.account_id),
            sa.func.count(),
        )
        .where(col(Comment.plan_id) == plan_id, col(Comment.deleted_at).is_(None))
        .group_by(col(Comment.plan_id), key, col(Comment.visibility), col(Comment.account_id))
    )
    session.execute(sa.delete(CommentTally).where(col(CommentTally.plan_id) == plan_id))
    columns = ["plan_id", "thread", "visibility", "account_id", "count"]
    session.execute(sa.insert(CommentTally).from_select(columns, counted))


@dataclass(frozen=True)
class Mentionable:
    """An active member of the account, as far as a mention needs them."""

    id: int
    display_name: str
    email: str


def mentionable(session: Session, *, account_id: int) -> list[Mentionable]:
    """Who may be @mentioned in the account: its active members (three columns each)."""
    rows = session.execute(
        sa.select(col(User.id), col(User.display_name), col(User.email))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.account_id) == account_id)
        .where(col(Membership.removed_at).is_(None))
    ).all()
    return [Mentionable(*row) for row in rows]
