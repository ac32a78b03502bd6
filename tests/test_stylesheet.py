"""The stylesheet's blocks are closed where they end; its colours are design tokens.

static/app.css is written in one block per part (each opened by a ``/* ---- ... ---- */``
comment) and merged by keeping every block. A merge that drops the ``}`` of a part's
``@media print { ... }`` puts every later part inside it: their rules then apply only on paper,
and the pages lose their phone layouts without any error. Browsers accept the file either way,
so only counting the braces notices.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests import stylesheet

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


# --- Design tokens: colours only in the token blocks, every variable defined, a dark theme ------

COLOUR_LITERAL = re.compile(
    r"#[0-9a-fA-F]{3,8}\b"
    r"|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\("
    r"|(?<![\w-])(?:white|black|red|green|blue|gr[ae]y|silver|orange|yellow|purple|navy|teal"
    r"|maroon|olive|lime|aqua|fuchsia|pink|brown|gold)(?![\w-])",
    re.IGNORECASE,
)
STRING = re.compile(r"\"[^\"]*\"|'[^']*'")


def declarations_outside_tokens() -> list[tuple[int, str]]:
    """(line, declarations) of every rule after the token blocks; strings blanked out."""
    css = stylesheet.text()
    _, (_, dark_end) = stylesheet.token_spans(css)
    found = []
    for match in re.finditer(r"\{([^{}]*)\}", css[dark_end:]):
        line = css.count("\n", 0, dark_end + match.start()) + 1
        found.append((line, STRING.sub('""', match.group(1))))
    return found


def test_colours_are_written_only_in_the_token_blocks() -> None:
    found = [
        f"app.css line {line}: {hit.group()}"
        for line, block in declarations_outside_tokens()
        for hit in COLOUR_LITERAL.finditer(block)
    ]
    assert found == []
    # The check can see a literal: the token blocks hold many.
    css = stylesheet.text()
    (start, end), _ = stylesheet.token_spans(css)
    assert len(COLOUR_LITERAL.findall(css[start:end])) > 40


def test_every_variable_used_is_defined() -> None:
    defined = set(stylesheet.tokens().light)
    used = {m.group(1) for m in stylesheet.VAR.finditer(stylesheet.text())}
    assert used - defined == set()
    assert len(used) > 60
    fallbacks = [m.group() for m in stylesheet.VAR.finditer(stylesheet.text()) if m.group(2)]
    assert fallbacks == []  # a fallback would hide a missing token


def test_the_dark_theme_redefines_every_colour_and_only_tokens_that_exist() -> None:
    tokens = stylesheet.tokens()
    colours = {name for name, value in tokens.light.items() if COLOUR_LITERAL.search(value)}
    assert set(tokens.dark) - set(tokens.light) == set()
    assert colours - set(tokens.dark) == set()
    same = {n for n in colours if tokens.resolve(n, dark=True) == tokens.resolve(n, dark=False)}
    assert same == set()
    assert "color-scheme: light dark" in stylesheet.text()


def test_the_templates_and_charts_write_no_colour_of_their_own() -> None:
    """Pages and SVG charts take colour from the stylesheet's classes (currentColor), so both
    themes reach them."""
    root = CSS.parents[1]
    attribute = re.compile(r"""(?:fill|stroke|color|style)=["'](?!none|currentColor|url\()""")
    found = [
        f"{path.relative_to(root)}: {hit.group()}"
        for folder, pattern in (("templates", "*.html"), ("app", "*.py"))
        for path in sorted((root / folder).rglob(pattern))
        for hit in attribute.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# --- static/pdf.css: the PDF of the plan's stylesheet (app/pdf) keeps the same rules ----------

PDF_CSS = CSS.parent / "pdf.css"
ROOT_BLOCK = re.compile(r":root\s*\{([^{}]*)\}")


def pdf_css() -> tuple[str, str]:
    """(pdf.css without comments and strings, its ``:root`` block)."""
    css = stylesheet.COMMENT.sub(" ", PDF_CSS.read_text(encoding="utf-8"))
    root = ROOT_BLOCK.search(css)
    assert root is not None
    return STRING.sub('""', css[: root.start()] + css[root.end() :]), root.group(1)


def test_the_pdf_stylesheet_writes_colours_only_in_its_root() -> None:
    outside, root = pdf_css()
    assert [hit.group() for hit in COLOUR_LITERAL.finditer(outside)] == []
    assert len(COLOUR_LITERAL.findall(root)) > 10  # the check can see a literal


def test_the_pdf_stylesheet_uses_only_variables_its_root_defines() -> None:
    outside, root = pdf_css()
    defined = {name for name, _ in re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root)}
    used = list(stylesheet.VAR.finditer(outside + root))
    assert {m.group(1) for m in used} - defined == set()
    assert len(used) > 40
    assert [m.group() for m in used if m.group(2)] == []  # no fallback hides a missing token


def test_the_pdf_s_text_reaches_4_5_to_1_on_paper() -> None:
    _, root = pdf_css()
    token = dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", root))
    weak = [
        f"{ink} on {paper}: {stylesheet.contrast(token[ink], token[paper]):.2f}"
        for ink in ("--ink", "--muted", "--brand", "--ok", "--warn")
        for paper in ("--paper", "--soft")
        if stylesheet.contrast(token[ink], token[paper]) < 4.5
    ]
    assert weak == []


def test_the_pdf_colours_every_part_of_the_value_chart() -> None:
    """Every chart-* class templates/value/_chart.html draws with (through
    templates/partials/svg.html) has its colour in pdf.css's charts part, the one
    app/pdf/render.py copies into each <svg>; it is the last part."""
    root = CSS.parents[1]
    drawn = (root / "templates" / "value" / "_chart.html").read_text(encoding="utf-8")
    drawn += (root / "templates" / "partials" / "svg.html").read_text(encoding="utf-8")
    classes = set(re.findall(r"chart-[a-z]+(?=[\s\"'])", drawn)) - {"chart-legend"}
    classes |= {f"chart-dim-{n}" for n in range(1, 7)}  # chart-dim-{{ n }} and "dim-" ~ n
    css = PDF_CSS.read_text(encoding="utf-8")
    charts = css[css.index("/* ---- Charts:") :]
    assert "/* ----" not in charts[5:], "the charts' part must be the last part of pdf.css"
    styled = set(re.findall(r"\.(chart-[\w-]+)", charts))
    assert classes - styled == set()
    assert {"chart-brand", "chart-grid", "chart-dates", "chart-ink"} <= classes
