"""Queries of comment threads and of the items they hang on; every one filtered by account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.kit import queries
from app.models import (
    STRATEGY_LABELS,
    Action,
    Comment,
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


@dataclass(frozen=True)
class ThreadTarget:
    """The item a thread hangs on, checked to exist in the account. For a strategy section,
    ``item_id`` is the plan's id and ``section`` the section's kind."""

    account_id: int
    plan_id: int
    item_type: str
    item_id: int
    section: str
    title: str
    visibility: str

    @property
    def column(self) -> CommentTarget:
        return ITEM_TYPES[self.item_type]

    @property
    def value(self) -> int | str:
        """What the target's column of ``Comment`` holds for this thread."""
        return self.section if self.item_type == "strategy" else self.item_id

    @property
    def key(self) -> str:
        """Unique on a page: element ids and the keys of ``comment_counts``."""
        return f"strategy-{self.section}" if self.item_type == "strategy" else self.item_type_id

    @property
    def item_type_id(self) -> str:
        return f"{self.item_type}-{self.item_id}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL

    @property
    def label(self) -> str:
        """How a sentence names the item: 'the priority “Grow in Spain”'."""
        if self.item_type == "strategy":
            return f"the strategy section “{self.title}”"
        if self.item_type == "rating":
            return self.title
        return f"the {self.item_type} “{self.title}”"

    @property
    def path(self) -> str:
        query = f"?section={self.section}" if self.item_type == "strategy" else ""
        return f"/accounts/{self.account_id}/threads/{self.item_type}/{self.item_id}{query}"

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


def thread(
    session: Session, *, target: ThreadTarget, visibilities: Sequence[str]
) -> Sequence[tuple[Comment, User]]:
    """The thread's comments the reader may see, oldest first, with their authors (deleted
    ones too: they show as deleted): one query."""
    rows = session.exec(
        select(Comment, User)
        .join(User, col(User.id) == Comment.author_id)
        .where(Comment.account_id == target.account_id)
        .where(Comment.plan_id == target.plan_id)
        .where(col(getattr(Comment, target.column.value)) == target.value)
        .where(col(Comment.visibility).in_(visibilities))
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()
    return [(comment, author) for comment, author in rows]


def counts_for_plan(
    session: Session, *, account_id: int, plan_id: int, visibilities: Sequence[str]
) -> dict[str, int]:
    """``{"priority-12": 3, "strategy-goal": 1, ...}``: the visible, non-deleted comments of
    the plan per thread: one query."""
    columns = [col(getattr(Comment, target.value)) for target in CommentTarget]
    rows = session.execute(
        sa.select(*columns, sa.func.count())
        .where(col(Comment.account_id) == account_id)
        .where(col(Comment.plan_id) == plan_id)
        .where(col(Comment.deleted_at).is_(None))
        .where(col(Comment.visibility).in_(visibilities))
        .group_by(*columns)
    ).all()
    counts: dict[str, int] = {}
    for row in rows:
        *values, count = row
        for target, value in zip(CommentTarget, values, strict=True):
            if value is not None:
                counts[f"{TYPE_OF[target]}-{value}"] = int(count)
    return counts


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
