"""Logs of ``jointplan serve``: every record is one line of JSON.

- The access log (logger ``jointplan.access``): one line per request with its method, path (no
  query string; one-time tokens masked), status, duration in milliseconds, client address and
  request id. The request id is the proxy's ``X-Request-ID`` when it looks like one, otherwise a
  new one; it is sent back in ``X-Request-ID`` and added to every record logged while the request
  runs, so an error line and its access line share it.
- An error is one line too: ``error`` (the exception type), ``error_message`` and the
  ``traceback`` folded into the same record; an exception is logged once, by the app (with the
  request id), not again by the server it travels on to.

``logging_config`` is the ``logging.config.dictConfig`` of the server (uvicorn applies it in the
supervisor and in every worker).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Path parameters that are secrets (password-reset and invitation links): never in a log.
_SECRET_PARAMS = ("token",)

access_log = logging.getLogger("jointplan.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error"] = type(error).__qualname__
            entry["error_message"] = str(error)
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class OncePerException(logging.Filter):
    """An exception is logged once: the app's server-error handler logs it with the request's
    id, then it travels on to the server, which would log the same traceback again."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return True
        if getattr(error, "_jp_logged", False):
            return False
        # (An exception type that takes no attributes is simply logged every time.)
        with contextlib.suppress(AttributeError):
            error._jp_logged = True  # type: ignore[attr-defined]
        return True


def logging_config(level: str = "info") -> dict[str, Any]:
    """Every logger (the app's, uvicorn's, the libraries') through one JSON handler on stderr.
    uvicorn's own access log is off: ``AccessLogMiddleware`` writes a richer one."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "filters": {"once": {"()": f"{__name__}.OncePerException"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["once"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "jointplan.access": {"handlers": [], "level": "INFO", "propagate": True},
            # Readiness reads the schema's revision through Alembic, which narrates at INFO.
            "alembic": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def _logged_path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    params: dict[str, Any] = scope.get("path_params") or {}
    for name in _SECRET_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and value:
            path = path.replace(value, "…")
    return path


class AccessLogMiddleware:
    """The outermost of the app's middleware: one access line per request. An exception the app
    did not handle is answered (500) by the server-error handler outside; it is logged here as
    status 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID_SHAPE.fullmatch(incoming) else secrets.token_hex(8)
        REQUEST_ID.set(request_id)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = status or 500
            raise
        finally:
            client = scope.get("client")
            access_log.info(
                "%s %s %s",
                scope["method"],
                _logged_path(scope),
                status,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": _logged_path(scope),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": client[0] if client else "",
                    }
                },
            )
