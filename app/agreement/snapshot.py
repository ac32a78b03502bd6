"""The plan's shared content as a JSON-able dict, and its content hash.

A snapshot is what both sides agree to, so it holds only shared content (DESIGN.md §3): the
client's strategy and ranked priorities, the latest value rating, shared initiatives (never a
draft) and the joint actions. Nothing internal: no drafts, no comments, no perception rows.

Shape: ``{"format": 1, "period": ..., "sections": {name: [item, ...]}}``. Every item carries a
stable ``key`` (``priority:<id>``, ...), so a diff can tell added, removed and changed items.
Values are plain JSON (strings, ints, lists, dicts; dates as ISO text), so a snapshot stored in
a ``PlanVersion`` reads back equal and hashes the same. Loading takes a fixed number of queries
(six), whatever the plan's size.

The files both sides see on the items (never a comment's) are part of what is agreed:
``"files": {item key: [{"id", "name", "size", "content_type", "sha256"}, ...]}``, the strategy
sections' under ``strategy-section:<kind>``. The key is there only when some item has a file, so
a plan without files hashes as it did before files existed. An agreed version refers to the
bytes of its files (``app.agreement.service``): deleting a file later keeps them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlmodel import Session

from app.agreement import repository
from app.attachments import repository as files_repo
from app.models import Plan, StrategyKind

FORMAT = 1
# The order sections are shown and compared in.
SECTIONS = ("strategy", "priorities", "value", "initiatives", "actions")
SECTION_FILES = "strategy-section:"  # the key of a strategy section's files: + its kind
VALUE_KEY = "value-rating"  # one item: the latest rating (a new rating is a change of it)

Snapshot = dict[str, Any]


Where = dict[str, int]


def _priorities(session: Session, where: Where) -> list[dict[str, Any]]:
    return [
        {
            "key": f"priority:{p.id}",
            "rank": p.rank,
            "title": p.title,
            "description": p.description,
            "importance": p.importance,
            "horizon": p.horizon,
            "owner": owner,
        }
        for p, owner in repository.ranked_priorities(session, **where)
    ]


def _strategy(session: Session, where: Where) -> list[dict[str, Any]]:
    kind_order = {kind.value: n for n, kind in enumerate(StrategyKind)}
    entries = sorted(
        repository.strategy_entries(session, **where),
        key=lambda e: (kind_order.get(e.kind, len(kind_order)), e.position, e.id or 0),
    )
    strategy: list[dict[str, Any]] = []
    per_kind: dict[str, int] = defaultdict(int)
    for entry in entries:
        per_kind[entry.kind] += 1
        strategy.append(
            {
                "key": f"strategy:{entry.id}",
                "kind": entry.kind,
                "order": per_kind[entry.kind],  # 1.. within its section, like a rank
                "text": entry.text,
                "detail": entry.detail,
                "horizon": entry.horizon,
            }
        )
    return strategy


def _value(session: Session, where: Where) -> list[dict[str, Any]]:
    rating = repository.latest_rating(session, **where)
    if rating is None:
        return []
    return [
        {
            "key": VALUE_KEY,
            "overall": rating.overall,
            "scores": {str(k): v for k, v in sorted((rating.scores or {}).items())},
            "comment": rating.comment,
        }
    ]


def _initiatives(session: Session, where: Where) -> list[dict[str, Any]]:
    initiatives: dict[int, dict[str, Any]] = {}
    for i, owner, linked_title in repository.shared_initiatives(session, **where):
        item = initiatives.setdefault(
            i.id or 0,
            {
                "key": f"initiative:{i.id}",
                "title": i.title,
                "description": i.description,
                "status": i.status,
                "answer_reason": i.answer_reason,
                "value_for_client": i.value_for_client,
                "value_for_vendor": i.value_for_vendor,
                "owner": owner,
                "priorities": [],
            },
        )
        if linked_title is not None:
            item["priorities"].append(linked_title)
    return list(initiatives.values())


def _actions(session: Session, where: Where) -> list[dict[str, Any]]:
    return [
        {
            "key": f"action:{a.id}",
            "title": a.title,
            "outcome": a.outcome,
            "owner": owner,
            "due_on": a.due_on.isoformat() if a.due_on else None,
            "status": a.status,
        }
        for a, owner in repository.live_actions(session, **where)
    ]


def _files(
    session: Session, where: Where, sections: dict[str, list[dict[str, Any]]], lock: bool
) -> dict[str, list[dict[str, Any]]]:
    """The shared files of the snapshot's items, by the item's key, oldest first."""
    keys = {item["key"] for items in sections.values() for item in items}
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for found in files_repo.shared_item_files(session, **where, lock=lock):
        item_type, _dash, value = found.key.partition("-")
        key = f"{item_type}:{value}" if item_type != "strategy" else f"{SECTION_FILES}{value}"
        if key in keys or key.startswith(SECTION_FILES):
            files[key].append(
                {
                    "id": found.id,
                    "name": found.file_name,
                    "size": found.size,
                    "content_type": found.content_type,
                    "sha256": found.sha256,
                }
            )
    return dict(files)


def files_of(content: Snapshot) -> list[dict[str, Any]]:
    """Every file an agreed snapshot lists (a file is listed once)."""
    return [file for files in content.get("files", {}).values() for file in files]


def build(session: Session, *, plan: Plan, lock_files: bool = False) -> Snapshot:
    """The plan's shared content now (six queries). ``lock_files``: the files' rows are
    locked until commit (an approval that may freeze a version referring to them)."""
    assert plan.id is not None
    where = {"account_id": plan.account_id, "plan_id": plan.id}
    # The queries run in this order whatever the order of the sections shown.
    priorities = _priorities(session, where)
    strategy = _strategy(session, where)
    value = _value(session, where)
    initiatives = _initiatives(session, where)
    actions = _actions(session, where)
    sections = {
        "strategy": strategy,
        "priorities": priorities,
        "value": value,
        "initiatives": initiatives,
        "actions": actions,
    }
    content: Snapshot = {"format": FORMAT, "period": plan.period, "sections": sections}
    files = _files(session, where, sections, lock_files)
    if files:
        content["files"] = files
    return content


def canonical(snapshot: Snapshot) -> str:
    """Sorted keys, no whitespace, UTF-8 text: equal content gives equal text."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(snapshot: Snapshot) -> str:
    return hashlib.sha256(canonical(snapshot).encode()).hexdigest()
