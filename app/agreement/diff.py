"""Comparing two snapshots (a pure function, no database): per section, the items added,
removed and changed (field by field, old → new) and the rank moves.

A rank move is reported only for items whose order relative to the others really changed:
removing the first priority shifts every rank by one but moves nothing, and moving one priority
from 5th to 1st is one move, not five. The items that kept their relative order are a longest
increasing subsequence of their old positions; every other common item moved.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.agreement.snapshot import SECTIONS
from app.models import (
    STRATEGY_LABELS,
    ActionStatus,
    Horizon,
    Importance,
    InitiativeStatus,
    StrategyKind,
)

SECTION_TITLES = {
    "strategy": "Client strategy",
    "priorities": "Client priorities",
    "value": "Perceived value",
    "initiatives": "Initiatives",
    "actions": "Joint actions",
}
# Per section: the field naming an item, and the field holding its rank (None: unranked).
_LABEL_FIELD = {"strategy": "text", "value": "", "priorities": "title"}
_RANK_FIELD = {"strategy": "order", "priorities": "rank"}
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "importance": "Importance",
    "horizon": "Horizon",
    "owner": "Owner",
    "kind": "Section",
    "text": "Text",
    "detail": "Detail",
    "overall": "Overall rating",
    "scores": "Score",
    "comment": "Comment",
    "status": "Status",
    "answer_reason": "Client's reason",
    "value_for_client": "Value for the client",
    "value_for_vendor": "Value for the vendor",
    "priorities": "Answers priorities",
    "outcome": "Outcome",
    "due_on": "Due",
    "rank": "Rank",
    "order": "Position",
}
_SKIP = frozenset({"key"})
_HORIZONS = frozenset(h.value for h in Horizon)
# Kinds stored as words ("in_progress", "critical"): shown as "In progress", "Critical".
_KINDS = frozenset(
    v.value for kind in (ActionStatus, InitiativeStatus, Importance, StrategyKind) for v in kind
)


def item_label(section: str, item: Mapping[str, Any]) -> str:
    if section == "value":
        return "Value rating"
    name = str(item.get(_LABEL_FIELD.get(section, "title")) or item.get("title") or "")
    if section == "strategy" and item.get("kind") in {k.value for k in StrategyKind}:
        return f"{STRATEGY_LABELS[StrategyKind(item['kind'])]}: {name}"
    return name


def show(value: Any) -> str:
    """A value as a person reads it in a diff."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "; ".join(show(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {show(v)}" for k, v in value.items()) if value else "none"
    if isinstance(value, str) and value in _HORIZONS:
        return Horizon(value).label
    if isinstance(value, str) and value in _KINDS:
        return value.replace("_", " ").capitalize()
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any

    @property
    def old_text(self) -> str:
        return show(self.old)

    @property
    def new_text(self) -> str:
        return show(self.new)


@dataclass(frozen=True)
class ItemChange:
    key: str
    label: str
    fields: list[FieldChange]


@dataclass(frozen=True)
class Move:
    key: str
    label: str
    old: int
    new: int


@dataclass
class SectionDiff:
    name: str
    title: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    moved: list[Move] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed) + len(self.moved)

    def label(self, item: Mapping[str, Any]) -> str:
        return item_label(self.name, item)


@dataclass
class PlanDiff:
    sections: list[SectionDiff]

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)

    @property
    def is_empty(self) -> bool:
        return self.count == 0

    def section(self, name: str) -> SectionDiff:
        return next(s for s in self.sections if s.name == name)


def _field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], skip: set[str]
) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in [*old, *(k for k in new if k not in old)]:
        if name in skip:
            continue
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        if isinstance(before, dict) or isinstance(after, dict):
            # A dict (the rating's scores) is compared entry by entry.
            b, a = before or {}, after or {}
            for sub in [*b, *(k for k in a if k not in b)]:
                if b.get(sub) != a.get(sub):
                    changes.append(
                        FieldChange(f"{name}.{sub}", f"{label}: {sub}", b.get(sub), a.get(sub))
                    )
            continue
        changes.append(FieldChange(name, label, before, after))
    return changes


def _kept_in_order(old_positions: Sequence[int]) -> set[int]:
    """Indexes (into ``old_positions``) of a longest strictly increasing subsequence."""
    tails: list[int] = []  # smallest tail value of an increasing run of each length
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(old_positions)
    for i, value in enumerate(old_positions):
        at = bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[at] = value
            tail_index[at] = i
        previous[i] = tail_index[at - 1] if at else -1
    kept: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i != -1:
        kept.add(i)
        i = previous[i]
    return kept


def _moves(name: str, old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> list[Move]:
    rank_field = _RANK_FIELD.get(name)
    if rank_field is None:
        return []
    old_index = {item["key"]: n for n, item in enumerate(old)}
    old_by_key = {item["key"]: item for item in old}
    common = [item for item in new if item["key"] in old_index]
    if name == "strategy":  # the order is within each strategy section
        groups: dict[Any, list[Mapping[str, Any]]] = {}
        for item in common:
            if old_by_key[item["key"]].get("kind") == item.get("kind"):
                groups.setdefault(item.get("kind"), []).append(item)
        runs = list(groups.values())
    else:
        runs = [common]
    moves: list[Move] = []
    for run in runs:
        kept = _kept_in_order([old_index[item["key"]] for item in run])
        for n, item in enumerate(run):
            if n not in kept:
                before = old_by_key[item["key"]]
                moves.append(
                    Move(
                        key=item["key"],
                        label=item_label(name, item),
                        old=int(before.get(rank_field) or 0),
                        new=int(item.get(rank_field) or 0),
                    )
                )
    return moves


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> PlanDiff:
    """What changed from snapshot ``old`` to snapshot ``new``."""
    old_sections: Mapping[str, Any] = old.get("sections", {})
    new_sections: Mapping[str, Any] = new.get("sections", {})
    names = [*SECTIONS, *sorted((set(old_sections) | set(new_sections)) - set(SECTIONS))]
    result: list[SectionDiff] = []
    for name in names:
        before: list[Mapping[str, Any]] = list(old_sections.get(name, []))
        after: list[Mapping[str, Any]] = list(new_sections.get(name, []))
        section = SectionDiff(name, SECTION_TITLES.get(name, name.capitalize()))
        old_by_key = {item["key"]: item for item in before}
        new_keys = {item["key"] for item in after}
        skip = set(_SKIP) | ({_RANK_FIELD[name]} if name in _RANK_FIELD else set())
        for item in after:
            previous = old_by_key.get(item["key"])
            if previous is None:
                section.added.append(dict(item))
                continue
            fields = _field_changes(previous, item, skip)
            if fields:
                section.changed.append(ItemChange(item["key"], item_label(name, item), fields))
        section.removed = [dict(item) for item in before if item["key"] not in new_keys]
        section.moved = _moves(name, before, after)
        result.append(section)
    return PlanDiff(result)
