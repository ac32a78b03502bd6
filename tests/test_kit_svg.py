"""The chart kit (app/kit/svg.py): scales, the date scale, label thinning, anchors and paths."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.kit import svg
from app.models import Tier
from app.scorecard import chart as scorecard_chart
from tests import stylesheet

FRAME = svg.Frame(320, 232, left=26, right=306, top=24, bottom=190, font=12, dates_y=226)


def test_a_linear_scale_maps_its_domain_onto_its_range_and_clamps() -> None:
    up = svg.Linear(0, 10, 190, 24)  # y: 0 at the bottom
    assert up(0) == 190
    assert up(10) == 24
    assert up(5) == 107
    assert up(-3) == 190
    assert up(12) == 24
    across = svg.Linear(1, 5, 58, 390)
    assert across(3) == 224
    assert [(t.value, t.at) for t in across.ticks()] == [
        (1, 58),
        (2, 141),
        (3, 224),
        (4, 307),
        (5, 390),
    ]
    assert [t.value for t in up.ticks(2)] == [0, 2, 4, 6, 8, 10]


def test_the_date_scale_places_points_by_their_dates() -> None:
    days = [date(2026, 1, 1), date(2026, 1, 11), date(2026, 3, 2)]  # 10 and 50 days apart
    xs = svg.by_date(days, 0, 600)
    assert xs == [0, 100, 600]  # not evenly: 0, 300, 600
    assert svg.by_date([], 0, 600) == []
    assert svg.by_date([date(2026, 1, 1)], 0, 600) == [300]
    assert svg.by_date([date(2026, 1, 1)] * 3, 0, 600) == [300] * 3
    assert svg.by_date([date(2026, 1, 1)] * 3, 0, 600, min_gap=20) == [280, 300, 320]
    # A datetime counts its time of day.
    noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert svg.by_date([noon - timedelta(hours=12), noon, noon + timedelta(days=1)], 0, 30) == [
        0,
        10,
        30,
    ]


def test_close_dates_stay_close_and_far_dates_far() -> None:
    """x is proportional to the date: nothing is pushed aside, so a crowded week stays crowded
    (pushing points apart would spread a cluster over time that never passed)."""
    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 12, 30), date(2026, 12, 31)]
    xs = svg.by_date(days, 10, 374, min_gap=16)  # 364 units for 364 days: one a day
    assert xs == [10, 11, 373, 374]
    # Thirty daily ratings, then one a year later: the thirty sit in the first twelfth.
    cluster = [date(2026, 1, 1) + timedelta(days=i) for i in range(30)]
    later = date(2027, 1, 1)  # 365 days after the first: one unit a day
    xs = svg.by_date([*cluster, later], 0, 365, min_gap=16)
    assert xs[-1] == 365
    assert xs[29] == pytest.approx(29, abs=0.1)
    for (a, b), (x, y) in zip(
        itertools.pairwise([*cluster, later]), itertools.pairwise(xs), strict=True
    ):
        assert y - x == pytest.approx((b - a).days, abs=0.2)  # a unit a day, throughout
    # A gap of a day and a gap of a year, in proportion.
    one, two, three = svg.by_date([date(2026, 1, 1), date(2026, 1, 2), date(2027, 1, 2)], 0, 366)
    assert (two - one, three - two) == (1, 365)


def test_one_moment_and_moments_of_one_day() -> None:
    mid = (FRAME.left + FRAME.right) / 2
    assert svg.by_date([datetime(2026, 3, 3, 9, tzinfo=UTC)], FRAME.left, FRAME.right) == [mid]
    # Two ratings six hours apart on one day do not run to the two edges: the scale spans a day.
    morning = datetime(2026, 3, 3, 9, tzinfo=UTC)
    xs = svg.by_date([morning, morning + timedelta(hours=6)], 0, 400)
    assert xs == [150, 250]  # a quarter of the day either side of its middle
    # Their one date is written once, under their middle.
    labels = svg.date_labels(xs, ["3 Mar 2026"] * 2, svg.Frame(400, 220, 0, 400, 0, 190))
    assert labels == (svg.Label(200, "3 Mar 2026", "middle"),)
    # One minute apart across midnight: both dates written, back to back, inside the plot.
    late = datetime(2026, 3, 3, 23, 59, 30, tzinfo=UTC)
    xs = svg.by_date([late, late + timedelta(minutes=1)], FRAME.left, FRAME.right)
    first, last = svg.date_labels(xs, ["3 Mar 2026", "4 Mar 2026"], FRAME)
    assert (first.text, last.text) == ("3 Mar 2026", "4 Mar 2026")
    assert svg.extent(first, FRAME.font)[1] + svg.LABEL_GAP <= svg.extent(last, FRAME.font)[0]
    assert FRAME.left <= svg.extent(first, FRAME.font)[0]
    assert svg.extent(last, FRAME.font)[1] <= FRAME.right


def dates(count: int) -> list[str]:
    start = date(2026, 1, 1)
    return [svg.day(start + timedelta(days=7 * i)) for i in range(count)]


SPACINGS = {
    "daily": lambda i: i,
    "weekly": lambda i: 7 * i,
    "a cluster then far": lambda i: i if i < 20 else 300 + i,
    "uneven": lambda i: (i * i * 37) % 500 + i,
}


@pytest.mark.parametrize("count", [1, 2, 5, 30, 200])
@pytest.mark.parametrize("spacing", SPACINGS)
def test_no_two_date_labels_overlap(count: int, spacing: str) -> None:
    moments = sorted(date(2026, 1, 1) + timedelta(days=SPACINGS[spacing](i)) for i in range(count))
    texts = [svg.day(m) for m in moments]
    xs = svg.by_date(moments, FRAME.left + 14, FRAME.right - 14, min_gap=16)
    labels = svg.date_labels(xs, texts, FRAME)
    assert labels[0].text == texts[0]  # the first and the last are always written
    assert labels[-1].text == texts[-1]
    spans = [svg.extent(label, FRAME.font) for label in labels]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end + svg.LABEL_GAP <= start
    assert FRAME.left <= spans[0][0]
    assert spans[-1][1] <= FRAME.right
    assert len(labels) <= 3  # three 10/11-character dates fit in 280 units, not four
    # Each date is written under its own point (or as near as the frame's edge lets it).
    for label in labels:
        x = xs[texts.index(label.text)]
        start, end = svg.extent(label, FRAME.font)
        assert start - 0.1 <= x <= end + 0.1


def test_weekly_dates_fill_the_axis() -> None:
    xs = svg.by_date([date(2026, 1, 1) + timedelta(days=7 * i) for i in range(5)], 40, 292)
    assert len(svg.date_labels(xs, dates(5), FRAME)) == 3


def test_values_are_kept_clear_of_one_another() -> None:
    a = svg.Label(100, "10", "middle", 50)
    close = svg.Label(105, "9", "middle", 52)  # overlaps a
    below = svg.Label(105, "2", "middle", 90)  # same place across, far below
    far = svg.Label(200, "7", "middle", 50)
    assert svg.clear([a, close, below, far], 14) == (True, False, True, True)
    assert svg.clear([a, close, below, far], 14, order=[1, 0]) == (False, True, False, False)
    assert svg.clear([], 14) == ()


def test_thinning_keeps_the_last_date_when_even_two_collide() -> None:
    labels = [svg.Label(100, "1 Jan 2026", "middle"), svg.Label(110, "2 Jan 2026", "middle")]
    assert svg.thin(labels, 12) == (labels[1],)
    assert svg.thin(labels[:1], 12) == (labels[0],)
    assert svg.thin([], 12) == ()


def test_labels_at_the_edges_are_anchored_inside_the_frame() -> None:
    left = svg.anchored(FRAME.left, "1 Jan 2026", FRAME.font, FRAME.left, FRAME.right)
    right = svg.anchored(FRAME.right, "31 Dec 2026", FRAME.font, FRAME.left, FRAME.right)
    middle = svg.anchored(166, "1 Jul 2026", FRAME.font, FRAME.left, FRAME.right)
    assert (left.anchor, left.x) == ("start", FRAME.left)
    assert (right.anchor, right.x) == ("end", FRAME.right)
    assert middle.anchor == "middle"
    for label in (left, right, middle):
        start, end = svg.extent(label, FRAME.font)
        assert FRAME.left <= start
        assert end <= FRAME.right
    # Near (not at) an edge: still inside.
    near = svg.anchored(FRAME.right - 5, "31 Dec 2026", FRAME.font, FRAME.left, FRAME.right)
    assert svg.extent(near, FRAME.font)[1] <= FRAME.right
    # Beside a point: right of it, or left of it near the right edge.
    assert svg.beside(100, 50, "3", 15, hi=390).anchor == "start"
    assert svg.beside(385, 50, "3", 15, hi=390) == svg.Label(376, "3", "end", 50)


def test_values_are_written_above_or_below_and_stay_in_the_plot() -> None:
    assert svg.value_y(100, 13, above=True) == 91
    assert svg.value_y(100, 13, above=False) == 119.4
    assert svg.value_y(30, 15, above=True, top=24) == 51  # no room above: below
    assert svg.value_y(185, 13, above=False, bottom=190) == 176  # no room below: above


def test_lines_and_areas() -> None:
    a, b, c = svg.Spot(1, 2), svg.Spot(3, 4), svg.Spot(5, 6)
    assert svg.line([a, b, c]) == "M1 2 L3 4 L5 6"
    assert svg.line([a, None, b, c]) == "M1 2 M3 4 L5 6"  # a gap lifts the pen
    assert svg.line([None, a]) == "M1 2"
    assert svg.line([]) == ""
    assert svg.area([a, b, c], baseline=10) == "M1 10 L1 2 L3 4 L5 6 L5 10 Z"
    assert svg.area([], baseline=10) == ""


def test_a_day_is_written_the_same_for_a_date_and_a_datetime() -> None:
    assert svg.day(date(2026, 1, 3)) == "3 Jan 2026"
    assert svg.day(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "30 Nov 2026"


# --- Colours: classes in the stylesheet, never a colour in Python or a template --------------

ROOT = Path(__file__).resolve().parent.parent
STYLESHEET = (ROOT / "static" / "app.css").read_text(encoding="utf-8")
HEX = re.compile(r"(?<![\w&])#(?:[0-9a-fA-F]{3}){1,2}\b(?!-)")


def test_no_colour_is_written_in_python_or_a_template() -> None:
    files = [*(ROOT / "app").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
    found = [
        f"{path.relative_to(ROOT)}: {match}"
        for path in files
        for match in HEX.findall(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_stylesheet_defines_each_variable_once_per_theme_and_only_in_its_token_blocks() -> None:
    """The light tokens (``:root``) and the dark theme's block are the only places a variable
    is defined, each once there; the dark theme only redefines (``tests/test_stylesheet.py``
    checks the colours, the variables used and the contrast)."""
    css = stylesheet.text()
    spans = stylesheet.token_spans(css)
    light, dark = (re.findall(r"--([\w-]+)\s*:", css[a:b]) for a, b in spans)
    assert len(light) == len(set(light))
    assert len(dark) == len(set(dark))
    assert set(dark) <= set(light)
    outside = css[: spans[0][0]] + css[spans[0][1] : spans[1][0]] + css[spans[1][1] :]
    assert re.findall(r"--([\w-]+)\s*:", outside) == []


def rule(selector: str) -> bool:
    """Does a rule of the stylesheet select ``selector`` (alone or with a descendant)?"""
    pattern = rf"(^|[\s,}}]){re.escape(selector)}(\s+[\w.-]+)?\s*[{{,]"
    return re.search(pattern, STYLESHEET, re.M) is not None


def test_every_colour_class_a_chart_names_has_its_rule() -> None:
    tones = {tone for tone, _, _ in scorecard_chart.STYLES.values()}
    tones |= {"brand", "alt", "ink", "muted", "soft", "warn", "paper", "halo", "frame"}
    tones |= {f"dim-{i}" for i in range(1, 7)}
    tones |= {tier.value for tier in Tier}
    for tone in tones:
        assert rule(f".chart-{tone}"), tone
    for tier in Tier:
        assert rule(f".quadrant-{tier.value}"), tier
    for attitude in ("supporter", "neutral", "detractor"):
        assert rule(f".org-{attitude}"), attitude
    # And every chart-* class a template writes out has one.
    written = {
        name
        for path in (ROOT / "templates").rglob("*.html")
        for names in re.findall(r'class="([^"]*)"', path.read_text(encoding="utf-8"))
        for name in names.split()
        if name.startswith("chart-") and "{" not in name
    }
    assert "chart-paper" in written
    for name in written:
        assert rule(f".{name}"), name
