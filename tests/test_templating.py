"""The template kit's Python helpers (app/web/templating.py)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup, escape

from app.db import Database, create_db_engine
from app.main import create_app
from app.models import Role
from app.web import templating
from app.web.templating import Templates, escape_output, option
from tests.conftest import default_settings


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
