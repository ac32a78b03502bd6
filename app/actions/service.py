"""Adding, changing and removing joint actions. Every change is audited (shared: actions are
co-owned and never internal), edits and status changes refuse stale versions, and whoever is
given an action hears about it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.actions import repository
from app.actions.schemas import CheckedAction, Link
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import Action, ActionStatus, Plan, User, Visibility
from app.notifications.service import notify

FIELDS = ("title", "outcome", "owner_id", "due_on", "status", "priority_id", "initiative_id")


TRAIL = versioned.Trail("action")


class LinkNotAllowed(ValueError):
    """The chosen priority or initiative is not one an action of this plan may serve."""


def _values(checked: CheckedAction) -> dict[str, Any]:
    """The action's fields as ``checked`` sets them (``FIELDS``, in that order)."""
    link = {"priority_id": checked.link.priority_id, "initiative_id": checked.link.initiative_id}
    return {field: link[field] if field in link else getattr(checked, field) for field in FIELDS}


def check_link(session: Session, *, plan: Plan, link: Link) -> None:
    """Raise ``LinkNotAllowed`` unless the link is nothing, an active priority of the plan or
    a shared (never a draft) initiative of it."""
    assert plan.id is not None
    if link.priority_id is not None and link.initiative_id is not None:
        raise LinkNotAllowed("one link at most")
    if link.priority_id is not None and not repository.linkable_priority(
        session, account_id=plan.account_id, plan_id=plan.id, priority_id=link.priority_id
    ):
        raise LinkNotAllowed("priority")
    if link.initiative_id is not None and not repository.linkable_initiative(
        session, account_id=plan.account_id, plan_id=plan.id, initiative_id=link.initiative_id
    ):
        raise LinkNotAllowed("initiative")


def _tell_owner(session: Session, *, actor: User, action: Action, changed: bool) -> None:
    """Notify the new owner (``notify`` drops the actor: assigning oneself tells nobody)."""
    if action.owner_id is None:
        return
    due = f", due {action.due_on:%d %b %Y}" if action.due_on else ""
    verb = "made you the owner of" if not changed else "handed you"
    notify(
        session,
        account_id=action.account_id,
        recipient_ids=[action.owner_id],
        kind="action.assigned",
        message=f"{actor.display_name} {verb} the action “{action.title}”{due}.",
        link=f"/accounts/{action.account_id}/plan#action-{action.id}",
        actor=actor,
        visibility=Visibility.SHARED,
    )


def create(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    checked: CheckedAction,
    joint_review_id: int | None = None,
) -> Action:
    """Raises ``LinkNotAllowed`` (nothing written) for a link the plan does not allow.
    ``joint_review_id``: the joint review whose minutes record the new action."""
    check_link(session, plan=plan, link=checked.link)
    assert plan.id is not None
    action = Action(
        account_id=plan.account_id,
        plan_id=plan.id,
        **_values(checked),
        created_by_id=actor.id,
        joint_review_id=joint_review_id,
    )
    in_review = {"joint_review_id": [None, joint_review_id]} if joint_review_id else None
    TRAIL.created(session, actor, action, _values(checked), changes=in_review)
    _tell_owner(session, actor=actor, action=action, changed=False)
    return action


def update(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    action: Action,
    checked: CheckedAction,
    expected_version: int,
) -> bool:
    """Save the edit; False when nothing changed. Raises ``StaleEdit`` when someone saved a
    newer version meanwhile and ``LinkNotAllowed`` for a bad link: nothing is written."""
    versioned.check_version(session, action, expected_version, item_type="action")
    link = checked.link
    if (action.priority_id, action.initiative_id) != (link.priority_id, link.initiative_id):
        # An unchanged link stays even if its priority was removed since; a new one is checked.
        check_link(session, plan=plan, link=link)
    changes = TRAIL.edit(session, actor, action, _values(checked), expected_version)
    if not changes:
        return False
    if "owner_id" in changes:
        _tell_owner(session, actor=actor, action=action, changed=True)
    return True


def change_status(
    session: Session, *, actor: User, action: Action, status: ActionStatus, expected_version: int
) -> bool:
    """The quick status change; False when it already had that status. Raises ``StaleEdit``."""
    versioned.check_version(session, action, expected_version, item_type="action")
    if action.status == status:
        return False
    old, action.status = action.status, status
    TRAIL.change(session, actor, action, "action.status_changed", {"status": [old, status.value]})
    return True


def remove(session: Session, *, actor: User, action: Action) -> None:
    TRAIL.removed(session, actor, action, ("title",))
