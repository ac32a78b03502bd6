"""The template kit's Python helpers (app/web/templating.py)."""

from __future__ import annotations

import pytest

from app.web.templating import option


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
