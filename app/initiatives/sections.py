"""The initiatives section of the plan page: one query, whatever the number of initiatives.

Context it adds:
- ``initiatives``: a list of ``InitiativeView`` (``.initiative``, ``.priority_ids``: the ids of
  the priorities it is linked to, ascending; ``.linked``: those of them that are active, in the
  client's order, once the page calls ``link_priorities``), oldest first, only what the reader
  may see (``access.visibilities``: drafts are for the vendor side only);
- ``initiative_form`` / ``initiative_errors``: the "new initiative" form (empty, or as typed);
- ``answer_form`` / ``answer_errors``: a client's answer being corrected (None: none);
- ``initiative_notice``: the confirmation shown in the section after an htmx change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.initiatives import repository
from app.initiatives.schemas import InitiativeForm
from app.kit.window import Shown, Windows
from app.models import InitiativeStatus, Plan, Priority
from app.permissions.policy import AccountAccess, Actor
from app.web.forms import FormErrors


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    views = repository.for_plan(
        db, account_id=access.account_id, plan_id=plan.id, visibilities=access.visibilities
    )
    own = actor.id if access.is_vendor and access.membership else None
    return {
        "initiatives": views,
        "initiative_form": InitiativeForm(owner_id=str(own or "")),
        "initiative_errors": FormErrors(),
        "answer_form": None,
        "answer_errors": FormErrors(),
        "initiative_notice": "",
        "initiative_groups": groups,
    }


# The section's groups, in the order shown: each a list of its own, a page at a time.
GROUPS = (
    (InitiativeStatus.PROPOSED, "Proposed — waiting for the client's answer"),
    (InitiativeStatus.ACCEPTED, "Accepted"),
    (InitiativeStatus.PARKED, "Parked"),
    (InitiativeStatus.DECLINED, "Declined"),
    (InitiativeStatus.DRAFT, "Internal drafts — not visible to the client"),
)


# Set aside by the client's answer: these groups come folded, their rows on demand (as done
# and cancelled actions do), unless the query asks for them or a change was about one of them.
ON_DEMAND = frozenset({InitiativeStatus.PARKED, InitiativeStatus.DECLINED})


@dataclass(frozen=True)
class Group:
    """A group of the section. ``foldable``: shown as a disclosure (``open`` or not); a closed
    one renders no row (``shown`` is empty but for its total)."""

    status: str
    label: str
    shown: Shown[repository.InitiativeView]
    foldable: bool = False
    open: bool = True

    @property
    def list_id(self) -> str:
        return f"initiatives-{self.status}"

    @property
    def list_name(self) -> str:
        """The list's name in the query string (app/kit/window.py)."""
        return f"initiatives_{self.status}"


def groups(
    views: Sequence[repository.InitiativeView],
    windows: Windows,
    reveal: int | None = None,
    *,
    closed: bool = False,
) -> list[Group]:
    """The initiatives by status, each group a page at a time (``initiatives_<status>`` in the
    query string: app/kit/window.py), down to the initiative ``reveal`` (the one a change was
    about) at least; the groups with none are left out. Parked and declined come folded and
    unrendered (``ON_DEMAND``) unless the query names their list or ``reveal`` is one of
    theirs; a ``closed`` period shows every group as it is."""
    found = []
    for status, label in GROUPS:
        rows = [view for view in views if view.initiative.status == status]
        if not rows:
            continue
        name = f"initiatives_{status.value}"
        foldable = status in ON_DEMAND and not closed
        revealed = reveal is not None and any(view.initiative.id == reveal for view in rows)
        if foldable and not (revealed or windows.asks(name)):
            found.append(Group(status.value, label, Shown(name, [], 0, len(rows)), True, False))
            continue
        picked = (lambda view: view.initiative.id == reveal) if revealed else None
        found.append(Group(status.value, label, windows(name).slice(rows, picked), foldable))
    return found


def link_priorities(views: Sequence[repository.InitiativeView], ranked: Sequence[Priority]) -> None:
    """Give each initiative the active priorities it answers, in the order of ``ranked`` (the
    client's): once per page, by id, where matching them in the template cost initiatives x
    priorities (a quarter of the large plan's page at four times its size)."""
    place = {priority.id: n for n, priority in enumerate(ranked)}
    for view in views:
        linked = sorted((i for i in view.priority_ids if i in place), key=place.__getitem__)
        view.linked = [ranked[place[i]] for i in linked]
