"""Changing a workspace's scorecard and scoring its accounts. Keyword-only; flushes, never
commits.

Everything here is internal to the vendor. Attribute changes belong to no account: they are on
the global audit chain (``account_id=None``); a scoring is on its account's chain. Every change
to the attributes first takes the workspace's lock, so the limit of 10, the unique names and the
order hold when two admins work at once. A scoring is never edited: each one is a new row, and
the latest is the account's score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.kit import items, versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import (
    DEFAULT_SCORECARD,
    AccountScore,
    ScorecardAttribute,
    ScorecardHalf,
    User,
    Visibility,
)
from app.scorecard import repository
from app.scorecard.schemas import AttributeValues, CheckedEntry, name_key
from app.scorecard.scoring import MAX_ATTRIBUTES, compute
from app.web.forms import FormErrors

FIELDS = ("name", "half", "weight", "description", "objective_id")


# Internal, on the global chain: the scorecard is the workspace's, of no single account.
TRAIL = versioned.Trail(repository.ATTRIBUTE, Visibility.INTERNAL)
SCORE_TRAIL = versioned.Trail(repository.SCORE, Visibility.INTERNAL)


class Refused(Exception):
    """The change breaks a rule of the scorecard (too many attributes, a name taken, defaults
    over existing attributes): nothing was written; ``errors`` say why, per field."""

    def __init__(self, errors: FormErrors) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _values(attribute: ScorecardAttribute) -> dict[str, Any]:
    return {name: getattr(attribute, name) for name in FIELDS}


def _name_taken(
    attributes: Sequence[ScorecardAttribute], name: str, *, editing: int | None = None
) -> ScorecardAttribute | None:
    key = name_key(name)
    for other in attributes:
        if other.id != editing and name_key(other.name) == key:
            return other
    return None


def _taken_error(other: ScorecardAttribute) -> FormErrors:
    errors = FormErrors()
    errors.add(
        "name",
        f"The scorecard already has “{other.name}”. Give each attribute its own name "
        "(names are compared whatever their capitals).",
    )
    return errors


def _check_objective(session: Session, workspace_id: int, objective_id: int | None) -> None:
    """The objective an attribute names is a live one of its workspace (checked under the
    workspace's lock, which removing an objective takes too)."""
    if objective_id is None:
        return
    if (
        repository.get_objective(session, workspace_id=workspace_id, objective_id=objective_id)
        is None
    ):
        errors = FormErrors()
        errors.add(
            "objective_id",
            "That objective is no longer one of the workspace's: choose another, or none.",
        )
        raise Refused(errors)


def add_attribute(
    session: Session,
    *,
    actor: User,
    workspace_id: int,
    values: AttributeValues,
) -> ScorecardAttribute:
    """A new attribute at the bottom of the list. Raises ``Refused`` when the scorecard has
    its 10 attributes already or the name is taken."""
    repository.lock_workspace(session, workspace_id=workspace_id)
    attributes = repository.active_attributes(session, workspace_id=workspace_id)
    if len(attributes) >= MAX_ATTRIBUTES:
        errors = FormErrors()
        errors.add(
            "_form",
            f"The scorecard already has {MAX_ATTRIBUTES} attributes, the most it can have: "
            "more would blur what makes an account strategic. Remove or reword one instead.",
        )
        raise Refused(errors)
    if (other := _name_taken(attributes, values.name)) is not None:
        raise Refused(_taken_error(other))
    _check_objective(session, workspace_id, values.objective_id)
    attribute = ScorecardAttribute(
        workspace_id=workspace_id,
        name=values.name,
        description=values.description,
        half=values.half.value,
        weight=values.weight,
        position=max((a.position for a in attributes), default=0) + 1,
        objective_id=values.objective_id,
    )
    session.add(attribute)
    session.flush()
    changes = {"position": [None, attribute.position]} | audit.diff({}, _values(attribute))
    TRAIL.event(session, actor, attribute, "scorecard.attribute_added", changes)
    return attribute


def update_attribute(
    session: Session,
    *,
    actor: User,
    attribute: ScorecardAttribute,
    values: AttributeValues,
    expected_version: int,
) -> bool:
    """Save the edit; False when nothing changed. Raises ``StaleEdit`` when someone saved a
    newer version meanwhile and ``Refused`` when the name is another attribute's: nothing is
    written. Scorings already made keep the attribute as it was scored."""
    assert attribute.id is not None
    repository.lock_workspace(session, workspace_id=attribute.workspace_id)
    versioned.check_global_version(
        session, attribute, expected_version, item_type=repository.ATTRIBUTE
    )
    attributes = repository.active_attributes(session, workspace_id=attribute.workspace_id)
    if (other := _name_taken(attributes, values.name, editing=attribute.id)) is not None:
        raise Refused(_taken_error(other))
    _check_objective(session, attribute.workspace_id, values.objective_id)
    before = _values(attribute)
    attribute.name, attribute.description = values.name, values.description
    attribute.half, attribute.weight = values.half.value, values.weight
    attribute.objective_id = values.objective_id
    changes = audit.diff(before, _values(attribute))
    if not changes:
        return False
    TRAIL.change(session, actor, attribute, "scorecard.attribute_updated", changes)
    return True


def remove_attribute(session: Session, *, actor: User, attribute: ScorecardAttribute) -> None:
    """Soft delete: the attribute leaves the scorecard; scorings that used it keep it."""
    repository.lock_workspace(session, workspace_id=attribute.workspace_id)
    TRAIL.removed(session, actor, attribute, FIELDS, verb="scorecard.attribute_removed")


def move_attribute(
    session: Session, *, actor: User, attribute: ScorecardAttribute, up: bool
) -> bool:
    """Swap with the neighbour above or below; False when already first or last. The order is
    not part of the edit form, so a move leaves versions alone."""
    return swap_in_workspace(
        session,
        actor=actor,
        item=attribute,
        order=ScorecardAttribute.position,
        trail=TRAIL,
        verb="scorecard.attribute_moved",
        up=up,
    )


def swap_in_workspace(
    session: Session,
    *,
    actor: User,
    item: Any,
    order: Any,
    trail: versioned.Trail,
    verb: str,
    up: bool,
) -> bool:
    """Swap a workspace's ordered item (an attribute, an objective) with its neighbour above or
    below, under the workspace's lock; False when already first or last. Audited with both
    rows of the swap: the moved item's own position, and its neighbour's."""
    repository.lock_workspace(session, workspace_id=item.workspace_id)
    # A workspace's item: the kit's neighbour needs only the columns named here.
    other = items.neighbour(session, item, order=order, same=(type(item).workspace_id,), up=up)
    if other is None:
        return False
    old = item.position
    item.position, other.position = other.position, old
    session.add_all([item, other])
    trail.event(
        session,
        actor,
        item,
        verb,
        {
            "position": [old, item.position],
            "neighbour": [None, {"id": other.id, "position": [item.position, old]}],
        },
    )
    return True


def create_defaults(
    session: Session, *, actor: User, workspace_id: int
) -> list[ScorecardAttribute]:
    """The recommended attributes (``models.DEFAULT_SCORECARD``), only on an empty scorecard;
    ``Refused`` otherwise (nothing is written)."""
    repository.lock_workspace(session, workspace_id=workspace_id)
    if repository.active_attributes(session, workspace_id=workspace_id):
        errors = FormErrors()
        errors.add(
            "_form",
            "The scorecard already has attributes, so the recommended set was not added. "
            "Add, edit or remove attributes one by one instead.",
        )
        raise Refused(errors)
    made: list[ScorecardAttribute] = []
    for position, (name, half, weight, description) in enumerate(DEFAULT_SCORECARD, start=1):
        attribute = ScorecardAttribute(
            workspace_id=workspace_id,
            name=name,
            description=description,
            half=half.value,
            weight=weight,
            position=position,
        )
        session.add(attribute)
        made.append(attribute)
    session.flush()
    for attribute in made:
        changes = {"position": [None, attribute.position]} | audit.diff({}, _values(attribute))
        TRAIL.event(session, actor, attribute, "scorecard.attribute_added", changes)
    return made


def _summary(
    current: float | None, future: float | None, tier: str | None, entries: Sequence[Any]
) -> dict[str, Any]:
    return {
        "current": current,
        "future": future,
        "tier": tier,
        "scores": {str(e["name"]): e["score"] for e in entries},
    }


def score_account(
    session: Session,
    *,
    actor: User,
    account_id: int,
    entries: Sequence[CheckedEntry],
    note: str,
) -> AccountScore:
    """A new scoring of the account (``entries``: every live attribute, checked). The halves'
    weighted means and the tier are computed here; the attributes are frozen into the row as
    they are now. Raises ``Refused`` when a half has no attribute (the account cannot be
    placed)."""
    result = compute(entry.scored() for entry in entries)
    tier = result.tier
    if tier is None or result.current is None or result.future is None:
        errors = FormErrors()
        errors.add("_form", not_enough_message(result.missing_halves))
        raise Refused(errors)
    previous = repository.latest(session, account_id=account_id)
    frozen = [entry.frozen() for entry in entries]
    score = AccountScore(
        account_id=account_id,
        current=result.current,
        future=result.future,
        tier=tier.value,
        entries=frozen,
        note=note,
        scored_by_id=actor.id,
    )
    session.add(score)
    session.flush()
    before = (
        _summary(previous.current, previous.future, previous.tier, previous.entries)
        | {"note": previous.note}
        if previous is not None
        else {}
    )
    after = _summary(score.current, score.future, score.tier, frozen) | {"note": note}
    SCORE_TRAIL.event(session, actor, score, "scorecard.account_scored", audit.diff(before, after))
    return score


def not_enough_message(missing: Sequence[ScorecardHalf]) -> str:
    halves = " and ".join(f"“{half.label}”" for half in missing)
    return (
        f"Not enough attributes to place the account: the scorecard has no {halves} attribute, "
        "and a tier needs a score on both halves. A workspace admin must add one."
    )
