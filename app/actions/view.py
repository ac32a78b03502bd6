"""What the actions section shows, worked out from rows already loaded (no queries here).

The plan page's context already holds the members, the priorities and (from the initiatives
package, when present) the initiatives the viewer may see; the section template calls
``section`` once with them. A linked initiative whose title the viewer may not see, or that is
not in the list, is shown as "an initiative", never by its title. ``open_row`` makes the same row
of one action read on its own (``repository.linked_in_plan``), for an answer that redraws it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.actions import smart
from app.actions.repository import ActionWithLinks, MyAction, PlanAction
from app.kit.window import Shown, Window
from app.kit.words import possessive
from app.models import Action, ActionStatus, Membership, Role, Side, Visibility
from app.permissions.policy import AccountAccess


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class ChoiceGroup:
    label: str
    choices: list[Choice]


@dataclass(frozen=True)
class ActionRow:
    action: PlanAction
    owner_name: str  # '' when nobody owns it
    owner_side: str  # the owner's organisation
    owner_left: bool  # owned by someone no longer on the account
    link_label: str  # '' when it serves nothing yet
    gaps: list[smart.Gap]
    due_label: str
    overdue_days: int

    @property
    def status_label(self) -> str:
        return ActionStatus(self.action.status).label


@dataclass
class Section:
    """The section's actions, open (overdue first, then by due date) and closed (the latest
    changed first); view rows are made by ``row`` only for the actions rendered (a page of
    them: app/kit/window.py)."""

    open: list[PlanAction]
    closed: list[PlanAction]
    overdue_count: int
    row: Callable[[PlanAction], ActionRow]
    owner_groups: list[ChoiceGroup] = field(default_factory=list)
    link_groups: list[ChoiceGroup] = field(default_factory=list)

    def open_shown(self, window: Window, reveal: int | None = None) -> Shown[ActionRow]:
        """The open actions ``window`` renders, down to the action ``reveal`` (the one just
        added or changed) at least."""
        picked = (lambda action: action.id == reveal) if reveal else None
        return window.slice(self.open, picked).map(self.row)

    def closed_shown(self, window: Window, reveal: int | None = None) -> Shown[ActionRow]:
        """The done and cancelled actions ``window`` renders (the latest changed first, so the
        one a change just closed leads), down to the action ``reveal`` at least."""
        picked = (lambda action: action.id == reveal) if reveal else None
        return window.slice(self.closed, picked).map(self.row)

    def reveals_closed(self, reveal: int | None) -> bool:
        """Whether the action ``reveal`` (the one a change was about) is a closed one: only
        then does the change's answer render the closed list, open at it."""
        return reveal is not None and any(action.id == reveal for action in self.closed)


def _item(entry: Any) -> Any:
    """Context lists hold items, rows whose first element is the item ((Priority, owner)), or
    views that carry it (``InitiativeView.initiative``)."""
    if isinstance(entry, tuple):
        return entry[0]
    return getattr(entry, "initiative", entry)


def _side_names(access: AccountAccess) -> dict[Side, str]:
    return {
        Side.VENDOR: access.account.workspace.name,
        Side.CLIENT: access.account.client_org.name,
    }


def owner_groups(members: Sequence[Membership], access: AccountAccess) -> list[ChoiceGroup]:
    """Who may own an action: every active member, grouped by side (vendor first)."""
    names = _side_names(access)
    groups = []
    for side in (Side.VENDOR, Side.CLIENT):
        people = sorted(
            (m.user for m in members if m.role_enum.side is side),
            key=lambda u: u.display_name.lower(),
        )
        if people:
            groups.append(
                ChoiceGroup(names[side], [Choice(str(u.id), u.display_name) for u in people])
            )
    return groups


def link_groups(
    priorities: Iterable[Any], initiatives: Iterable[Any], access: AccountAccess
) -> list[ChoiceGroup]:
    """What a new link may point at: the plan's active priorities and shared initiatives."""
    groups = []
    prios = [_item(p) for p in priorities]
    if prios:
        groups.append(
            ChoiceGroup(
                f"{possessive(access.account.client_org.name)} priorities",
                [Choice(f"priority:{p.id}", p.title) for p in prios],
            )
        )
    shared = [
        i
        for i in map(_item, initiatives)
        if i.visibility == Visibility.SHARED and getattr(i, "removed_at", None) is None
    ]
    if shared:
        groups.append(
            ChoiceGroup("Initiatives", [Choice(f"initiative:{i.id}", i.title) for i in shared])
        )
    return groups


def link_label(
    action: Action | PlanAction, priority_title: str | None, initiative_title: str | None
) -> str:
    """What the action serves, by the title the viewer may see ('' when nothing yet): a linked
    priority that was removed says so; an initiative not seen is only "an initiative"."""
    if action.priority_id is not None:
        return f"Priority: {priority_title}" if priority_title else "A priority that was removed"
    if action.initiative_id is not None:
        return f"Initiative: {initiative_title}" if initiative_title else "An initiative"
    return ""


Sides = dict[int, tuple[str, str]]


def owner_sides(members: Sequence[Membership], access: AccountAccess) -> Sides:
    """Each active member's name and organisation, by user id: who may be shown as an owner."""
    names = _side_names(access)
    return {m.user_id: (m.user.display_name, names[m.role_enum.side]) for m in members}


def action_row(
    action: PlanAction,
    sides: Sides,
    priority_title: str | None,
    initiative_title: str | None,
    *,
    on: date,
) -> ActionRow:
    """One action's row: its owner by ``sides`` (someone not in it has left the account), what
    it serves by the titles the viewer may see, its SMART gaps and due date seen ``on``."""
    owner = sides.get(action.owner_id) if action.owner_id is not None else None
    left = action.owner_id is not None and owner is None
    return ActionRow(
        action=action,
        owner_name=owner[0] if owner else "",
        owner_side=owner[1] if owner else "",
        owner_left=left,
        link_label=link_label(action, priority_title, initiative_title),
        gaps=smart.gaps(action, owner_active=not left),
        due_label=smart.due_label(action, today=on),
        overdue_days=smart.overdue_days(action, today=on),
    )


def open_row(found: ActionWithLinks | None, access: AccountAccess, *, on: date) -> ActionRow | None:
    """The row of one action loaded on its own (``repository.linked_in_plan``), as the section
    draws it; None when it is gone or no longer open (its row leaves the open list)."""
    if found is None or not smart.is_open(found.action.status):
        return None
    sides: Sides = {}
    if found.action.owner_id is not None and found.owner_role is not None:
        side = _side_names(access)[Role(found.owner_role).side]
        sides[found.action.owner_id] = (found.owner_name or "", side)
    return action_row(found.action, sides, found.priority_title, found.initiative_title, on=on)


def section(
    actions: Sequence[PlanAction],
    members: Sequence[Membership],
    priorities: Iterable[Any],
    initiatives: Iterable[Any],
    access: AccountAccess,
    *,
    on: date,
) -> Section:
    """``on``: the viewer's today (``Actor.today()``: where they are, not in UTC)."""
    priorities, initiatives = list(priorities), list(initiatives)
    sides = owner_sides(members, access)
    priority_titles = {_item(p).id: _item(p).title for p in priorities}
    initiative_titles = {
        i.id: i.title for i in map(_item, initiatives) if i.visibility in access.visibilities
    }

    def row(action: PlanAction) -> ActionRow:
        priority = priority_titles.get(action.priority_id or 0)
        initiative = initiative_titles.get(action.initiative_id or 0)
        return action_row(action, sides, priority, initiative, on=on)

    open_ = [a for a in actions if smart.is_open(a.status)]
    overdue = {a.id for a in open_ if a.due_on is not None and a.due_on < on}
    # The query orders by due date; overdue ones lead already, this keeps it true regardless.
    open_.sort(key=lambda a: 0 if a.id in overdue else 1)
    return Section(
        open=open_,
        # The latest changed first: a list that grows all year is read from its recent end.
        closed=sorted(
            (a for a in actions if not smart.is_open(a.status)),
            key=lambda a: (a.updated_at, a.id),
            reverse=True,
        ),
        overdue_count=len(overdue),
        row=row,
        owner_groups=owner_groups(members, access),
        link_groups=link_groups(priorities, initiatives, access),
    )


@dataclass(frozen=True)
class MyRow:
    action: Action
    link_label: str
    due_label: str
    overdue_days: int
    gaps: list[smart.Gap]

    @property
    def status_label(self) -> str:
        return ActionStatus(self.action.status).label


@dataclass
class MyGroup:
    """One account's part of "my actions"."""

    account_id: int
    account_name: str
    rows: list[MyRow] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.overdue_days)


def my_groups(found: Iterable[MyAction], *, on: date) -> list[MyGroup]:
    """Group a person's open actions by account: the account with the most pressing action
    first, and in each the overdue ones first, then by due date (undated last). ``on``: the
    person's today."""
    groups: dict[int, MyGroup] = {}
    for item in found:
        action = item.action
        link = link_label(action, item.priority_title, item.initiative_title)
        group = groups.setdefault(item.account_id, MyGroup(item.account_id, item.account_name))
        group.rows.append(
            MyRow(
                action=action,
                link_label=link,
                due_label=smart.due_label(action, today=on),
                overdue_days=smart.overdue_days(action, today=on),
                gaps=smart.gaps(action),
            )
        )
    for group in groups.values():
        group.rows.sort(key=lambda r: 0 if r.overdue_days else 1)
    return sorted(groups.values(), key=lambda g: 0 if g.overdue_count else 1)
