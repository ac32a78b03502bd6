"""The workspace's own strategic objectives (internal to the vendor), stated before any account
is selected: a list a workspace admin edits (title, description, order). Each scorecard
attribute names the objective it serves (``ScorecardAttribute.objective_id``), so the scorecard
says why an attribute matters.

Keyword-only; flushes, never commits. Objectives belong to no account: they are audited on the
global chain, internal. Every change first takes the workspace's lock (as the attributes do),
so the limit, the unique titles and the order hold when two admins work at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.kit import versioned
from app.kit.forms import Checked
from app.models import ScorecardAttribute, StrategicObjective, User, Visibility
from app.scorecard import repository
from app.scorecard.schemas import name_key, tidy
from app.scorecard.service import swap_in_workspace
from app.web.forms import FormErrors, check_line, check_text

MAX_OBJECTIVES = 10
MAX_TITLE = 120
MAX_OBJECTIVE_DESCRIPTION = 1000
FIELDS = ("title", "description")
TRAIL = versioned.Trail(repository.OBJECTIVE, Visibility.INTERNAL)


class Refused(Exception):
    """The change breaks a rule of the objectives: nothing was written."""

    def __init__(self, errors: FormErrors) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class ObjectiveValues:
    title: str  # spaces tidied
    description: str = ""


@dataclass
class ObjectiveForm:
    """One strategic objective, as typed."""

    title: str = ""
    description: str = ""

    @classmethod
    def of(cls, objective: StrategicObjective) -> ObjectiveForm:
        return cls(objective.title, objective.description)

    def tidied(self, values: ObjectiveValues) -> ObjectiveForm:
        return dataclasses.replace(self, title=values.title, description=values.description)

    def check(self) -> Checked[ObjectiveValues]:
        errors = FormErrors()
        title = check_line(
            self.title, errors, "title", label="the objective's title", max_length=MAX_TITLE
        )
        description = check_text(
            self.description,
            errors,
            "description",
            label="what the objective means",
            required=False,
            max_length=MAX_OBJECTIVE_DESCRIPTION,
        )
        if errors:
            return errors
        return ObjectiveValues(tidy(title), description)


def _values(objective: StrategicObjective) -> dict[str, Any]:
    return {name: getattr(objective, name) for name in FIELDS}


def _refuse(field: str, message: str) -> Refused:
    errors = FormErrors()
    errors.add(field, message)
    return Refused(errors)


def _check_title(
    objectives: Sequence[StrategicObjective], title: str, *, editing: int | None = None
) -> None:
    key = name_key(title)
    for other in objectives:
        if other.id != editing and name_key(other.title) == key:
            raise _refuse(
                "title",
                f"The workspace already has the objective “{other.title}”. Give each "
                "objective its own title (titles are compared whatever their capitals).",
            )


def add_objective(
    session: Session, *, actor: User, workspace_id: int, values: ObjectiveValues
) -> StrategicObjective:
    """A new objective at the bottom of the list; ``Refused`` when the workspace has its
    ``MAX_OBJECTIVES`` already or the title is taken."""
    repository.lock_workspace(session, workspace_id=workspace_id)
    objectives = repository.active_objectives(session, workspace_id=workspace_id)
    if len(objectives) >= MAX_OBJECTIVES:
        raise _refuse(
            "_form",
            f"The workspace already states {MAX_OBJECTIVES} objectives, the most it can have: "
            "a strategy that aims at everything selects nothing. Remove or merge one first.",
        )
    _check_title(objectives, values.title)
    objective = StrategicObjective(
        workspace_id=workspace_id,
        title=values.title,
        description=values.description,
        position=max((o.position for o in objectives), default=0) + 1,
    )
    session.add(objective)
    session.flush()
    changes = {"position": [None, objective.position]} | audit.diff({}, _values(objective))
    TRAIL.event(session, actor, objective, "objective.added", changes)
    return objective


def update_objective(
    session: Session,
    *,
    actor: User,
    objective: StrategicObjective,
    values: ObjectiveValues,
    expected_version: int,
) -> bool:
    """Save the edit; False when nothing changed. ``StaleEdit`` when someone saved a newer
    version meanwhile, ``Refused`` when the title is another objective's."""
    repository.lock_workspace(session, workspace_id=objective.workspace_id)
    versioned.check_global_version(
        session, objective, expected_version, item_type=repository.OBJECTIVE
    )
    objectives = repository.active_objectives(session, workspace_id=objective.workspace_id)
    _check_title(objectives, values.title, editing=objective.id)
    before = _values(objective)
    objective.title, objective.description = values.title, values.description
    changes = audit.diff(before, _values(objective))
    if not changes:
        return False
    TRAIL.change(session, actor, objective, "objective.updated", changes)
    return True


def remove_objective(session: Session, *, actor: User, objective: StrategicObjective) -> None:
    """Soft delete. The attributes that served it serve no objective any more, and the admin
    page says so (their link is kept for the record and read as none)."""
    repository.lock_workspace(session, workspace_id=objective.workspace_id)
    TRAIL.removed(session, actor, objective, FIELDS, verb="objective.removed")


def move_objective(
    session: Session, *, actor: User, objective: StrategicObjective, up: bool
) -> bool:
    """Swap with the neighbour above or below; False when already first or last."""
    return swap_in_workspace(
        session,
        actor=actor,
        item=objective,
        order=StrategicObjective.position,
        trail=TRAIL,
        verb="objective.moved",
        up=up,
    )


def serving(
    attributes: Sequence[ScorecardAttribute], objectives: Sequence[StrategicObjective]
) -> tuple[dict[int, StrategicObjective], list[ScorecardAttribute]]:
    """Each attribute's live objective (by attribute id), and the attributes that serve no
    live objective (the admin page warns about them)."""
    by_id = {o.id: o for o in objectives}
    served: dict[int, StrategicObjective] = {}
    orphans: list[ScorecardAttribute] = []
    for attribute in attributes:
        objective = by_id.get(attribute.objective_id)
        if objective is not None and attribute.id is not None:
            served[attribute.id] = objective
        else:
            orphans.append(attribute)
    return served, orphans
