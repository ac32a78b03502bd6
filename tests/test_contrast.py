"""Every colour pair text is set in reaches WCAG AA, 4.5:1, in the light theme and the dark one;
the lines and marks of charts reach 3:1 against the page (WCAG's non-text contrast).

The pairs come from the stylesheet itself (tests/stylesheet.py): a rule that sets both a text
colour and a background is one pair; a text colour set alone sits on any surface a container
paints (a rule with a background and no colour of its own: a panel, a tinted box, a badge); a
fill's own ink (``--brand-ink``, ``--on-fill``, …) only on its fill. A new rule that brings a
pair below the line fails here, in the theme where it does.
"""

from __future__ import annotations

import pytest

from tests.stylesheet import VAR, Rule, Tokens, contrast, rules, tokens

TEXT_MINIMUM = 4.5
GRAPHIC_MINIMUM = 3.0
# Colour classes of charts and the org chart: lines and marks, not text (their text is
# drawn with the grid's muted colour, checked as text).
GRAPHICS = ("chart-", "org-", "quadrant-")
# Decorative: the grid of a chart, its frame (the data and the axis labels carry the meaning),
# and the halo in the page's own colour that keeps a mark apart from its neighbours.
DECORATIVE = ("--line", "--line-strong", "--edge", "--hatch", "--panel")
# The ink of a fill is read on that fill only (a rule may set it alone inside the fill).
ON_FILL = {
    "--topbar-ink": "--topbar-bg",
    "--brand-ink": "--brand",
    "--inverse-ink": "--inverse-bg",
    "--on-fill": "--danger",
}
THEMES = {"light": False, "dark": True}


def _token(value: str | None) -> str | None:
    found = VAR.fullmatch(value.strip()) if value else None
    return found.group(1) if found else None


def _colours(rule: Rule) -> tuple[str | None, str | None]:
    d = rule.declarations
    return _token(d.get("color")), _token(d.get("background") or d.get("background-color"))


def screen_rules() -> list[Rule]:
    return [r for r in rules() if not r.printed and not any(g in r.selector for g in GRAPHICS)]


def text_pairs() -> set[tuple[str, str]]:
    """(text colour, background) for every way the stylesheet sets text on a background."""
    own: set[tuple[str, str]] = set()
    loose_text: set[str] = {"--ink"}  # the page's own colour, inherited everywhere
    surfaces: set[str] = {"--bg", "--panel"}
    for rule in screen_rules():
        fg, bg = _colours(rule)
        if fg and bg:
            own.add((fg, bg))
        elif fg in ON_FILL:
            own.add((fg, ON_FILL[fg]))
        elif fg and fg not in DECORATIVE:
            loose_text.add(fg)
        elif bg:
            surfaces.add(bg)
    return own | {(fg, bg) for fg in loose_text for bg in surfaces}


def graphic_colours() -> set[str]:
    found = set()
    for rule in rules():
        if any(g in rule.selector for g in GRAPHICS) and not rule.printed:
            for prop in ("color", "stroke"):
                name = _token(rule.declarations.get(prop))
                if name and name not in DECORATIVE:
                    found.add(name)
    return found


def failures(t: Tokens, pairs: set[tuple[str, str]], minimum: float, dark: bool) -> list[str]:
    out = []
    for fg, bg in sorted(pairs):
        ratio = contrast(t.colour(fg, dark=dark), t.colour(bg, dark=dark))
        if ratio < minimum:
            out.append(f"{fg} on {bg}: {ratio:.2f}")
    return out


def test_the_pairs_are_found() -> None:
    """The reading above finds what it must (a test that finds no pairs checks nothing)."""
    pairs = text_pairs()
    for expected in [
        ("--ok", "--ok-bg"),  # the Agreed / Won / Signed-off badges
        ("--ink", "--bg"),
        ("--muted", "--panel"),
        ("--brand", "--panel"),  # links
        ("--brand-ink", "--brand"),  # primary buttons
        ("--danger", "--danger-bg-soft"),  # "Overdue" in an overdue action
        ("--topbar-ink", "--topbar-bg"),
        ("--on-fill", "--ok"),  # class A opportunities
        ("--amber-ink", "--amber-bg-strong"),  # waiting for the mentor
    ]:
        assert expected in pairs
    assert len(pairs) > 100
    assert {"--series-1", "--brand", "--alt", "--ok", "--focus"} <= graphic_colours()


@pytest.mark.parametrize("theme", THEMES)
def test_text_reaches_4_5_to_1_in_both_themes(theme: str) -> None:
    assert failures(tokens(), text_pairs(), TEXT_MINIMUM, THEMES[theme]) == []


@pytest.mark.parametrize("theme", THEMES)
def test_chart_lines_and_marks_reach_3_to_1_on_the_page(theme: str) -> None:
    pairs = {(c, surface) for c in graphic_colours() for surface in ("--panel", "--bg")}
    assert failures(tokens(), pairs, GRAPHIC_MINIMUM, THEMES[theme]) == []


def test_the_badge_axe_flagged_now_passes() -> None:
    t = tokens()
    for dark in (False, True):
        assert contrast(t.colour("--ok", dark=dark), t.colour("--ok-bg", dark=dark)) >= 4.5
