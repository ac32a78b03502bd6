"""What the API's resource modules share: the paths they hang under, the headers and query
values they read, ETags and the version an ``If-Match`` names, the current plan, and the steps
of every write: a web form's checked values or 422 (``valid``), a versioned change's 412 and
409 (``versioned_change``), and a create made once per ``Idempotency-Key`` (``create_once``).
A module of its own, not a routes module: routes are leaves, and each resource module imports
this."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from typing import Annotated, Any, TypeVar

from fastapi import Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from app.api import idempotency, schemas
from app.api.problems import Invalid, PreconditionFailed, PreconditionRequired
from app.kit.versioned import StaleEdit
from app.permissions.policy import AccountAccess
from app.plans import repository as plans_repo
from app.web.errors import ConflictError, or_404
from app.web.forms import FormErrors

T = TypeVar("T")
F = TypeVar("F")

ACCOUNT = "/accounts/{account_id}"
ACTION = f"{ACCOUNT}/actions/{{action_id}}"
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of a page.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=1000,
        description='The ETag, e.g. "v3" (or a list of ETags, or *: any version).',
    ),
]
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


# One entity-tag of an If-Match list (RFC 9110 8.8.3): optionally weak, then quoted.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def entity_tags(if_match: str) -> list[tuple[bool, str]]:
    """The (weak, opaque tag) of each entity-tag an If-Match lists; [] when it is not a list
    of entity-tags (empty elements of the list are allowed and skipped)."""
    value, found, at = if_match.strip(), [], 0
    while at < len(value):
        if value[at] in ", \t":
            at += 1
            continue
        match = _ENTITY_TAG.match(value, at)
        if match is None:
            return []
        found.append((match.group(1) is not None, match.group(2)))
        at = match.end()
    return found


def expected_version(if_match: str | None, current: int) -> int:
    """The version the change is based on, by RFC 9110's If-Match (13.1.1): 428 without the
    header; ``*`` matches the item as it is (it exists: the guard found it); else one of the
    listed entity-tags must match the current ETag by the strong comparison, in which a weak
    tag (``W/"v3"``) never matches. 412 when none does (or the header is no list of tags)."""
    if if_match is None:
        raise PreconditionRequired()
    if if_match.strip() == "*":
        return current
    ours = etag(current)[1:-1]
    if any(not weak and tag == ours for weak, tag in entity_tags(if_match)):
        return current
    raise PreconditionFailed()


def _as_typed(value: Any) -> Any:
    """A value of the API as a page's form field holds it: text ('' for null), or for a list
    a tuple of texts (a form's repeated field)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return tuple(_as_typed(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def with_sent(form: F, change: BaseModel) -> F:
    """The page's form of an item as it is (``form``), with each field the change sent (a
    field not sent stays; null clears it): then checked as the page checks it."""
    for name in change.model_fields_set:
        value = getattr(change, name)
        empty = () if isinstance(getattr(form, name), tuple) else ""
        setattr(form, name, empty if value is None else _as_typed(value))
    return form


def valid(values: T | FormErrors) -> T:
    """A web form's checked values (the pages' own checks), or 422 with its field errors."""
    if isinstance(values, FormErrors):
        raise Invalid(dict(values))
    return values


@contextmanager
def versioned_change(*conflicts: type[Exception]) -> Iterator[None]:
    """Around a service's change of a versioned item: a version other than the ``If-Match``
    is 412; ``conflicts`` (e.g. a status that does not allow it) are 409 with their words."""
    try:
        yield
    except StaleEdit as exc:
        raise PreconditionFailed() from exc
    except conflicts as wrong:
        raise ConflictError(str(wrong)) from None


def created(what: str) -> dict[str, Any]:
    """The decorator arguments of a create: 201, and what its 201 says."""
    description = f"{what} (or, for a retried Idempotency-Key, the first)"
    return {"status_code": 201, "responses": {201: {"description": description}}}


def _replayed(stored: idempotency.Stored) -> JSONResponse:
    version = stored.body.get("version")
    headers = {"ETag": etag(version)} if isinstance(version, int) else {}
    return JSONResponse(stored.body, status_code=stored.status_code, headers=headers)


def create_once(
    request: Request,
    db: Session,
    *,
    token_id: int | None,
    key: str | None,
    sent: BaseModel,
    make: Callable[[], BaseModel],
) -> JSONResponse:
    """A create through the API: with an ``Idempotency-Key``, claimed first and, for a retry,
    the first answer again; else ``make`` it (after every check), 201 with its ``ETag`` when
    it has a version, the answer kept for retries."""
    claimed = idempotency.start(
        db, token_id=token_id, key=key, path=request.url.path, body=sent.model_dump_json()
    )
    if isinstance(claimed, idempotency.Stored):
        return _replayed(claimed)
    body = make().model_dump(mode="json")
    if claimed is not None:
        idempotency.keep(db, claimed, 201, body)
    version = body.get("version")
    headers = {"ETag": etag(version)} if isinstance(version, int) else {}
    return JSONResponse(body, status_code=201, headers=headers)
