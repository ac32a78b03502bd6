"""Exception handlers: friendly pages for people, toasts for htmx, a login redirect when needed."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth.deps import actor_for_error_page
from app.web.errors import AppError, NotFoundError, SignInRequired
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


def error_response(
    request: Request, status_code: int, title: str, message: str, kept: str = ""
) -> Response:
    templates = get_templates(request)
    if is_htmx(request):
        return templates.render(
            request,
            "partials/toast.html",
            {"kind": "error", "message": message},
            status_code=status_code,
            headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"},
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


def install(app: FastAPI) -> None:
    async def on_app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        if isinstance(exc, SignInRequired):
            return sign_in_redirect(request)
        return error_response(request, exc.status_code, exc.title, exc.message, exc.kept)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not hasattr(request.state, "actor"):  # no route ran: an unknown address or method
            request.state.actor = await run_in_threadpool(actor_for_error_page, request)
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

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_server_error)
