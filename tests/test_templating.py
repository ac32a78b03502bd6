"""The template kit's Python helpers (app/web/templating.py)."""

from __future__ import annotations

import gc
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, Environment, Template
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, Macro
from markupsafe import Markup, escape
from sqlmodel import Session, select

from app.actions.repository import PlanAction
from app.db import Database, create_db_engine
from app.main import create_app
from app.models import Account, Role, User
from app.web import templating
from app.web.templating import Templates, escape_output, option
from tests.conftest import default_settings
from tests.factories import sign_in
from tests.testclient import TestClient


@pytest.mark.parametrize(
    ("value", "chosen", "selected"),
    [("a", "a", True), ("a", "b", False), (3, "3", True), ("3", 3, True), ("", None, False)],
)
def test_an_option_is_selected_when_its_value_is_the_chosen_one_as_text(
    value: object, chosen: object, selected: bool
) -> None:
    html = str(option(value, "Label", chosen))
    assert html.startswith(f'<option value="{value}"')
    assert (" selected>" in html) is selected


def test_an_options_value_and_label_are_escaped() -> None:
    html = str(option('"><script>', "<b>Tom & Jerry</b>", ""))
    assert html == (
        '<option value="&#34;&gt;&lt;script&gt;">&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</option>'
    )


def render(source: str, **context: object) -> str:
    templates = Templates(secret_key="k" * 64, base_globals={})
    return templates.env.from_string(source).render(csrf_token="T&K", **context)


def test_a_forms_opening_tag_escapes_what_it_writes_and_carries_the_csrf_token() -> None:
    html = render(
        '{{ form_open(url, "#x", class="inline", confirm=q, hidden={"v": "1\\"2"}) }}</form>',
        url="/a?b=1&c=<2>",
        q='Remove "it"?',
    )
    assert html == (
        '<form class="inline" method="post" action="/a?b=1&amp;c=&lt;2&gt;"'
        ' hx-post="/a?b=1&amp;c=&lt;2&gt;" hx-target="#x" hx-swap="outerHTML"'
        ' hx-confirm="Remove &#34;it&#34;?" data-confirm="Remove &#34;it&#34;?">\n'
        '  <input type="hidden" name="csrf_token" value="T&amp;K">\n'
        '  <input type="hidden" name="confirm_question" value="Remove &#34;it&#34;?">\n'
        '  <input type="hidden" name="v" value="1&#34;2"></form>'
    )


def test_the_form_macro_and_form_open_write_the_same_form() -> None:
    """``ui.form`` is ``form_open`` around its caller: one source for a form's markup."""
    call = (
        '{% import "macros.html" as ui with context %}'
        '{% call ui.form("/u", id="f", novalidate=True, hx=False) %}<b>x</b>{% endcall %}'
    )
    direct = '{{ form_open("/u", id="f", novalidate=True, hx=False) }}\n  <b>x</b>\n</form>'
    assert render(call).strip() == render(direct)
    assert render(direct).startswith('<form id="f" method="post" action="/u" novalidate>')


class _Html:
    def __html__(self) -> str:
        return "<b>kept</b>"


class _Shown:
    def __str__(self) -> str:
        return "a \"<quoted>\" & 'single'"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Plain words",
        "<script>alert('x') & \"y\"</script>",
        0,
        -42,
        12345678901234567,
        True,
        3.5,
        None,
        Markup("<em>safe</em>"),
        _Html(),
        _Shown(),
        Role.LEAD,
        date(2026, 12, 4),
    ],
)
def test_what_a_page_writes_out_is_escaped_as_markupsafe_escapes_it(value: object) -> None:
    """``escape_output`` (issue 13: no ``Markup`` built for each ``{{ ... }}``) writes the same
    text as ``markupsafe.escape``, for text, numbers, markup and other objects."""
    assert escape_output(value) == str(escape(value))
    assert render("<p>{{ v }}</p>", v=value) == f"<p>{escape(value)}</p>"


def test_the_pages_templates_write_out_through_escape_output() -> None:
    templates = Templates(secret_key="k" * 64, base_globals={})
    page = templates.env.get_template("plans/show.html")
    assert page.root_render_func.__globals__["escape"] is escape_output
    # A macro's result and a block set with {% set %} are still markup: not escaped again.
    source = (
        "{% macro b(x) %}<b>{{ x }}</b>{% endmacro %}{% set s %}<i>{{ v }}</i>{% endset %}"
        "{{ b(v) }}|{{ s }}|{{ '<' ~ v }}"
    )
    assert render(source, v="<&>") == (
        "<b>&lt;&amp;&gt;</b>|<i>&lt;&amp;&gt;</i>|&lt;&lt;&amp;&gt;"
    )


@pytest.mark.parametrize(("environment", "reloads"), [("development", True), ("test", False)])
def test_templates_are_read_again_when_changed_only_in_development(
    environment: str, reloads: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In development an edited template shows at the next render; elsewhere a render asks
    nothing of the disk (templates change only with a deployment)."""
    monkeypatch.setattr(templating, "TEMPLATE_DIR", tmp_path)
    page = tmp_path / "page.html"
    page.write_text("first")
    settings = default_settings().model_copy(update={"environment": environment})
    db = Database(create_db_engine("sqlite://"))
    templates = create_app(settings, db).state.templates
    assert templates.env.get_template("page.html").render() == "first"
    page.write_text("second, and longer")
    os.utime(page, (page.stat().st_mtime + 5,) * 2)  # a later time, however coarse the clock
    assert templates.env.get_template("page.html").render() == (
        "second, and longer" if reloads else "first"
    )
    db.dispose()


def test_a_second_environment_uses_the_compiled_code_unless_the_template_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``Templates`` of the process shares each template's compiled code
    (``templating.COMPILED``): the tests build an app for each change of settings, and compiling
    every template again cost up to 1.5 s an app. Edited, a template is compiled again."""
    monkeypatch.setattr(templating, "TEMPLATE_DIR", tmp_path)
    monkeypatch.setattr(templating, "COMPILED", templating.CompiledTemplates())
    page = tmp_path / "page.html"
    page.write_text("<p>{{ v }}</p>")

    def fresh() -> tuple[Templates, list[str]]:
        templates = Templates(secret_key="k" * 64, base_globals={})
        compiled: list[str] = []
        compile_source = templates.env.compile

        def counted(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
            compiled.append(str(name))
            return compile_source(source, name, *args, **kwargs)

        templates.env.compile = counted  # type: ignore[method-assign]
        return templates, compiled

    first, compiled = fresh()
    assert first.env.get_template("page.html").render(v="<&>") == "<p>&lt;&amp;&gt;</p>"
    assert compiled == ["page.html"]
    second, compiled = fresh()
    template = second.env.get_template("page.html")
    assert compiled == []  # the first one's code
    assert template.render(v="<&>") == "<p>&lt;&amp;&gt;</p>"
    assert template.root_render_func.__globals__["escape"] is escape_output

    page.write_text("<b>{{ v }}</b>")
    third, compiled = fresh()
    assert third.env.get_template("page.html").render(v="x") == "<b>x</b>"
    assert compiled == ["page.html"]


# --------------------------------------------------------------------------------------------
# Modules imported with context: made once a render for the same values of what they read
# --------------------------------------------------------------------------------------------


def page_env(sources: dict[str, str], *, reload: bool = False) -> tuple[Environment, list[str]]:
    """An environment of the pages' kind over ``sources``, with ``tick(name)``, which records
    each time a module's top level runs (``made``)."""
    made: list[str] = []
    env = Environment(loader=DictLoader(sources), auto_reload=reload, autoescape=True)
    env.template_class = templating.PageTemplate

    def tick(name: str) -> str:
        made.append(name)
        return ""

    env.globals["tick"] = tick
    return env, made


MACROS = '{% set _ = tick("m") %}{% macro show() %}[{{ who }}]{% endmacro %}'


def test_a_module_imported_by_several_templates_is_made_once_a_render() -> None:
    env, made = page_env(
        {
            "m.html": MACROS,
            "part.html": '{% import "m.html" as m with context %}{{ m.show() }}',
            "page.html": '{% import "m.html" as m with context %}{{ m.show() }}'
            '{% include "part.html" %}{% include "part.html" %}',
        }
    )
    page = env.get_template("page.html")
    assert page.render(who="a", **{templating.MODULES: {}}) == "[a][a][a]"
    assert made == ["m"]
    # Without the render's cache (a template drawn outside ``Templates.render``), as Jinja does.
    made.clear()
    assert page.render(who="a") == "[a][a][a]"
    assert made == ["m", "m", "m"]


def test_a_module_is_made_again_where_what_it_reads_differs() -> None:
    """A name the module reads, by itself or through a template it imports, set otherwise
    where it is imported: each import site sees its own."""
    env, made = page_env(
        {
            "m.html": MACROS,
            "outer.html": '{% import "m.html" as inner with context %}'
            "{% macro show() %}{{ inner.show() }}{% endmacro %}",
            "page.html": '{% for who in ["a", "b"] %}{% import "m.html" as m with context %}'
            '{% import "outer.html" as o with context %}{{ m.show() }}{{ o.show() }}{% endfor %}'
            '{% import "m.html" as m with context %}{{ m.show() }}',
        }
    )
    page = env.get_template("page.html")
    assert page.render(who="c", **{templating.MODULES: {}}) == "[a][a][b][b][c]"
    assert made == ["m", "m", "m"]  # once for each of a, b and c


def test_a_module_is_made_at_every_import_where_templates_are_read_again() -> None:
    """In development a template it imports may change to read more: no render cache."""
    env, made = page_env(
        {"m.html": MACROS, "page.html": '{% import "m.html" as m with context %}' * 2},
        reload=True,
    )
    assert env.get_template("page.html").render(**{templating.MODULES: {}}) == ""
    assert made == ["m", "m"]


def test_what_the_template_functions_read_of_the_context_counts_as_read() -> None:
    """The functions given the template's context (``pass_context``) read names that no
    template's text shows: every one of them is in ``AMBIENT``, so a module whose macros call
    them is made again where those differ."""
    source = Path(templating.__file__).read_text()
    read = set(re.findall(r"context(?:\.get\(|\[)\"(\w+)\"", source))
    assert read, "the pattern no longer finds the functions' reads"
    assert read <= templating.AMBIENT, read - templating.AMBIENT


def test_every_page_is_drawn_as_with_a_module_made_at_every_import(
    loaded_demo: None, session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's pages, as far as the lead and the sponsor reach from their home page (one
    page a kind of address), byte for byte the same with the render's cache of modules as
    without it."""
    monkeypatch.setattr(templating, "mask_token", lambda token: token)  # the same in both
    made: list[str] = []  # the modules Jinja made
    make_module = Template.make_module

    def counted(self: Template, *args: Any, **kwargs: Any) -> Any:
        made.append(str(self.name))
        return make_module(self, *args, **kwargs)

    monkeypatch.setattr(Template, "make_module", counted)
    modules = {"cached": 0, "each import": 0}
    harbor = session.exec(select(Account).where(Account.name == "Harbor Logistics")).one()
    compared = 0
    for email in ("lead@brightwell.example", "sponsor@harbor.example"):
        sign_in(client, session, session.exec(select(User).where(User.email == email)).one())
        queue, seen = ["/", f"/accounts/{harbor.id}/plan"], set()
        while queue and len(seen) < 60:
            path = queue.pop(0)
            kind = re.sub(r"/\d+(?=/|$)", "/{id}", path)
            if kind in seen or re.search(r"^/(static/|logout|dev/)|\.\w+$|/events$", path):
                continue
            seen.add(kind)
            made.clear()
            cached = client.get(path)
            modules["cached"] += len(made)
            made.clear()
            with monkeypatch.context() as each_import:
                each_import.setattr(templating.PageTemplate, "reads", lambda _self: None)
                made_each_time = client.get(path)
            modules["each import"] += len(made)
            assert cached.status_code == made_each_time.status_code, path
            if not cached.headers.get("content-type", "").startswith("text/html"):
                continue
            assert cached.text == made_each_time.text, path
            compared += 1
            queue += re.findall(r'href="(/[^"?#]*)', cached.text)
    assert compared >= 30, compared
    assert modules["cached"] < modules["each import"] / 2, modules


# --------------------------------------------------------------------------------------------
# A render lets go of what it made: nothing of a page waits for the cycle collector
# --------------------------------------------------------------------------------------------


class Data:
    """Something a page's context holds (a collector-tracked object, as a view row is)."""


def unreachable_after(draw: Any) -> list[Any]:
    """What only the collector of reference cycles would free after ``draw()``."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        draw()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def test_a_render_lets_go_of_its_contexts_and_what_they_hold() -> None:
    """Each context holding a macro is in a reference cycle (the macro's code refers to it):
    once ``release`` empties them, the context's data is freed by its last reference."""
    env, _made = page_env(
        {
            "m.html": MACROS,
            "part.html": '{% import "m.html" as m with context %}{{ m.show() }}',
            "page.html": '{% import "m.html" as m with context %}{% macro own() %}!{% endmacro %}'
            '{{ m.show() }}{% include "part.html" %}{{ own() }}{{ rows | length }}',
        }
    )
    env.context_class = templating.PageContext
    page = env.get_template("page.html")

    def draw(released: bool) -> None:
        values = {"who": "a", "rows": [Data()], templating.MODULES: {}, templating.CONTEXTS: []}
        assert page.render(values) == "[a][a]!1"
        assert len(values[templating.CONTEXTS]) == 3  # the page's, the include's, the module's
        if released:
            templating.release(values)

    kept = unreachable_after(lambda: draw(released=False))
    assert any(isinstance(found, Data) for found in kept), "no cycle to break: the test is moot"
    freed = unreachable_after(lambda: draw(released=True))
    assert not [found for found in freed if isinstance(found, Data | Context | Macro)]


def test_the_plan_page_leaves_nothing_of_its_render_to_the_cycle_collector(
    loaded_demo: None, session: Session, client: TestClient
) -> None:
    """The demo's plan page: none of its contexts, macros or rows waits for a collection."""
    lead = session.exec(select(User).where(User.email == "lead@brightwell.example")).one()
    harbor = session.exec(select(Account).where(Account.name == "Harbor Logistics")).one()
    sign_in(client, session, lead)
    path = f"/accounts/{harbor.id}/plan"
    assert client.get(path).status_code == 200  # the templates compiled

    def draw() -> None:
        assert client.get(path).status_code == 200

    left = [
        type(found).__name__
        for found in unreachable_after(draw)
        if isinstance(found, Context | Macro | TemplateModule | PlanAction)
    ]
    assert left == []


class Named:
    def __init__(self, id: int) -> None:
        self.id = id


def looped_env(source: str) -> Template:
    env, _made = page_env({"page.html": source})
    env.context_class = templating.PageContext
    env.globals["thread_toggle"] = templating.thread_toggle
    return env.get_template("page.html")


def test_a_page_function_called_in_a_loop_is_given_the_context_not_a_copy_of_it() -> None:
    """Jinja copies the context for it where the loop sets names (as the plan page's loops over
    priorities and initiatives do): not for the page's functions, which read none of them."""
    page = looped_env(
        '{% for i in [1, 2, 3] %}{% set item = i %}{{ thread_toggle("action", item) }}{% endfor %}'
    )
    values = {"account": Named(7), "comment_counts": {"action-2": 5}, templating.CONTEXTS: []}
    html = page.render(values)
    assert '<span id="comment-count-action-2">5</span>' in html
    assert html.count('hx-get="/accounts/7/threads/action/') == 3
    assert len(values[templating.CONTEXTS]) == 1  # Jinja would have made one for each call


def test_a_loop_that_binds_a_name_a_page_function_reads_still_gives_it_a_copy() -> None:
    """A name ``set`` in a loop is what Jinja's copy carries (the loop's own variable is not)."""
    page = looped_env(
        '{% for each in accounts %}{% set account = each %}{{ thread_toggle("action", 1) }}'
        "{% endfor %}"
        '{% set account = accounts[0] %}{{ thread_toggle("action", 2) }}'
    )
    values = {
        "account": Named(7),
        "accounts": [Named(8), Named(9)],
        "comment_counts": {},
        templating.CONTEXTS: [],
    }
    html = page.render(values)
    assert [int(n) for n in re.findall(r'hx-get="/accounts/(\d+)/', html)] == [8, 9, 8]


def test_a_callable_that_cannot_be_hashed_is_still_called_in_a_loop() -> None:
    """``PageContext.call`` looks a callable up among the page functions only if it is a plain
    function: any other may not hash (a dict that is also a callable, say)."""

    class Calls(dict[str, str]):
        def __call__(self) -> str:
            return "called"

    page = looped_env("{% for i in [1] %}{% set item = i %}{{ call_me() }}{% endfor %}")
    assert page.render({"call_me": Calls(), templating.CONTEXTS: []}) == "called"
