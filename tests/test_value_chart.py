"""The value trend chart tells the truth: ratings on a real date scale, the values and dates
written only where they do not overlap, one rating and one day handled, and its colours taken
from the stylesheet's tokens in both themes (the page's dark theme recolours it)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.kit import svg
from app.value import chart
from tests import stylesheet

F = chart.FRAME
START = datetime(2026, 1, 5, 10, tzinfo=UTC)


def rated(offsets_in_days: list[float], values: list[int] | None = None) -> list[chart.Rated]:
    values = values or [5 + i % 6 for i in range(len(offsets_in_days))]
    return [
        chart.Rated(START + timedelta(days=d), v, {})
        for d, v in zip(offsets_in_days, values, strict=True)
    ]


def test_x_is_proportional_to_the_date() -> None:
    offsets = [0, 1, 2, 30, 100, 365]
    xs = [p.x for p in chart.build(rated(offsets), []).overall.points]
    per_day = (F.right - F.left) / 365
    assert xs == [pytest.approx(F.left + d * per_day, abs=0.1) for d in offsets]
    # A day apart: close (about a unit); a year apart: the whole plot.
    assert xs[1] - xs[0] < 1.5
    assert xs[-1] - xs[0] == F.right - F.left


def test_one_rating_sits_in_the_middle_with_its_value_and_date() -> None:
    (point,) = chart.build(rated([0]), []).overall.points
    assert point.x == (F.left + F.right) / 2
    assert point.show_value
    drawn = chart.build(rated([0]), [])
    assert [label.text for label in drawn.x_labels] == ["5 Jan 2026"]
    assert drawn.description == "One rating: 5 out of 10 on 5 Jan 2026."


def test_ratings_of_one_day_are_close_and_their_date_written_once() -> None:
    drawn = chart.build(rated([0, 2 / 24, 5 / 24], [4, 7, 9]), [])  # 10:00, 12:00, 15:00
    xs = [p.x for p in drawn.overall.points]
    assert xs == sorted(xs)
    assert xs[-1] - xs[0] == pytest.approx((F.right - F.left) * 5 / 24, abs=0.1)
    assert [label.text for label in drawn.x_labels] == ["5 Jan 2026"]


def value_boxes(drawn: chart.Chart) -> list[tuple[float, float, float]]:
    return [
        (*svg.extent(svg.Label(p.x, str(p.value), "middle"), chart.BOLD_FONT), p.label_y)
        for p in drawn.overall.points
        if p.show_value
    ]


@pytest.mark.parametrize("count", [1, 2, 5, 30, 200])
@pytest.mark.parametrize("step", [0.5, 1, 7, 30])
def test_no_two_values_or_dates_overlap(count: int, step: float) -> None:
    drawn = chart.build(rated([i * step for i in range(count)]), [])
    points = drawn.overall.points
    assert points[-1].show_value  # the latest is always written
    boxes = value_boxes(drawn)
    for (a0, a1, ay), (b0, b1, by) in itertools.combinations(boxes, 2):
        assert a1 <= b0 or b1 <= a0 or abs(ay - by) >= chart.BOLD_FONT
    spans = [svg.extent(label, F.font) for label in drawn.x_labels]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end + svg.LABEL_GAP <= start
    texts = [label.text for label in drawn.x_labels]
    assert texts[0] == points[0].when
    assert texts[-1] == points[-1].when
    assert F.left <= spans[0][0]
    assert spans[-1][1] <= F.right


def test_crowded_values_keep_the_latest_first_highest_and_lowest() -> None:
    values = [5, 6, 2, 6, 9, 5, 6, 6, 5, 4, 7]
    drawn = chart.build(rated([i * 36.5 for i in range(len(values))], values), [])
    assert all(p.show_value for p in drawn.overall.points)  # eleven fit across a year
    crowded = chart.build(rated([i * 0.02 for i in range(len(values))], values), [])  # 7 units
    shown = [i for i, p in enumerate(crowded.overall.points) if p.show_value]
    assert 10 in shown  # the latest
    assert shown == sorted({10, 0, 4, 2} & set(shown))  # only latest, first, highest, lowest
    assert len(shown) >= 2


# --- Colours: tokens in both themes -----------------------------------------------------------

PAGE = stylesheet.tokens()
RULES = {r.selector: r.declarations for r in stylesheet.rules() if not r.printed}


def drawn_svg() -> str:
    """The chart's template (the value section's and the plan's PDF draw it)."""
    source = (stylesheet.CSS_PATH.parents[1] / "templates" / "value" / "_chart.html").read_text()
    start = source.index('<figure class="value-chart">')
    return source[start : source.index("</figure>", start)]


def test_the_chart_is_coloured_only_by_token_classes_that_the_dark_theme_redefines() -> None:
    figure = drawn_svg()
    # No colour written in the chart: shapes take currentColor, from a chart-* class.
    fills = set(re.findall(r'(?:fill|stroke)="([^"{]+)"', figure))
    assert fills <= {"currentColor", "none"}
    # Layout, and the inside of a hollow marker (the panel's own colour, checked below).
    written = set(re.findall(r'class="(chart-[\w-]+)', figure)) - {"chart-legend", "chart-paper"}
    assert RULES[".chart-paper"]["fill"] == "var(--panel)"
    classes = {c for c in written if not c.endswith("-")}
    assert "chart-dim-{{" in figure  # a line per dimension, in one of six tones
    classes |= {"chart-grid", *(f"chart-dim-{i}" for i in range(1, 7))}
    assert {"chart-brand", "chart-ink"} <= classes
    panel = {theme: PAGE.colour("--panel", dark=theme) for theme in (False, True)}
    for name in classes:
        colour = RULES[f".{name}"]["color"]
        token = stylesheet.VAR.fullmatch(colour)
        assert token, f".{name} writes {colour!r}, not a token"
        light = PAGE.colour(token.group(1), dark=False)
        dark = PAGE.colour(token.group(1), dark=True)
        assert light != dark, f"{token.group(1)} is the same in the dark theme"
        if name != "chart-grid":  # the grid is decoration; data and text must stand out
            for theme, ink in ((False, light), (True, dark)):
                assert stylesheet.contrast(ink, panel[theme]) >= 3, (name, theme)
    dates = stylesheet.VAR.fullmatch(RULES[".chart-grid text, .chart-dates text"]["fill"])
    assert dates
    for theme in (False, True):
        muted = PAGE.colour(dates.group(1), dark=theme)
        assert stylesheet.contrast(muted, panel[theme]) >= 4.5
