"""Exception handlers: friendly pages for people, toasts for htmx, a login redirect when needed."""

from __future__ import annotations

import logging
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth.deps import actor_for_error_page
from app.db import database_unreachable, one_line, undefined_object
from app.permissions.policy import Actor
from app.web.confirm import ConfirmationNeeded, on_confirmation_needed
from app.web.errors import (
    AppError,
    DatabaseUnavailableError,
    NotFoundError,
    SchemaBehindError,
    SignInRequired,
    UnavailableError,
)
from app.web.security import SECURITY_HEADERS, add_page_headers
from app.web.templating import get_templates, is_htmx

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    410: "Link no longer valid",
    413: "Too large",
    422: "Not understood",
    429: "Too many attempts",
    500: "Something went wrong",
}

# The database's own errors (the classes that wrap every driver error, and the pool's); answered
# here, inside the app, so the answer is a response rather than an exception that Starlette's
# outermost middleware re-raises to the server (a traceback and a closed connection).
DATABASE_ERRORS = (sa.exc.DBAPIError, sa.exc.TimeoutError, sa.exc.DisconnectionError)


def error_response(
    request: Request, status_code: int, title: str, message: str, kept: str = ""
) -> Response:
    templates = get_templates(request)
    if is_htmx(request):
        return templates.render(
            request,
            "partials/toast.html",
            {"kind": "error", "message": message, "oob": True},
            status_code=status_code,
            headers={"HX-Reswap": "none"},
        )
    return templates.render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "message": message, "kept": kept},
        status_code=status_code,
    )


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if is_htmx(request) or request.headers.get("hx-request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": location})
    if request.method in ("GET", "HEAD"):
        return RedirectResponse(location, status_code=303)
    return error_response(request, 401, SignInRequired.title, SignInRequired.message)


def unavailable_response(request: Request, exc: UnavailableError, message: str = "") -> Response:
    response = error_response(request, exc.status_code, exc.title, message or exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def _actor_if_database_answers(request: Request) -> Actor | None:
    try:
        return actor_for_error_page(request)
    except DATABASE_ERRORS as exc:
        if database_unreachable(exc) or undefined_object(exc):
            return None  # the page is still shown, without the person's navigation
        raise


async def on_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, SignInRequired):
        return sign_in_redirect(request)
    if isinstance(exc, UnavailableError):
        return unavailable_response(request, exc)
    return error_response(request, exc.status_code, exc.title, exc.message, exc.kept)


async def on_database_error(request: Request, exc: Exception) -> Response:
    if undefined_object(exc):
        # A table or column is missing: the database was restored or downgraded under the
        # running app. Look at its schema again; if it is at head, this is a plain bug.
        try:
            await run_in_threadpool(request.app.state.schema.require_current, recheck=True)
        except SchemaBehindError as behind:
            return unavailable_response(request, behind)
        except DATABASE_ERRORS as again:
            if not database_unreachable(again):
                raise
            exc = again
        else:
            raise exc
    if not database_unreachable(exc):
        raise exc  # any other database error is a bug: the generic 500 below
    # One line per failure: an outage is not a bug, and its tracebacks would flood the log.
    log.warning(
        "database unavailable: %s %s answered 503 (%s)",
        request.method,
        request.url.path,
        one_line(exc),
    )
    unavailable = DatabaseUnavailableError()
    at_commit = getattr(request.state, "db_committing", False)
    return unavailable_response(request, unavailable, unavailable.at_commit if at_commit else "")


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not hasattr(request.state, "actor"):  # no route ran: an unknown address or method
        request.state.actor = await run_in_threadpool(_actor_if_database_answers, request)
    if exc.status_code == 404:
        return error_response(request, 404, NotFoundError.title, NotFoundError.message)
    if exc.status_code == 405:
        return error_response(
            request, 405, _TITLES[405], "This address does not take that kind of request."
        )
    title = _TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    return error_response(request, exc.status_code, title, detail)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # A malformed id in the path is just an id that does not exist.
    if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
        return error_response(request, 404, NotFoundError.title, NotFoundError.message)
    return error_response(
        request, 422, _TITLES[422], "Some of what was sent could not be understood."
    )


async def on_server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # This answer is sent by the outermost middleware, past the one that adds these.
    response = error_response(
        request,
        500,
        _TITLES[500],
        "Jointplan hit an unexpected problem. Nothing you sent was saved; please try again.",
    )
    response.headers.update(SECURITY_HEADERS)
    add_page_headers(response.headers)
    return response


def install(app: FastAPI) -> None:
    """Every error becomes a page a person can read (or a toast for htmx)."""
    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(ConfirmationNeeded, on_confirmation_needed)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, on_database_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_server_error)
