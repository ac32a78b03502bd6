"""The plan page's threads and files, in one query whatever the plan's size: how many comments
each thread has (the "Comments (N)" of every item, from the threads' tallies) and every file
the reader may see, by item, for the file list under it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.attachments import repository
from app.models import Plan
from app.permissions.policy import AccountAccess, Actor


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    return load_item(db, access, plan.id, None)


def load_item(
    db: Session, access: AccountAccess, plan_id: int, item: tuple[str, int] | None
) -> dict[str, Any]:
    """The comment counts and the files of the plan's items, or (``item``: its type and id,
    e.g. ``("action", 7)``) of that one item only, for an answer that redraws it alone."""
    counts, lists = repository.threads_and_files(
        db,
        account_id=access.account_id,
        plan_id=plan_id,
        vendor=access.is_vendor,
        visibilities=access.visibilities,
        item=item,
    )
    return {"comment_counts": counts, "attachment_lists": lists}
