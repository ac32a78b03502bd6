"""Comment threads through the API for every item that has one, at the thread page's own
address under ``/threads/{target}/{item_id}``: a priority, an initiative, an action, a value
rating, or a strategy section (``strategy``, the plan's id, ``?section=`` its kind). Read a
page, add a comment (``Idempotency-Key``), through ``app.api.threads``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api import schemas, threads
from app.api.auth import Authenticated
from app.api.common import ACCOUNT, Cursor, IdempotencyKey, created
from app.api.problems import RESPONSES
from app.db import DbSession
from app.permissions.guards import Commenter, PlanReader

router = APIRouter(responses=RESPONSES)
THREAD = f"{ACCOUNT}/threads/{{target}}/{{item_id}}/comments"
Target = Annotated[
    schemas.ThreadKind,
    Path(description="What the thread hangs on; 'strategy' for a section of the strategy."),
]
Section = Annotated[
    str,
    Query(
        max_length=20,
        description="For 'strategy': the section's kind (goal, driver, focus, challenge, "
        "success, advice); the item id is then the plan's id.",
    ),
]


@router.get(THREAD, response_model=schemas.ThreadCommentPage)
def list_thread(
    use: Authenticated,
    db: DbSession,
    access: PlanReader,
    target: Target,
    item_id: int,
    section: Section = "",
    cursor: Cursor = None,
) -> schemas.ThreadCommentPage:
    """The comments of the item's thread you can see: the latest 20, oldest first;
    ``next_cursor`` gives the 20 before them. An item you cannot see is a 404."""
    where = (target, item_id, section)
    found, page, earlier = threads.page(db, use, access, where, cursor)
    return schemas.ThreadCommentPage(
        items=[threads.in_thread(found, threads.fields(c, a)) for c, a in page.rows],
        next_cursor=earlier,
    )


@router.post(THREAD, response_model=schemas.ThreadComment, **created("Added"))
def add_to_thread(
    request: Request,
    use: Authenticated,
    db: DbSession,
    access: Commenter,
    target: Target,
    item_id: int,
    new: schemas.CommentCreate,
    section: Section = "",
    key: IdempotencyKey = None,
) -> Response:
    """Comment on the item, through the comments service (mentions are notified);
    ``team_only`` for the vendor's team. An item you cannot see is a 404."""
    where = (target, item_id, section)
    return threads.add(request, db, use, access, where, new, key, threads.in_thread)
