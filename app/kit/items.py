"""Finding a live item of an account, and moving an item up or down its list.

Every item table has ``id`` and ``account_id``; most have ``removed_at`` (removing keeps the row
for the audit trail). An item query of a writing request locks the row (``for_write``), which is
what makes version checks hold under concurrent edits on PostgreSQL.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlmodel import Session, col, select

from app.db import for_write
from app.web.errors import AppError, or_404


class AccountItem(Protocol):
    id: int | None
    account_id: int


T = TypeVar("T", bound=AccountItem)


def get_live(
    session: Session,
    model: type[T],
    *criteria: Any,
    account_id: int,
    item_id: int,
    **where: Any,
) -> T | None:
    """The item ``item_id`` of this account, not removed, matching ``criteria`` (SQL
    conditions) and ``where`` (column = value); locked until commit when the request writes."""
    statement = select(model).where(
        model.id == item_id,
        model.account_id == account_id,
        *criteria,
    )
    removed_at = getattr(model, "removed_at", None)
    if removed_at is not None:
        statement = statement.where(col(removed_at).is_(None))
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return session.exec(for_write(session, statement)).first()


def get_or_404(
    session: Session,
    model: type[T],
    *criteria: Any,
    account_id: int,
    item_id: int,
    **where: Any,
) -> T:
    """``get_live``, or the 404 a missing item and another account's item both give."""
    return or_404(
        get_live(session, model, *criteria, account_id=account_id, item_id=item_id, **where)
    )


def neighbour(
    session: Session,
    item: T,
    *,
    order: Any,
    same: tuple[Any, ...],
    up: bool,
) -> T | None:
    """The live item just above (``up``) or below ``item`` in the list ordered by ``order``,
    among the items that share ``item``'s values of the ``same`` columns (its plan, its kind).
    ``order`` and ``same`` are the model's columns, e.g. ``Priority.rank``."""
    model = type(item)
    here = getattr(item, order.key)
    statement = select(model).where(model.id != item.id)
    for column in same:
        statement = statement.where(column == getattr(item, column.key))
    removed_at = getattr(model, "removed_at", None)
    if removed_at is not None:
        statement = statement.where(col(removed_at).is_(None))
    if up:
        statement = statement.where(order < here).order_by(order.desc())
    else:
        statement = statement.where(order > here).order_by(order)
    return session.exec(statement.limit(1)).first()


def moving_up(direction: str, what: str) -> bool:
    """What a move button sent: True for "up", False for "down"; anything else is refused
    (400) with "Move ``what`` up or down." (``what`` as in "a priority")."""
    if direction not in ("up", "down"):
        raise AppError(f"Move {what} up or down.")
    return direction == "up"


def moved_notice(name: str, direction: str, *, moved: bool) -> str:
    """What a move says: "Moved “X” up." or, when it was already at that end, "“X” is first."."""
    if moved:
        return f"Moved “{name}” {direction}."
    return f"“{name}” is {'first' if direction == 'up' else 'last'}."


def swap(
    session: Session,
    item: T,
    *,
    order: Any,
    same: tuple[Any, ...],
    up: bool,
) -> tuple[Any, Any] | None:
    """Swap ``item``'s place with its neighbour's; ``(old, new)`` place, or None when it is
    already first (``up``) or last. Places are not part of any edit form, so versions stay."""
    other = neighbour(session, item, order=order, same=same, up=up)
    if other is None:
        return None
    old, new = getattr(item, order.key), getattr(other, order.key)
    setattr(item, order.key, new)
    setattr(other, order.key, old)
    session.add_all([item, other])
    return old, new
