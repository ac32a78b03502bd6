"""What the API's resource modules share: the paths they hang under, the headers and query
values they read, ETags and the version an ``If-Match`` names, the current plan. A module of its
own, not a routes module: routes are leaves, and each resource module imports this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query
from sqlmodel import Session

from app.api import idempotency, schemas
from app.api.problems import PreconditionFailed, PreconditionRequired
from app.permissions.policy import AccountAccess
from app.plans import repository as plans_repo
from app.web.errors import or_404

ACCOUNT = "/accounts/{account_id}"
ACTION = f"{ACCOUNT}/actions/{{action_id}}"
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of a page.")]
IfMatch = Annotated[str | None, Header(max_length=100, description='The ETag, e.g. "v3".')]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        min_length=1,
        max_length=idempotency.MAX_KEY,
        description="A retry with the same key within 24 hours returns the first answer.",
    ),
]


def current_plan(db: Session, access: AccountAccess) -> schemas.Plan:
    plan = or_404(plans_repo.current(db, account_id=access.account_id))
    return schemas.Plan.model_validate(plan, from_attributes=True)


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(if_match: str | None) -> int:
    """The version 'If-Match' names: 428 without it, 412 for anything but one of our ETags."""
    if if_match is None:
        raise PreconditionRequired()
    value = if_match.strip()
    if not (value.startswith('"v') and value.endswith('"') and value[2:-1].isdigit()):
        raise PreconditionFailed()
    return int(value[2:-1])
