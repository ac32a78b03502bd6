"""How a page answers a request: one responder for every domain.

A page is a template whose named blocks double as htmx fragments. After a request:

- ``render``: the whole page, or for an htmx request the fragment it asked for;
- ``done``: a change was saved; htmx gets the fragment again with a notice, a plain form post a
  303 to the page (at an anchor) with the notice as a flash message; the change commits before
  the fragment is rendered (``app.db.commit_before_answer``: writers wait on each other only
  while a change is made, not while its answer is drawn);
- ``leave``: a change saved on a page of its own (an edit form): back to where it belongs;
- ``refused``: the change was not made (422, 409); htmx gets the fragment, a plain post the whole
  page, with the status and with what the person typed (passed in the context) kept.

A fragment is addressed one way: ``Fragment(template, block)``, a named block of a template or
(``block=None``) a whole partial file. A bare string is a block of the page's own template.

An item edited on a page of its own (``edit_page``) is shown with the version its form is based
on and saved with ``EditPage.save``: the form again with its messages (422), or next to what is
saved now (409, ``app.kit.versioned.StaleEdit``), or on to where the item belongs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.db import commit_before_answer
from app.kit.versioned import StaleEdit
from app.permissions.policy import AccountAccess, Actor
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

Context = dict[str, Any]
V = TypeVar("V")


class HasVersion(Protocol):
    version: int


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
            commit_before_answer(self.request)
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
        commit_before_answer(self.request)  # what it read and locked to refuse: let go
        return self.render(part, status_code=status_code, **extra)


# What an account's page shows, for one person: ``context(db, actor, access)``.
AccountContext = Callable[[Session, Actor, AccountAccess], Context]
# An account's page for one request: ``page(request, db, actor, access)``.
AccountPage = Callable[[Request, Session, Actor, AccountAccess], Page]


def account_page_of(
    template: str, context: AccountContext, url: Callable[[AccountAccess], str]
) -> AccountPage:
    """The responder of an account's page: ``template`` at ``url(access)``, its context built
    by ``context`` only when something is rendered."""

    def page(request: Request, db: Session, actor: Actor, access: AccountAccess) -> Page:
        return Page(request, template, lambda: context(db, actor, access), url=url(access))

    return page


class EditPage(Page):
    """A page of its own that edits one versioned item (its template shows ``form``, the
    ``version`` it is based on, ``errors`` and, after a stale edit, ``stale``)."""

    def show(self, form: object, item: HasVersion) -> Response:
        """The form with the item's saved values, based on its version now."""
        return self.render(form=form, version=item.version)

    def save(
        self,
        form: object,
        values: V | FormErrors,
        *,
        version: int,
        item: HasVersion,
        save: Callable[[V], object],
        after: Callable[[], Response],
        on_stale: Callable[[StaleEdit], Context] | None = None,
    ) -> Response:
        """Save checked ``values`` (``save``) if the item is still at ``version``, then
        ``after()``. Nothing is saved on field errors (422) or when someone saved a newer
        version meanwhile (409: ``stale`` names who, ``on_stale`` adds what the page shows of
        it); either way the person's text stays in the form."""
        if isinstance(values, FormErrors):
            return self.refused(422, form=form, version=version, errors=values)
        try:
            save(values)
        except StaleEdit as stale:
            shown = on_stale(stale) if on_stale is not None else {}
            return self.refused(409, form=form, version=item.version, stale=stale, **shown)
        return after()


def edit_page(
    request: Request,
    template: str,
    access: AccountAccess,
    *,
    url: str,
    more: Callable[[], Context] | None = None,
    **items: Any,
) -> EditPage:
    """The page that edits an item of the account ``access`` (``items``: the item under its
    name, and what else the form needs); back to ``url`` after saving. ``more`` (queries) runs
    only when the page is rendered."""

    def context() -> Context:
        base = {"access": access, "account": access.account, "errors": FormErrors(), "stale": None}
        return base | items | (more() if more is not None else {})

    return EditPage(request, template, context, url=url)
