"""The query shapes every repository needs, written once.

Removing an item keeps its row (``removed_at``) for the audit trail, so nearly every list reads
the *live* rows: ``live`` and ``in_plan`` state that condition once. Ordered lists (a ranking,
an attribute's position) find their end with ``last_place`` and close the gap a removed item
leaves with ``close_gap``. A setting saved by two people at once is read with ``locked``, so
that the second save sees the first one's value. An item's links to the client's priorities
are replaced whole with ``replace_priority_links``. A count kept in a table of its own (a
tally) moves with ``add_to_count``, one atomic statement.

Columns are passed as the model's attributes (``Priority.rank``): their table is the model's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models import Initiative, Priority, PriorityStatus, Visibility

T = TypeVar("T")
# A value in a condition, or the bind parameter that stands for it in a statement built once.
Bound: TypeAlias = T | sa.BindParameter[T]


def is_live(model: Any) -> Any:
    """The condition "not removed" of ``model``'s rows."""
    return col(model.removed_at).is_(None)


def in_plan(model: Any, *criteria: Any, account_id: Bound[int], plan_id: Bound[int]) -> Any:
    """The condition "a live row of this account's plan" (and ``criteria``); the account and
    the plan are values or bind parameters (a statement built once a process)."""
    return sa.and_(
        model.account_id == account_id, model.plan_id == plan_id, *criteria, is_live(model)
    )


def live(model: type[T], *criteria: Any) -> SelectOfScalar[T]:
    """The live rows of ``model`` matching ``criteria`` (SQL conditions)."""
    return select(model).where(*criteria, is_live(model))


def last_place(session: Session, column: Any, *criteria: Any) -> int:
    """The highest place (``column``: a rank, a position) among the live rows matching
    ``criteria``; 0 when there are none, so a new item goes at ``last_place(...) + 1``."""
    model = column.class_
    value = session.exec(select(sa.func.max(column)).where(*criteria, is_live(model))).one()
    return int(value or 0)


def close_gap(session: Session, column: Any, *criteria: Any, after: int) -> None:
    """Move every live row placed after ``after`` one place up (the place an item removed
    from the list leaves free), among the rows matching ``criteria``."""
    model = column.class_
    session.execute(
        sa.update(model)
        .where(*criteria, is_live(model), column > after)
        .values({column.key: column - 1})
    )


def locked(session: Session, model: type[T], row_id: int) -> T | None:
    """The row ``row_id``, locked (PostgreSQL) and re-read past the identity map, so that of
    two saves of the same setting the second sees the first one's value. ``FOR NO KEY
    UPDATE``: rows that refer to it may still be inserted meanwhile."""
    return session.exec(
        select(model)
        .where(col(model.id) == row_id)  # type: ignore[attr-defined]
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()


def replace_priority_links(
    session: Session, owner: Any, item: Any, priority_ids: Iterable[int]
) -> None:
    """Make ``item`` answer exactly these priorities. ``owner`` is the link table's column
    that names the item (``InitiativePriority.initiative_id``); links are of the item's
    account."""
    assert item.id is not None
    link = owner.class_
    session.execute(
        sa.delete(link).where(col(link.account_id) == item.account_id).where(owner == item.id)
    )
    session.add_all(
        link(**{owner.key: item.id}, priority_id=pid, account_id=item.account_id)
        for pid in priority_ids
    )
    session.flush()


def linked_priority_ids(
    session: Session, owner: Any, *, account_id: int, item_id: int
) -> list[int]:
    """The ids of the priorities item ``item_id`` answers (``owner`` as above), in id order."""
    link = owner.class_
    return list(
        session.exec(
            select(link.priority_id)
            .where(col(link.account_id) == account_id)
            .where(owner == item_id)
            .order_by(col(link.priority_id))
        ).all()
    )


# --- The plan's items both sides see (what an action may serve, what an agreement holds) -------


def active_priority(*, account_id: int, plan_id: int) -> Any:
    """A live priority the client ranked (not a suggestion, not rejected) of this plan."""
    return in_plan(
        Priority, Priority.status == PriorityStatus.ACTIVE, account_id=account_id, plan_id=plan_id
    )


def shared_initiative(*, account_id: int, plan_id: int) -> Any:
    """A live initiative of this plan the client sees (never a vendor's draft)."""
    return in_plan(
        Initiative,
        Initiative.visibility == Visibility.SHARED,
        account_id=account_id,
        plan_id=plan_id,
    )


def add_to_count(session: Session, model: Any, keys: dict[str, Any], delta: int) -> None:
    """Add ``delta`` to the ``count`` of ``model``'s row at ``keys`` (every column of its
    primary key, and the others a new row needs), made at ``delta`` if missing: one
    ``INSERT ... ON CONFLICT DO UPDATE``, so two writers at once both count (PostgreSQL locks
    the row for the second until the first commits) and nothing is read before the write."""
    connection = session.connection()  # a plain statement: the ORM's execute only costs
    statement = _upsert_count(connection.dialect.name, model.__table__, tuple(keys))
    connection.execute(statement, keys | {"count": delta})


@functools.cache
def _upsert_count(dialect_name: str, table: sa.Table, keys: tuple[str, ...]) -> Any:
    """``add_to_count``'s statement, built once per table and set of key columns."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    given = {name: sa.bindparam(name, type_=table.c[name].type) for name in (*keys, "count")}
    statement = dialect.insert(table).values(given)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={"count": table.c.count + statement.excluded.count},
    )
