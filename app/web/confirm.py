"""Asking before a change that cannot be taken back, with JavaScript or without.

A route flagged with ``asks_first`` (a remove, a withdrawal, a sign-off: every route that a form
built with ``ui.form(confirm=...)`` posts to) changes nothing until its request carries
``confirmed=yes``. With JavaScript, ``app.js`` adds that field once the person has said OK to
the browser's question (htmx's ``hx-confirm``, or ``data-confirm`` on a plain form), so they
are asked once. Without it, the request gets a confirmation page instead (200): the question
the form carried, a button that posts the same fields again with the confirmation, and a Cancel
link back to the page it came from (same site only).

- The check runs after every other dependency of the route, the guards included: a person who
  may not make the change gets the same 404 or 403 as before, never a question that tells that
  an item exists. It runs before the handler, and the request's transaction is rolled back, so
  an unconfirmed request changes nothing. A route that looks its item up in its handler asks
  the same about any id, existing or not: the page shows nothing the server read.
- The CSRF check (``app.web.security``) runs before it on both steps, as on every post.
- The question is the one the page wrote into the form (``ui.form`` posts it as
  ``confirm_question``), shown as text on one line; a request without it gets a plain one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response

from app.web.forms import FORM_TYPES, clean_line, safe_next
from app.web.security import CSRF_FIELD
from app.web.templating import get_templates, is_htmx

CONFIRM_FIELD = "confirmed"
CONFIRMED = "yes"
QUESTION_FIELD = "confirm_question"
# What a test or a script posts to say "the person confirmed".
CONFIRMATION = {CONFIRM_FIELD: CONFIRMED}
MAX_QUESTION = 500
TEMPLATE = "partials/confirm.html"
# The name of the parameter ``asks_first`` adds to an endpoint (not a form field).
_PARAMETER = "jp_confirmation"
_NOT_REPOSTED = frozenset({CSRF_FIELD, CONFIRM_FIELD, QUESTION_FIELD})

E = TypeVar("E", bound=Callable[..., Any])


@dataclass(frozen=True)
class Asking:
    """The confirmation page of one request: the ``question``, the ``action`` its button says
    (``danger`` when it removes something), the form's ``url`` and ``fields`` to post again,
    and ``back``, where Cancel goes."""

    action: str
    danger: bool
    question: str
    url: str
    fields: tuple[tuple[str, str], ...]
    back: str
    details: tuple[str, ...] = ()  # what the person is shown before they answer, line by line


class ConfirmationNeeded(Exception):
    """Raised before the handler of an unconfirmed request; answered with the page."""

    def __init__(self, asking: Asking) -> None:
        super().__init__(asking.question)
        self.asking = asking


def back_to(request: Request) -> str:
    """The page the request came from (its Referer) when it is on this site, else home."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    own = urlsplit(str(request.base_url))
    if not referer or (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
        return "/"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path)


def _question(value: object, action: str) -> str:
    text = clean_line(value) if isinstance(value, str) else ""
    if not text or len(text) > MAX_QUESTION:
        return f"{action}: are you sure? This cannot be undone."
    return text


def _requirement(action: str, danger: bool) -> Callable[..., Any]:
    async def require_confirmation(request: Request) -> None:
        is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
        form = await request.form() if is_form else None
        if form is not None and form.get(CONFIRM_FIELD) == CONFIRMED:
            return
        items = form.multi_items() if form is not None else []
        fields = tuple((k, v) for k, v in items if isinstance(v, str) and k not in _NOT_REPOSTED)
        question = _question(form.get(QUESTION_FIELD) if form is not None else None, action)
        url = request.url.path
        raise ConfirmationNeeded(Asking(action, danger, question, url, fields, back_to(request)))

    return require_confirmation


def asks_first(action: str = "Remove", *, danger: bool = True) -> Callable[[E], E]:
    """Flag a route: its endpoint runs only for a request that carries the confirmation.
    ``action`` labels the confirmation page's button ("Remove", "Sign off")."""

    def flag(endpoint: E) -> E:
        signature = inspect.signature(endpoint, eval_str=True)
        needed = Annotated[None, Depends(_requirement(action, danger))]
        extra = inspect.Parameter(_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=needed)
        checked: Any  # a function that gets two attributes below
        if inspect.iscoroutinefunction(endpoint):

            async def checked(*args: Any, **kwargs: Any) -> Any:
                kwargs.pop(_PARAMETER, None)
                return await endpoint(*args, **kwargs)
        else:

            def checked(*args: Any, **kwargs: Any) -> Any:
                kwargs.pop(_PARAMETER, None)
                return endpoint(*args, **kwargs)

        functools.update_wrapper(checked, endpoint)
        # Last: FastAPI resolves the route's guards (the other parameters) before it.
        checked.__signature__ = signature.replace(
            parameters=[*signature.parameters.values(), extra]
        )
        checked.jp_asks_first = action
        return checked  # type: ignore[no-any-return]

    return flag


def asks_first_of(endpoint: Callable[..., Any]) -> str:
    """The action a flagged endpoint asks about, or "" when it is not flagged."""
    return str(getattr(endpoint, "jp_asks_first", ""))


async def on_confirmation_needed(request: Request, exc: Exception) -> Response:
    """The confirmation page. An htmx request (a page whose script is older than this check)
    gets it as the whole page too: its form is a plain one, so it works from there."""
    assert isinstance(exc, ConfirmationNeeded)
    asking = exc.asking
    headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML"} if is_htmx(request) else None
    return get_templates(request).render(request, TEMPLATE, {"asking": asking}, headers=headers)
