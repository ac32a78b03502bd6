"""The pure comparison of two plan snapshots: added, removed, changed field by field, and only
the rank moves that really reordered something."""

from __future__ import annotations

from typing import Any

from app.agreement.diff import compare, show


def priority(n: int, title: str, rank: int, **fields: Any) -> dict[str, Any]:
    item = {
        "key": f"priority:{n}",
        "rank": rank,
        "title": title,
        "description": "",
        "importance": "high",
        "horizon": "next",
        "owner": None,
    }
    return item | fields


def plan(**sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": 1, "period": "FY2027", "sections": sections}


def ranked(*titles: str) -> list[dict[str, Any]]:
    return [priority(ord(t[0]), t, n) for n, t in enumerate(titles, start=1)]


def test_equal_snapshots_have_no_changes() -> None:
    snap = plan(priorities=ranked("A", "B"), actions=[])
    result = compare(snap, snap)
    assert result.is_empty
    assert result.count == 0
    assert [s.name for s in result.sections][:5] == [
        "strategy",
        "priorities",
        "value",
        "initiatives",
        "actions",
    ]


def test_added_removed_and_changed_items_are_told_apart_by_key() -> None:
    old = plan(priorities=[priority(1, "Grow", 1), priority(2, "Cut costs", 2)])
    new = plan(
        priorities=[
            priority(1, "Grow in Asia", 1, importance="critical"),
            priority(3, "Hire", 2),
        ]
    )
    section = compare(old, new).section("priorities")
    assert [i["title"] for i in section.added] == ["Hire"]
    assert [i["title"] for i in section.removed] == ["Cut costs"]
    assert len(section.changed) == 1
    change = section.changed[0]
    assert change.key == "priority:1"
    assert change.label == "Grow in Asia"
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("title", "Grow", "Grow in Asia"),
        ("importance", "high", "critical"),
    ]
    assert change.fields[1].old_text == "High"
    assert change.fields[1].new_text == "Critical"
    assert section.moved == []  # the rank did not move relative to the others
    assert section.count == 3


def test_a_removal_shifts_ranks_without_reporting_moves() -> None:
    result = compare(plan(priorities=ranked("A", "B", "C")), plan(priorities=ranked("B", "C")))
    section = result.section("priorities")
    assert [i["title"] for i in section.removed] == ["A"]
    assert section.moved == []
    assert section.changed == []  # the rank field is not a field change
    assert result.count == 1


def test_moving_one_item_to_the_top_is_one_move() -> None:
    section = compare(
        plan(priorities=ranked("A", "B", "C", "D", "E")),
        plan(priorities=ranked("E", "A", "B", "C", "D")),
    ).section("priorities")
    assert [(m.label, m.old, m.new) for m in section.moved] == [("E", 5, 1)]
    assert section.changed == []


def test_a_swap_of_two_neighbours_is_one_move() -> None:
    section = compare(
        plan(priorities=ranked("A", "B", "C")), plan(priorities=ranked("A", "C", "B"))
    ).section("priorities")
    assert len(section.moved) == 1
    assert {(m.old, m.new) for m in section.moved} <= {(2, 3), (3, 2)}


def test_a_reversed_list_reports_all_but_one_as_moved() -> None:
    section = compare(
        plan(priorities=ranked("A", "B", "C", "D")), plan(priorities=ranked("D", "C", "B", "A"))
    ).section("priorities")
    assert len(section.moved) == 3


def test_strategy_order_moves_count_within_each_section() -> None:
    def entry(n: int, kind: str, order: int, text: str) -> dict[str, Any]:
        return {
            "key": f"strategy:{n}",
            "kind": kind,
            "order": order,
            "text": text,
            "detail": "",
            "horizon": None,
        }

    old = plan(
        strategy=[entry(1, "goal", 1, "G1"), entry(2, "goal", 2, "G2"), entry(3, "driver", 1, "D1")]
    )
    new = plan(
        strategy=[entry(2, "goal", 1, "G2"), entry(1, "goal", 2, "G1"), entry(3, "driver", 1, "D1")]
    )
    section = compare(old, new).section("strategy")
    assert len(section.moved) == 1
    assert section.moved[0].label.startswith("Goals: ")


def test_the_value_rating_is_compared_score_by_score() -> None:
    old = plan(
        value=[
            {
                "key": "value-rating",
                "overall": 6,
                "scores": {"Responsiveness": 5, "Quality of delivery": 7},
                "comment": "ok",
            }
        ]
    )
    new = plan(
        value=[
            {
                "key": "value-rating",
                "overall": 8,
                "scores": {"Responsiveness": 8, "Quality of delivery": 7, "Value for money": 6},
                "comment": "ok",
            }
        ]
    )
    section = compare(old, new).section("value")
    assert len(section.changed) == 1
    fields = {(f.label, f.old, f.new) for f in section.changed[0].fields}
    assert fields == {
        ("Overall rating", 6, 8),
        ("Score: Responsiveness", 5, 8),
        ("Score: Value for money", None, 6),
    }
    assert section.changed[0].label == "Value rating"


def test_a_first_rating_is_an_addition() -> None:
    new = plan(value=[{"key": "value-rating", "overall": 8, "scores": {}, "comment": ""}])
    section = compare(plan(value=[]), new).section("value")
    assert len(section.added) == 1
    assert section.label(section.added[0]) == "Value rating"


def test_lists_and_sections_missing_on_one_side() -> None:
    initiative = {
        "key": "initiative:4",
        "title": "Pilot",
        "status": "proposed",
        "priorities": ["Grow"],
    }
    old = plan(initiatives=[initiative])
    new = {
        "format": 1,
        "sections": {
            "initiatives": [initiative | {"status": "accepted", "priorities": ["Grow", "Hire"]}]
        },
    }
    section = compare(old, new).section("initiatives")
    [change] = section.changed
    assert [(f.old_text, f.new_text) for f in change.fields] == [
        ("Proposed", "Accepted"),
        ("Grow", "Grow; Hire"),
    ]
    # A section only one side has (a later snapshot format) is still compared.
    extra = compare(plan(), plan(reviews=[{"key": "review:1", "title": "Q1"}]))
    assert extra.section("reviews").added == [{"key": "review:1", "title": "Q1"}]


def test_show_is_readable() -> None:
    assert show(None) == "—"
    assert show("") == "—"
    assert show([]) == "none"
    assert show("in_progress") == "In progress"
    assert show("now") == "Now (0–6 months)"
    assert show("my_snake_case title") == "my_snake_case title"
    assert show(7) == "7"
