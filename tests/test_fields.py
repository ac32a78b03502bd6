"""The template kit's form field (``ui.field``, app/web/fields.py): what each control writes,
how it is described to a screen reader, and that everything a person typed is escaped."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import Markup

from app.web.fields import described, field
from app.web.templating import Templates


def render(source: str, **context: Any) -> str:
    env = Templates(secret_key="f" * 64, base_globals={}).env
    return env.from_string('{% import "macros.html" as ui %}' + source).render(**context)


def flat(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_a_text_input_with_its_label_is_required_unless_optional() -> None:
    assert flat(field("title", "Title", "Q3 review", {})) == (
        '<div class="field"><label for="f-title">Title</label>'
        '<input id="f-title" name="title" type="text" value="Q3 review" autocomplete="off" required>'
        "</div>"
    )
    optional = flat(field("title", "Title", optional=True))
    assert '<span class="muted">(optional)</span>' in optional
    assert " required" not in optional


def test_an_error_marks_the_field_and_describes_its_control() -> None:
    html = flat(field("title", "Title", "", {"title": "Say what"}, hint="One line", prefix="p"))
    assert html.startswith('<div class="field has-error">')
    assert '<p class="hint" id="p-title-hint">One line</p>' in html
    assert 'aria-invalid="true" aria-describedby="p-title-error"' in html
    assert html.endswith('<p class="error" id="p-title-error">Say what</p></div>')


@pytest.mark.parametrize(
    ("error", "hint", "with_error", "below", "expected"),
    [
        ("", "", False, False, ""),
        ("", "h", False, False, ' aria-describedby="x-hint"'),
        ("e", "h", False, False, ' aria-invalid="true" aria-describedby="x-error"'),
        ("e", "h", True, False, ' aria-invalid="true" aria-describedby="x-hint x-error"'),
        ("e", "h", True, True, ' aria-invalid="true" aria-describedby="x-error x-hint"'),
        ("e", "", True, False, ' aria-invalid="true" aria-describedby="x-error"'),
    ],
)
def test_what_describes_a_control(
    error: str, hint: str, with_error: bool, below: bool, expected: str
) -> None:
    assert described("x", error, hint, with_error=with_error, below=below) == expected


def test_a_hint_below_comes_after_the_control_and_is_read_with_the_error() -> None:
    html = flat(field("body", "Body", "x", {"body": "Too long"}, hint="h", hint_below=True))
    assert html.index("<input") < html.index('id="f-body-hint"') < html.index('id="f-body-error"')
    assert 'aria-describedby="f-body-error f-body-hint"' in html


def test_what_was_typed_and_every_text_is_escaped() -> None:
    html = str(
        field(
            "t",
            "<b>Label</b>",
            '"><script>x</script>',
            {"t": "<i>bad</i>"},
            hint="a & b",
            also="<u>also</u>",
            attrs={"data-x": '"q"'},
        )
    )
    for raw in ("<script>", "<b>", "<i>", "<u>"):
        assert raw not in html
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert 'data-x="&#34;q&#34;"' in html
    assert "a &amp; b" in html
    assert "&lt;u&gt;also&lt;/u&gt;" in html
    # Markup given by a template is written as it is.
    assert "<em>Label</em>" in str(field("t", Markup("<em>Label</em>")))


def test_a_textarea_keeps_the_text_as_typed_and_a_password_is_never_written_back() -> None:
    textarea = str(field("notes", "Notes", "line one\nline two", control="textarea", rows=5))
    assert '<textarea id="f-notes" name="notes" rows="5">line one\nline two</textarea>' in textarea
    password = str(field("pw", "Password", "secret", type="password", autocomplete="new-password"))
    assert "secret" not in password
    assert 'autocomplete="new-password"' in password


def test_a_select_from_pairs_a_blank_and_a_call_block() -> None:
    html = flat(
        render(
            '{% call ui.field("owner", "Owner", "2", {}, control="select", blank="Nobody",'
            ' options=[(1, "Ann"), (2, "Bo")], input_name="owner_id", id="own") %}'
            "<option>extra</option>{% endcall %}"
        )
    )
    assert html == (
        '<div class="field"><label for="own">Owner</label>'
        '<select id="own" name="owner_id"><option value="">Nobody</option>'
        '<option value="1">Ann</option><option value="2" selected>Bo</option>'
        "<option>extra</option></select></div>"
    )


def test_the_kit_s_time_zone_field_still_calls_it() -> None:
    html = render('{{ ui.zone_field("UTC", {}, ["Europe/Oslo", "UTC"], default="Mine") }}')
    assert '<select id="f-time_zone" name="time_zone" required>' in html
    assert '<option value="UTC" selected>UTC</option>' in html
