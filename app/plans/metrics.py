"""Focus metrics of a plan (DESIGN.md §3.9), as pure functions of rows already loaded.

Each figure is a share between 0 and 1 together with what it was measured on, so the page can
say "3 of 5 top priorities" next to "60%"; a figure with nothing to measure has no value ("—").

- *client-focus index*: over the shared initiatives (proposed, accepted, declined, parked), the
  mean of each initiative's score ``(n + 1 - best linked rank) / n`` for ``n`` ranked priorities:
  1.0 for an initiative answering the top priority, 0 for one answering none (us-focused).
- *coverage*: share of the client's top priorities (the top 5, or all if fewer) addressed by an
  accepted initiative or an open action (linked directly, or through an accepted initiative).
- *validation*: share of what the plan rests on that the client stated or confirmed itself:
  (ranked priorities + profile sections confirmed + people of the map confirmed) /
  (ranked priorities + vendor suggestions waiting for an answer + profile sections sent for
  validation + people sent for confirmation). Only what was sent counts: nothing internal.
  The profile and the map are the account's, not a period's: a closed period counts its own
  priorities only (today's confirmations would not be what that period rested on).

Drafts never count (they are internal), so both sides see the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.actions import smart
from app.models import InitiativeStatus

TOP = 5
SHARED_STATUSES = frozenset(
    {
        InitiativeStatus.PROPOSED,
        InitiativeStatus.ACCEPTED,
        InitiativeStatus.DECLINED,
        InitiativeStatus.PARKED,
    }
)


@dataclass(frozen=True)
class Figure:
    """A share (0..1, None: nothing to measure) and what it was measured on."""

    value: float | None
    basis: str
    part: int = 0  # what counts, of
    whole: int = 0  # what was measured

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{round(self.value * 100)}%"


@dataclass(frozen=True)
class LinkedInitiative:
    """What the metrics need of an initiative: its status and the priorities it answers."""

    status: str
    priority_ids: Sequence[int]


class LinkedAction(Protocol):
    """What the metrics need of an action: its status and what it is linked to (the plan
    page's ``PlanAction`` rows are read as they are: no copy of each)."""

    @property
    def status(self) -> str: ...

    @property
    def priority_id(self) -> int | None: ...

    @property
    def initiative_id(self) -> int | None: ...


@dataclass(frozen=True)
class FocusMetrics:
    client_focus: Figure
    coverage: Figure
    validation: Figure


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def client_focus_index(initiatives: Iterable[LinkedInitiative], ranks: Mapping[int, int]) -> Figure:
    """``ranks``: {priority id: rank} of the ranked (active) priorities."""
    shared = [i for i in initiatives if i.status in SHARED_STATUSES]
    n = len(ranks)
    if not shared:
        return Figure(None, "no initiative proposed to the client yet")
    if n == 0:
        return Figure(None, "the client has not ranked any priority yet")
    total = 0.0
    answering = 0
    for initiative in shared:
        linked = [ranks[p] for p in initiative.priority_ids if p in ranks]
        if linked:
            answering += 1
            total += (n + 1 - min(linked)) / n
    return Figure(
        total / len(shared),
        f"{answering} of {_plural(len(shared), 'shared initiative')} answer a client priority",
        answering,
        len(shared),
    )


def coverage(
    top_priority_ids: Sequence[int],
    initiatives: Mapping[int, LinkedInitiative],
    actions: Iterable[LinkedAction],
) -> Figure:
    """``top_priority_ids``: the client's top priorities; ``initiatives``: by id."""
    if not top_priority_ids:
        return Figure(None, "the client has not ranked any priority yet")
    accepted = {
        initiative_id
        for initiative_id, initiative in initiatives.items()
        if initiative.status == InitiativeStatus.ACCEPTED
    }
    addressed: set[int] = set()
    for initiative_id in accepted:
        addressed.update(initiatives[initiative_id].priority_ids)
    for action in actions:
        if not smart.is_open(action.status):
            continue
        if action.priority_id is not None:
            addressed.add(action.priority_id)
        if action.initiative_id in accepted:
            addressed.update(initiatives[action.initiative_id].priority_ids)
    covered = sum(1 for p in top_priority_ids if p in addressed)
    return Figure(
        covered / len(top_priority_ids),
        f"{covered} of {_plural(len(top_priority_ids), 'top priority', 'top priorities')}",
        covered,
        len(top_priority_ids),
    )


CURRENT_ONLY = "the profile and the map count in the current period only"


def validation(
    ranked: int,
    pending_suggestions: int,
    sections: tuple[int, int] = (0, 0),
    people: tuple[int, int] = (0, 0),
    *,
    closed: bool = False,
) -> Figure:
    """``sections`` and ``people``: (confirmed by the client, sent to it for validation), the
    account's as they are now, left out of a ``closed`` period's figure."""
    if closed:
        figure = validation(ranked, pending_suggestions)
        if figure.value is None:
            return Figure(None, f"no priority stated or suggested; {CURRENT_ONLY}")
        return Figure(figure.value, f"{figure.basis}; {CURRENT_ONLY}", figure.part, figure.whole)
    total = ranked + pending_suggestions + sections[1] + people[1]
    if total == 0:
        return Figure(None, "no priority stated or suggested, nothing sent for validation yet")
    parts = []
    if ranked + pending_suggestions:
        said = f"{ranked} of {_plural(ranked + pending_suggestions, 'priority', 'priorities')}"
        said += " stated by the client"
        if pending_suggestions:
            waiting = _plural(pending_suggestions, "vendor suggestion")
            said += f" ({waiting} waiting for an answer)"
        parts.append(said)
    for (confirmed, sent), one, many in (
        (sections, "profile section", "profile sections"),
        (people, "person of the map", "people of the map"),
    ):
        if sent:
            parts.append(f"{confirmed} of {_plural(sent, one, many)} confirmed")
    part = ranked + sections[0] + people[0]
    return Figure(part / total, "; ".join(parts), part, total)


def _confirmed(found: Mapping[str, tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]]:
    return found.get("sections", (0, 0)), found.get("people", (0, 0))


def for_plan(context: Mapping[str, Any]) -> FocusMetrics:
    """The plan's focus metrics from the plan page's context (no query): ``priorities``
    (ranked (Priority, owner) rows), ``suggestions``, ``initiatives`` (``InitiativeView``),
    ``confirmations`` (``plans.repository.confirmations``) and, when the actions section
    provides them, ``actions`` (Action rows); ``closed``: the plan is a closed period."""
    ranked = [row[0] for row in context.get("priorities", [])]
    ranks = {p.id: p.rank for p in ranked if p.id is not None and p.rank is not None}
    top = [p.id for p in sorted(ranked, key=lambda p: p.rank)[:TOP] if p.id is not None]
    initiatives = {
        view.initiative.id: LinkedInitiative(view.initiative.status, view.priority_ids)
        for view in context.get("initiatives", [])
    }
    rows = (row[0] if isinstance(row, tuple) else row for row in context.get("actions", []))
    actions = [action for action in rows if getattr(action, "removed_at", None) is None]
    return FocusMetrics(
        client_focus=client_focus_index(initiatives.values(), ranks),
        coverage=coverage(top, initiatives, actions),
        validation=validation(
            len(ranks),
            len(context.get("suggestions", [])),
            *_confirmed(context.get("confirmations", {})),
            closed=bool(context.get("closed", False)),
        ),
    )
