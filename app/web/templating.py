"""One Jinja environment; one template per page whose named blocks double as htmx fragments."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from datetime import date, datetime
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any
from zoneinfo import ZoneInfo

import markupsafe
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    meta,
    pass_context,
    select_autoescape,
)
from jinja2.bccache import Bucket
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2.utils import missing
from jinja2_fragments import render_block
from markupsafe import Markup, escape

from app.kit import moments, numbers, smart
from app.kit.clock import DEFAULT_ZONE, local_today, zone_named
from app.kit.numbers import DEFAULT_LOCALE
from app.kit.words import all_of, plural, possessive
from app.models import ROLE_LABELS, Role
from app.web.assets import static_versions
from app.web.fields import field, option
from app.web.security import mask_token

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIR = ROOT / "templates"
FLASH_COOKIE = "jp_flash"


_URL = re.compile(r"https?://[^\s<>\"']+")


@pass_context
def form_open(
    context: Context,
    url: str,
    target: str = "",
    swap: str = "outerHTML",
    *,
    confirm: str = "",
    novalidate: bool = False,
    hx: bool = True,
    id: str = "",
    hidden: Mapping[str, object] | None = None,
    **attributes: str,
) -> Markup:
    """A form's opening tag with its CSRF input (``ui.form``'s, which calls it): method,
    action, hx-post (the same URL), hx-target and hx-swap when given, the confirmation question
    (asked by the browser, and posted for the confirmation page without JavaScript) and hidden
    fields. A row of a long list writes ``{{ form_open(...) }} ... </form>``: a function call
    costs a tenth of a macro's call block. ``class`` is passed as ``class=``."""
    parts = ["<form"]
    if id:
        parts.append(f' id="{escape(id)}"')
    if attributes.get("class"):
        parts.append(f' class="{escape(attributes["class"])}"')
    action = escape(url)
    parts.append(f' method="post" action="{action}"')
    if attributes.get("enctype"):  # a file upload: multipart/form-data
        parts.append(f' enctype="{escape(attributes["enctype"])}"')
    if hx:
        parts.append(f' hx-post="{action}"')
    if target:
        parts.append(f' hx-target="{escape(target)}" hx-swap="{escape(swap)}"')
    question = escape(confirm)
    if confirm:
        parts.append(f' hx-confirm="{question}"' if hx else "")
        parts.append(f' data-confirm="{question}"')
    if novalidate:
        parts.append(" novalidate")
    token = escape(context.get("csrf_token", ""))
    parts.append(f'>\n  <input type="hidden" name="csrf_token" value="{token}">')
    if confirm:
        parts.append(f'\n  <input type="hidden" name="confirm_question" value="{question}">')
    for key, value in (hidden or {}).items():
        parts.append(f'\n  <input type="hidden" name="{escape(key)}" value="{escape(value)}">')
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)


@pass_context
def thread_toggle(context: Context, item_type: str, item_id: object, section: str = "") -> Markup:
    """The comment thread under an item: "Comments (N)", the thread loaded on first opening
    (htmx) or opened as a page of its own. N comes from the page's ``comment_counts`` (only
    comments the reader may see). Strategy sections pass the plan's id and the section kind.
    A function rather than a macro: the plan page draws one under every item."""
    key = f"strategy-{section}" if item_type == "strategy" else f"{item_type}-{item_id}"
    counts = context.get("comment_counts")
    count = counts.get(key, 0) if isinstance(counts, Mapping) else 0
    account = context["account"]
    url = f"/accounts/{account.id}/threads/{item_type}/{item_id}"
    if section:
        url += f"?section={section}"
    key, url = escape(key), escape(url)
    return Markup(  # noqa: S704 (every value in it is escaped)
        f'<details class="thread-toggle" id="thread-{key}" hx-get="{url}" hx-trigger="toggle once"'
        ' hx-target="find .thread-slot" hx-swap="innerHTML">\n'
        f'  <summary>Comments (<span id="comment-count-{key}">{int(count)}</span>)</summary>\n'
        f'  <div class="thread-slot"><a href="{url}">Open the comments</a></div>\n'
        "</details>"
    )


@pass_context
def item_files(context: Context, item_type: str, item_id: object, section: str = "") -> Markup:
    """The files under an item on the plan page (from the page's ``attachment_lists``: only
    files the reader may see, read in one query) and the link to the item's file page, where
    files are added and removed. Strategy sections pass the plan's id and the section kind. A
    function rather than a macro, like ``thread_toggle``: one under every item."""
    key = f"{item_type}-{section if item_type == 'strategy' else item_id}"
    lists = context.get("attachment_lists")
    listed = lists.get(key, []) if isinstance(lists, Mapping) else []
    account = context["account"].id
    url = f"/accounts/{account}/files/{item_type}/{item_id}"
    if section:
        url += f"?section={section}"
    parts = [f'<div class="item-files" id="item-files-{escape(key)}">']
    if listed:
        parts.append('\n  <ul class="file-list compact" aria-label="Files">\n    ')
        parts += [
            f'<li><a href="/accounts/{account}/attachments/{escape(f.id)}" download>'
            f'{escape(f.file_name)}</a> <span class="muted">{escape(f.size_text)}</span></li>'
            for f in listed
        ]
        parts.append("\n  </ul>")
    parts.append(
        f'\n  <a class="files-link" href="{escape(url)}">Files ({len(listed)})</a>\n</div>'
    )
    return Markup("".join(parts))  # noqa: S704 (every value in it is escaped)


def menu_open(title: str, id: str, open: bool = False) -> Markup:
    """The opening of an item's menu of rarely used controls (move, edit, remove): a native
    ``<details>``, so it opens by keyboard and without JavaScript (static/fold.js closes it on
    Escape); ``title`` names the item for screen readers, ``open`` keeps it open (after a
    move). The template closes it: ``{{ menu_open(...) }} ... </div></details>``. A function,
    not a macro's call block: a plan page has one on nearly every item."""
    shown = " open" if open else ""
    return Markup(  # noqa: S704 (every value in it is escaped)
        f'<details class="menu" id="{escape(id)}"{shown}>\n'
        f'  <summary class="button small menu-toggle" aria-label="More for “{escape(title)}”">'
        'More</summary>\n  <div class="menu-body">'
    )


def linkify(text: str) -> Markup:
    """Escape ``text`` and turn the web addresses in it into links (used for mail bodies)."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def viewer_zone(context: Context) -> ZoneInfo:
    """The zone of whoever reads the page: the signed-in person's (``Actor.zone``, resolved
    once per request with the session), else UTC."""
    actor = context.get("actor")
    zone = getattr(actor, "zone", None)
    return zone if isinstance(zone, ZoneInfo) else zone_named(DEFAULT_ZONE)


def viewer_locale(context: Context) -> str:
    """How the reader writes numbers and dates: the signed-in person's (``Actor.locale``),
    else the default."""
    locale = getattr(context.get("actor"), "locale", None)
    return locale if isinstance(locale, str) and numbers.is_locale(locale) else DEFAULT_LOCALE


def viewer_currency(context: Context) -> str:
    """The currency money is in: the reader's workspace's (``Actor.currency``)."""
    currency = getattr(context.get("actor"), "currency", None)
    if isinstance(currency, str) and numbers.is_currency(currency):
        return currency
    return numbers.DEFAULT_CURRENCY


@pass_context
def when(context: Context, at: datetime | None, on: bool = True) -> Markup:
    """``{{ x.created_at | when }}``: the one way a page shows a moment (``moments``)."""
    if at is None:
        return Markup("")
    return moments.time_element(at, viewer_zone(context), on=on, locale=viewer_locale(context))


@pass_context
def exact_time(context: Context, at: datetime | None) -> str:
    """``{{ x.created_at | exact }}``: '3 Dec 2026, 14:05 CET', for text that has no hover."""
    if at is None:
        return ""
    return moments.exact(at, viewer_zone(context), viewer_locale(context))


@pass_context
def number(context: Context, value: numbers.Number) -> str:
    """``{{ n | number }}``: a whole number, grouped as the reader's locale groups it."""
    return numbers.number(value, viewer_locale(context))


@pass_context
def decimal(context: Context, value: numbers.Number, places: int = 1) -> str:
    """``{{ x | decimal }}``: one decimal (``decimal(2)`` two), the reader's separators."""
    return numbers.decimal(value, viewer_locale(context), places=places)


@pass_context
def money(context: Context, value: numbers.Number, places: int = 0) -> str:
    """``{{ x | money }}``: a whole amount in the workspace's currency: '€10,000'
    (``money(1)``: one decimal)."""
    locale = viewer_locale(context)
    return numbers.money(value, viewer_currency(context), locale, places=places)


@pass_context
def percent(context: Context, value: numbers.Number | None) -> str:
    """``{{ share | percent }}``: 0.25 as '25%' ('25 %' in de-DE); None (nothing to measure)
    as '—'."""
    return "—" if value is None else numbers.percent(value, viewer_locale(context))


@pass_context
def day(context: Context, on: date | datetime | None) -> Markup:
    """``{{ d | date }}``: a calendar day in a ``<time>``, as the reader's locale writes it."""
    if on is None:
        return Markup("")
    plain = on.date() if isinstance(on, datetime) else on
    shown = escape(numbers.date(plain, viewer_locale(context)))
    return Markup(f'<time datetime="{plain.isoformat()}">{shown}</time>')  # noqa: S704


@pass_context
def smart_goal(context: Context, text: str, detail: str = "") -> list[smart.Prompt]:
    """``{{ goal.text | smart_goal(goal.detail) }}``: what the goal lacks to be SMART, as of
    today where the reader lives (``app.kit.smart``)."""
    return smart.check_goal(text, detail=detail, today=local_today(viewer_zone(context)))


@pass_context
def day_text(context: Context, on: date | datetime | None) -> str:
    """``{{ d | date_text }}``: the day as plain text (a title, a confirmation question)."""
    return numbers.date(on, viewer_locale(context)) if on is not None else ""


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )


# ``markupsafe.escape`` without its ``Markup``: its escaping of a ``str`` to a ``str`` (in C
# where its extension is built), what ``escape`` calls before it wraps the result. A private
# name: a markupsafe without it falls back to ``escape`` itself (the same text, slower).
_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", None) or (
    lambda text: str(escape(text))
)


def escape_output(value: object) -> str:
    """What ``markupsafe.escape`` makes of a value a template writes out (``{{ ... }}``), as a
    plain string: the same text, without a ``Markup`` built for each piece. Jinja joins the
    pieces into the page (or into a macro's result, which it makes ``Markup`` then) at once,
    so their type is never seen; the large plan's page writes about 5,000 of them, and a
    ``Markup`` costs two thirds of an escape (about 300 ns of 400-450)."""
    kind = value.__class__
    if kind is str:
        return _escape_text(value)  # type: ignore[arg-type]
    if kind is int:
        return str(value)  # digits and a sign: nothing to escape
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return _escape_text(str(value))


# What the functions above that take the template's context (``pass_context``) read from it:
# an imported module's macros see these through those functions as well as by name.
AMBIENT = frozenset({"account", "actor", "attachment_lists", "comment_counts", "csrf_token"})
# The functions the pages call with their context (globals of ``Templates``): they read only
# names of ``AMBIENT`` from it (``PageContext.call``).
PAGE_FUNCTIONS: frozenset[Callable[..., Any]] = frozenset({form_open, thread_toggle, item_files})
# The key of the render's cache of imported modules in its context (``PageTemplate.make_module``).
MODULES = "_imported_modules"
# The key of the list of every Jinja context a render made (``PageContext``).
CONTEXTS = "_render_contexts"


class PageContext(Context):
    """A Jinja context that a render lets go of as it ends (``release``).

    Every context that holds a macro is in a reference cycle: the macro's code refers to the
    context it was defined in. Whatever the context reaches (the whole page's data: a large
    plan's rows, views, ORM objects) would then wait for the cyclic garbage collector, which
    stops every thread while it scans. Each context registers itself in the list the render put
    under ``CONTEXTS`` (Jinja makes one for the page, each include, each import and each scoped
    block, from the dict it is given, so they all find it), and ``release`` empties them once
    the render is done: the page's data is then freed as soon as the answer is made."""

    def __init__(
        self,
        environment: Environment,
        parent: dict[str, Any],
        name: str | None,
        blocks: dict[str, Any],
        globals: MutableMapping[str, Any] | None = None,
    ) -> None:
        super().__init__(environment, parent, name, blocks, globals)
        made = parent.get(CONTEXTS)
        if isinstance(made, list):
            made.append(self)

    def call(self, obj: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Jinja gives a function that takes the context (``pass_context``), called in a loop
        or after a ``set`` in a block, a copy of the whole context with the loop's names in it
        (``derived``): 148 copies of the large plan's page context, a call to ``form_open``,
        ``thread_toggle`` or ``item_files`` under each priority and initiative. Those three
        read only names of ``AMBIENT`` (a test holds them to it), so they get the context
        itself, unless the loop or the block binds one of those names: what they read is
        then the same."""
        if type(obj) is FunctionType and obj in PAGE_FUNCTIONS:  # a callable may not hash
            for scope in ("_loop_vars", "_block_vars"):
                local = kwargs.get(scope)
                if local and AMBIENT.isdisjoint(local):
                    del kwargs[scope]
        return super().call(obj, *args, **kwargs)


def release(values: dict[str, Any]) -> None:
    """Let go of what the render of ``values`` made (``PageContext``): its contexts' names and
    its imported modules. The render's output is already made; its data is freed as soon as
    nothing else holds it, not at the next collection of reference cycles."""
    for context in values.pop(CONTEXTS, ()):
        context.vars.clear()
        context.exported_vars.clear()
        context.parent = {}
    values.pop(MODULES, {}).clear()


class PageTemplate(Template):
    """A template of the pages: its output expressions escape with ``escape_output``. Jinja's
    compiled templates call the name ``escape`` of their module for every ``{{ ... }}`` (and
    for nothing else); it is the one function of that module changed here.

    Imported ``with context``, a template is made into a module once per render for the same
    values of what it reads: each section of the plan page imports the shared macros again
    (25 imports on the large plan's page, about a tenth of its time), and Jinja makes a new
    module for each, running the template's top level and defining every macro again."""

    _reads: frozenset[str] | None = None  # ``reads()``, worked out once a template
    _reads_known = False

    def make_module(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> TemplateModule:
        """The module, made once per render (``Templates.render`` puts a cache in the context,
        ``MODULES``) for the same objects under every name it may read (``reads``): its macros
        see the context as it was when it was imported, and what they can see of it is the
        same. (Templates change nothing they are given.)"""
        modules = vars.get(MODULES) if vars is not None else None
        reads = self.reads() if isinstance(modules, dict) else None
        if vars is None or not isinstance(modules, dict) or reads is None:
            return super().make_module(vars, shared, locals)
        local = locals or {}
        seen = tuple(
            local[name] if local.get(name, missing) is not missing else vars.get(name, missing)
            for name in reads
        )
        key = (self.name, tuple(map(id, seen)))
        found = modules.get(key)
        if found is None:
            # The module's context holds every object keyed here: no id is reused while cached.
            found = modules[key] = super().make_module(vars, shared, locals)
        return found

    def reads(self) -> frozenset[str] | None:
        """Every name this template may read from the context it is imported with: its own
        undeclared names, those of each template it imports or includes (they see that
        context too), and ``AMBIENT``. None (made afresh at each import, as Jinja does) when
        one of them is named only at render time, or when templates are read again as they
        change on disk (development): a template it imports could come to read more."""
        if not self._reads_known:
            reloads = self.environment.auto_reload
            self._reads = None if reloads else _reads_of(self.environment, self.name, set())
            self._reads_known = True
        return self._reads

    @classmethod
    def from_code(
        cls,
        environment: Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = escape_output
        return template


def _reads_of(environment: Environment, name: str | None, seen: set[str]) -> frozenset[str] | None:
    """``PageTemplate.reads`` of the template ``name``; ``seen``: the templates already counted
    (each adds its names once)."""
    if name is None or environment.loader is None:
        return None
    if name in seen:
        return frozenset()
    seen.add(name)
    own, referenced = _names_in(environment, environment.loader.get_source(environment, name)[0])
    names = own | AMBIENT
    for other in referenced:
        nested = _reads_of(environment, other, seen)
        if nested is None:
            return None
        names |= nested
    return frozenset(names)


# By a template's source: the names it reads and the templates it names (None: one named at
# render time). Parsed once a process, as ``COMPILED`` compiles once: the tests build many apps.
_NAMES: dict[str, tuple[frozenset[str], tuple[str | None, ...]]] = {}


def _names_in(
    environment: Environment, source: str
) -> tuple[frozenset[str], tuple[str | None, ...]]:
    found = _NAMES.get(source)
    if found is None:
        tree = environment.parse(source)
        reads = frozenset(meta.find_undeclared_variables(tree))
        found = _NAMES[source] = (reads, tuple(meta.find_referenced_templates(tree)))
    return found


class CompiledTemplates(BytecodeCache):
    """Each template's compiled code, kept for the life of the process and shared by every
    ``Templates`` built in it: a process that builds more than one app (the tests build one for
    each change of settings) compiles each template once, not once an app. Jinja checks the
    source's checksum before it uses the code, so an edited template is compiled again. Only
    for environments configured alike (``Templates`` builds them all one way): the code depends
    on the syntax options."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


class Templates:
    def __init__(
        self,
        *,
        secret_key: str,
        base_globals: dict[str, Any],
        secure_cookies: bool = False,
        reload: bool = True,
    ) -> None:
        """``reload``: each render first asks whether its template files changed on disk (a
        ``stat`` per file), so that an edited template shows without a restart. Off where
        templates change only with a deployment."""
        self.secure_cookies = secure_cookies
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATE_DIR),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=reload,
            bytecode_cache=COMPILED,
        )
        self.env.template_class = PageTemplate
        self.env.context_class = PageContext
        versions = static_versions()

        def static_url(path: str) -> str:
            return f"/static/{path}?v={versions.get(path, '0')}"

        self.env.filters["linkify"] = linkify
        self.env.filters["when"] = when
        self.env.filters["exact"] = exact_time
        self.env.filters.update(
            number=number,
            decimal=decimal,
            money=money,
            percent=percent,
            date=day,
            date_text=day_text,
            smart_goal=smart_goal,
        )
        self.env.filters["possessive"] = possessive
        self.env.globals.update(
            static_url=static_url,
            option=option,
            form_field=field,
            form_open=form_open,
            thread_toggle=thread_toggle,
            menu_open=menu_open,
            item_files=item_files,
            plural=plural,
            all_of=all_of,
            role_labels={r.value: label for r, label in ROLE_LABELS.items()},
            Role=Role,
            **base_globals,
        )
        self._flash = URLSafeSerializer(secret_key, salt="flash")

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        block: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """The whole page, or only ``block`` when given (for an htmx request)."""
        ctx: dict[str, Any] = {
            "request": request,
            "actor": getattr(request.state, "actor", None),
            # Masked afresh for each response: compression must not reveal it (security.py).
            "csrf_token": mask_token(getattr(request.state, "csrf_token", "")),
            "flashes": [] if block else self._read_flashes(request),
            MODULES: {},  # this render's imported modules (``PageTemplate.make_module``)
            CONTEXTS: [],  # the contexts it makes, let go of once it is done (``release``)
        }
        ctx.update(context or {})
        try:
            if block:
                content = render_block(self.env, name, block, ctx)
            else:
                content = self.env.get_template(name).render(ctx)
        finally:
            release(ctx)
        response = HTMLResponse(content, status_code=status_code, headers=headers)
        if ctx["flashes"]:
            response.delete_cookie(
                FLASH_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure_cookies
            )
        return response

    def flash(self, response: Response, message: str, *, kind: str = "success") -> None:
        """Show ``message`` on the next full page this browser loads (after a redirect)."""
        response.set_cookie(
            FLASH_COOKIE,
            self._flash.dumps([kind, message]),
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            max_age=120,
        )

    def _read_flashes(self, request: Request) -> list[tuple[str, str]]:
        raw = request.cookies.get(FLASH_COOKIE)
        if not raw:
            return []
        try:
            kind, message = self._flash.loads(raw)
        except (BadSignature, ValueError):
            return []
        return [(str(kind), str(message))]


def get_templates(request: Request) -> Templates:
    templates: Templates = request.app.state.templates
    return templates
