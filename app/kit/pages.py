"""How a page answers a request: one responder for every domain.

A page is a template whose named blocks double as htmx fragments. After a request:

- ``render``: the whole page, or for an htmx request the fragment it asked for;
- ``done``: a change was saved; htmx gets the fragment again with a notice, a plain form post a
  303 to the page (at an anchor) with the notice as a flash message;
- ``leave``: a change saved on a page of its own (an edit form): back to where it belongs;
- ``refused``: the change was not made (422, 409); htmx gets the fragment, a plain post the whole
  page, with the status and with what the person typed (passed in the context) kept.

A fragment is addressed one way: ``Fragment(template, block)``, a named block of a template or
(``block=None``) a whole partial file. A bare string is a block of the page's own template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.web.templating import get_templates, is_htmx

Context = dict[str, Any]


@dataclass(frozen=True)
class Fragment:
    """A part of a page that htmx swaps on its own: a named block, or a whole partial file."""

    template: str
    block: str | None = None


def render(
    request: Request,
    what: str | Fragment,
    context: Context,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A whole template (``str``) or one fragment of one. A fragment shows no flash message, so
    it leaves one waiting for the next whole page (a partial file would otherwise take it)."""
    if isinstance(what, Fragment):
        context = {"flashes": []} | context
    fragment = what if isinstance(what, Fragment) else Fragment(what)
    return get_templates(request).render(
        request,
        fragment.template,
        context,
        block=fragment.block,
        status_code=status_code,
        headers=headers,
    )


def redirect(request: Request, url: str, notice: str = "", *, kind: str = "success") -> Response:
    """303 to ``url``; ``notice`` shows on the page the browser lands on."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        get_templates(request).flash(response, notice, kind=kind)
    return response


class Page:
    """One page: its template, how to build its context (only when it is rendered), its URL."""

    def __init__(
        self,
        request: Request,
        template: str,
        context: Callable[[], Context],
        *,
        url: str,
    ) -> None:
        self.request = request
        self.template = template
        self.context = context
        self.url = url

    def fragment(self, part: str | Fragment) -> Fragment:
        return part if isinstance(part, Fragment) else Fragment(self.template, part)

    def render(
        self, part: str | Fragment | None = None, *, status_code: int = 200, **extra: Any
    ) -> Response:
        """The whole page, or ``part`` of it when htmx asks."""
        what: str | Fragment = self.template
        if part is not None and is_htmx(self.request):
            what = self.fragment(part)
        return render(self.request, what, self.context() | extra, status_code=status_code)

    def done(
        self,
        notice: str,
        part: str | Fragment,
        *,
        anchor: str | None = None,
        notice_as: str = "notice",
        **extra: Any,
    ) -> Response:
        """After a saved change: ``part`` with the notice for htmx, else back to the page at
        ``anchor`` (``part``'s block name by default) with the notice as a flash."""
        if is_htmx(self.request):
            return render(
                self.request, self.fragment(part), self.context() | {notice_as: notice} | extra
            )
        if anchor is None:
            anchor = part if isinstance(part, str) else (part.block or "")
        return self.leave(notice, anchor)

    def leave(self, notice: str, anchor: str = "") -> Response:
        """After a change made on a page of its own (an edit form): back to ``url`` (at
        ``anchor``) with the notice as a flash, whoever asked."""
        return redirect(self.request, f"{self.url}#{anchor}" if anchor else self.url, notice)

    def refused(
        self, status_code: int, part: str | Fragment | None = None, **extra: Any
    ) -> Response:
        """A change not made: ``part`` for htmx, the whole page otherwise, with ``extra`` (the
        person's text and the messages) in the context."""
        return self.render(part, status_code=status_code, **extra)
