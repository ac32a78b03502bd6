"""Errors of the API as ``application/problem+json`` (RFC 9457): ``type``, ``title``,
``status``, ``detail``, and for 422 the field ``errors``. Every refusal the guards raise (the
same ``AppError`` classes as the pages) becomes one, so a missing id and one the person may
not see give the same bytes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db import database_unreachable
from app.web.errors import (
    AppError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    SignInRequired,
    UnavailableError,
)
from app.web.handlers import DATABASE_ERRORS

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """What went wrong (RFC 9457). ``type`` is ``about:blank``: the status says it all."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# The API's refusals are the pages' own (``app.web.errors``), with words for a program's
# author: the same classes catch them and the same status, title and Retry-After answer them.


class Unauthorized(SignInRequired):
    message = (
        "Send a valid personal access token as 'Authorization: Bearer <token>'. A token stops "
        "working when it expires, when it is revoked, or when its person's login is disabled."
    )


class ReadOnlyToken(ForbiddenError):
    message = "This token is read-only: it may only GET. Make a read-and-write token on /me."


class PreconditionRequired(ConflictError):
    status_code = 428
    message = "Send 'If-Match' with the ETag of the version your change is based on."


class PreconditionFailed(ConflictError):
    status_code = 412
    message = "The item was changed meanwhile: GET it again for its current version and ETag."


class TooManyRequests(UnavailableError):
    status_code = 429
    title = "Too many requests"
    message = "This token made too many requests this minute: retry after 'Retry-After' seconds."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


class BadRequest(AppError):
    title = "Bad request"


class Invalid(AppError):
    """422 with the fields that are wrong, as the web forms name them."""

    status_code = 422
    title = "Unprocessable content"
    message = "Some of what was sent is not valid: see errors."

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors


# Every operation documents these answers (the schema checkers hold the API to it).
_STATUSES = {
    400: "Bad request",
    401: "No valid token",
    403: "Not allowed",
    404: "Not found, or not visible to you",
    409: "Conflict (e.g. a closed period)",
    412: "Stale If-Match",
    422: "Invalid input",
    428: "If-Match required",
    429: "Too many requests this minute: retry after Retry-After seconds",
    500: "Server error",
    503: "Unavailable, retry",
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "model": Problem} for status, text in _STATUSES.items()
}


def as_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error answer typed ``application/problem+json``, as it
    is sent (FastAPI writes a response model's answer as ``application/json``)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    answer["content"] = {MEDIA_TYPE: content["application/json"]}
    return document


def problem(
    status: int, title: str, detail: str, errors: dict[str, str] | None = None
) -> JSONResponse:
    body = Problem(
        title=title,
        status=status,
        detail=detail,
        errors=[FieldError(field=k, message=v) for k, v in errors.items()] if errors else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE
    )


async def on_app_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    errors = exc.errors if isinstance(exc, Invalid) else None
    response = problem(exc.status_code, exc.title, exc.message, errors)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="jointplan"'
    if isinstance(exc, UnavailableError):  # 503, and the rate limit's 429
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return problem(404, NotFoundError.title, NotFoundError.message)
    detail = exc.detail if isinstance(exc.detail, str) else "The request could not be answered."
    return problem(exc.status_code, detail, detail)


def _field(location: tuple[Any, ...]) -> str:
    """``("body", "due_on")`` -> ``due_on``; a header or query keeps its name."""
    parts = [str(part) for part in location[1:]] or [str(location[0])]
    return ".".join(parts)


async def on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    # A malformed id in the path is just an id that does not exist.
    if any(error.get("loc", ("",))[0] == "path" for error in found):
        return problem(404, NotFoundError.title, NotFoundError.message)
    errors = {_field(tuple(error["loc"])): str(error["msg"]) for error in found}
    return problem(422, Invalid.title, Invalid.message, errors)


async def on_database_error(request: Request, exc: Exception) -> Response:
    if not database_unreachable(exc):
        return await on_server_error(request, exc)
    unavailable = UnavailableError("The database is not answering; nothing was saved. Retry.")
    return await on_app_error(request, unavailable)


async def on_server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal server error", "Jointplan hit an unexpected problem.")


def install(api: FastAPI) -> None:
    api.add_exception_handler(AppError, on_app_error)
    for database_error in DATABASE_ERRORS:
        api.add_exception_handler(database_error, on_database_error)
    api.add_exception_handler(StarletteHTTPException, on_http_error)
    api.add_exception_handler(RequestValidationError, on_validation_error)
    api.add_exception_handler(Exception, on_server_error)
