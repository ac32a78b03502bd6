"""The stylesheet's blocks are closed where they end.

static/app.css is written in one block per part (each opened by a ``/* ---- ... ---- */``
comment) and merged by keeping every block. A merge that drops the ``}`` of a part's
``@media print { ... }`` puts every later part inside it: their rules then apply only on paper,
and the pages lose their phone layouts without any error. Browsers accept the file either way,
so only counting the braces notices.
"""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[1] / "static" / "app.css"
TOKENS = re.compile(r"/\*.*?\*/|[{}]", re.DOTALL)  # comments (skipped whole) and braces


def test_every_part_of_the_stylesheet_starts_outside_any_block() -> None:
    text = CSS.read_text(encoding="utf-8")
    depth = parts = 0
    for match in TOKENS.finditer(text):
        token = match.group()
        line = text.count("\n", 0, match.start()) + 1
        if token.startswith("/* ----"):
            parts += 1
            assert depth == 0, f"app.css line {line}: a part starts inside an unclosed block"
        elif token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            assert depth >= 0, f"app.css line {line}: a }} closes nothing"
    assert depth == 0, "app.css ends inside an unclosed block"
    assert parts > 5, "the parts' header comments have changed: update this test"
