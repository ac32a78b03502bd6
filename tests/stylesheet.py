"""Reading static/app.css for the stylesheet's tests: its design tokens (the light ``:root`` and
the dark theme's), its rules as (selector, declarations), and WCAG contrast."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CSS_PATH = Path(__file__).resolve().parents[1] / "static" / "app.css"
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
DARK = "@media (prefers-color-scheme: dark)"
DECLARATION = re.compile(r"([\w-]+)\s*:\s*([^;]+)")
VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(,[^)]*)?\)")
HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def text() -> str:
    """The stylesheet without its comments (their length kept, so offsets stay true)."""
    css = CSS_PATH.read_text(encoding="utf-8")
    return COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), css)


def _block_after(css: str, start: int) -> tuple[int, int]:
    """The span of the ``{ ... }`` block that opens at or after ``start``."""
    opening = css.index("{", start)
    depth = 0
    for i in range(opening, len(css)):
        depth += {"{": 1, "}": -1}.get(css[i], 0)
        if depth == 0:
            return opening, i + 1
    raise AssertionError("unclosed block")


def token_spans(css: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where the light tokens (the first ``:root``) and the dark theme's block are."""
    light = _block_after(css, css.index(":root"))
    dark = _block_after(css, css.index(DARK))
    return light, dark


def _declarations(block: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip() for m in DECLARATION.finditer(block)}


@dataclass(frozen=True)
class Tokens:
    light: dict[str, str]
    dark: dict[str, str]

    def resolve(self, name: str, *, dark: bool) -> str:
        """A token's value in one theme, following ``var()`` to its end."""
        value = (self.dark if dark and name in self.dark else self.light)[name]
        found = VAR.fullmatch(value)
        return self.resolve(found.group(1), dark=dark) if found else value

    def colour(self, name: str, *, dark: bool) -> str:
        value = self.resolve(name, dark=dark)
        assert HEX.match(value), f"{name} is {value!r}, not a #rrggbb colour"
        return value


def tokens() -> Tokens:
    css = text()
    (light_start, light_end), (dark_start, dark_end) = token_spans(css)
    light = _declarations(css[light_start + 1 : light_end - 1])
    dark_root = css.index(":root", dark_start)
    inner_start, inner_end = _block_after(css, dark_root)
    assert inner_end <= dark_end
    dark = _declarations(css[inner_start + 1 : inner_end - 1])
    return Tokens(
        light={k: v for k, v in light.items() if k.startswith("--")},
        dark={k: v for k, v in dark.items() if k.startswith("--")},
    )


@dataclass(frozen=True)
class Rule:
    selector: str
    declarations: dict[str, str]
    printed: bool  # inside @media print: on paper, not on a screen


def rules() -> list[Rule]:
    """Every rule after the token blocks (innermost blocks: their selector and declarations)."""
    css = text()
    _, (_, dark_end) = token_spans(css)
    found = []
    for match in re.finditer(r"([^{}]*)\{([^{}]*)\}", css[dark_end:]):
        printed = _inside_print(css, dark_end + match.start())
        found.append(Rule(match.group(1).strip(), _declarations(match.group(2)), printed))
    return found


def _inside_print(css: str, at: int) -> bool:
    start = css.rfind("@media print", 0, at)
    if start < 0:
        return False
    opening, closing = _block_after(css, start)
    return opening < at < closing


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
