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


def test_close_dates_are_pushed_apart_without_leaving_the_range() -> None:
    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 12, 30), date(2026, 12, 31)]
    xs = svg.by_date(days, 10, 370, min_gap=20)
    assert xs[0] == 10
    assert xs[-1] == 370
    assert all(b - a >= 20 - 0.1 for a, b in itertools.pairwise(xs))
    # Too many for the gap: it shrinks to what fits, evenly, and never leaves the range.
    many = [date(2026, 1, 1)] + [date(2026, 1, 2)] * 9
    crowded = svg.by_date(many, 0, 90, min_gap=20)
    assert crowded[0] == 0
    assert crowded[-1] == 90
    assert all(b - a >= 10 - 0.1 for a, b in itertools.pairwise(crowded))


def dates(count: int) -> list[str]:
    start = date(2026, 1, 1)
    return [svg.day(start + timedelta(days=7 * i)) for i in range(count)]


@pytest.mark.parametrize("count", [5, 30])
def test_no_two_date_labels_overlap(count: int) -> None:
    texts = dates(count)
    xs = svg.by_date(
        [date(2026, 1, 1) + timedelta(days=7 * i) for i in range(count)],
        FRAME.left + 14,
        FRAME.right - 14,
        min_gap=16,
    )
    labels = svg.date_labels(xs, texts, FRAME)
    assert labels[0].text == texts[0]  # the first and the last are always written
    assert labels[-1].text == texts[-1]
    spans = [svg.extent(label, FRAME.font) for label in labels]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end + svg.LABEL_GAP <= start
    assert len(labels) == min(count, 3)  # three 10/11-character dates fit in 280 units


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


def test_the_stylesheet_defines_each_variable_once_and_uses_no_undefined_one() -> None:
    root = STYLESHEET[STYLESHEET.index(":root") : STYLESHEET.index("}", STYLESHEET.index(":root"))]
    defined = re.findall(r"--([\w-]+)\s*:", STYLESHEET)
    assert len(defined) == len(set(defined))
    assert set(defined) == set(re.findall(r"--([\w-]+)\s*:", root))  # all in :root
    used = set(re.findall(r"var\(--([\w-]+)\)", STYLESHEET))
    assert used <= set(defined)
    rest = STYLESHEET[STYLESHEET.index("}", STYLESHEET.index(":root")) :]
    # Outside :root, no colour a variable already names is written again.
    values = dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", root))
    assert not {v.lower() for v in values.values()} & {h.lower() for h in HEX.findall(rest)}


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
