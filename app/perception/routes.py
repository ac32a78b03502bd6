"""The perception page (vendor only): believed priorities and rating, and the gap to what the
client stated. Client roles are refused by the guards (403) before anything is loaded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Page
from app.kit.versioned import StaleEdit
from app.models import PerceivedPriority, Plan, PriorityStatus
from app.perception import repository, service
from app.perception.schemas import BeliefForm, RatingForm
from app.permissions.guards import (
    ItemAccess,
    PerceptionWriter,
    account_page,
    item_guard,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans.page import current_plan
from app.priorities import repository as priorities_repo
from app.value import repository as value_repo
from app.web.errors import AppError
from app.web.forms import FormErrors

router = APIRouter()
Text = Annotated[str, Form()]
BLOCK = "perception"

# A live belief of the account (internal: never the client side's).
WrittenBelief = Annotated[
    ItemAccess[PerceivedPriority],
    item_guard(Verb.PERCEPTION_WRITE, PerceivedPriority, "belief_id"),
]


def _dimensions(access: AccountAccess) -> list[str]:
    return list(access.account.workspace.value_dimensions)


def perception_context(
    db: DbSession, actor: Actor, access: AccountAccess, plan: Plan
) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries whatever the number of items."""
    assert plan.id is not None
    beliefs = repository.beliefs(db, plan_id=plan.id)
    client_rows = priorities_repo.for_plan(db, plan_id=plan.id)
    believed = repository.latest_belief_rating(db, plan_id=plan.id)
    stated = value_repo.latest(db, plan_id=plan.id)
    dimensions = _dimensions(access)
    client_priorities = [p for p, _ in client_rows]
    return {
        "access": access,
        "account": access.account,
        "plan": plan,
        "can_write": may(actor, access, Verb.PERCEPTION_WRITE),
        "beliefs": beliefs,
        "active_priorities": [p for p in client_priorities if p.status == PriorityStatus.ACTIVE],
        "believed_rating": believed[0] if believed else None,
        "believed_by": believed[1] if believed else None,
        "client_rating": stated,
        "dimensions": dimensions,
        "gap": service.gap(
            beliefs=beliefs,
            client_priorities=client_priorities,
            believed_rating=believed[0] if believed else None,
            client_rating=stated,
            dimensions=dimensions,
        ),
        "belief_form": BeliefForm(),
        "belief_errors": FormErrors(),
        "rating_form": RatingForm(),
        "rating_errors": FormErrors(),
        "notice": "",
    }


def perception_page(request: Request, db: DbSession, actor: Actor, access: AccountAccess) -> Page:
    """The perception page's responder; its context is built only when something is rendered."""
    return Page(
        request,
        "perception/show.html",
        lambda: perception_context(db, actor, access, current_plan(db, access)),
        url=f"/accounts/{access.account_id}/perception",
    )


def _link_choices(
    db: DbSession, plan: Plan, *, editing: int | None = None
) -> tuple[dict[int, str], dict[int, str]]:
    """The client's active priorities (id -> title) and those another belief already matches
    (id -> that belief's title)."""
    assert plan.id is not None
    priorities = {
        p.id: p.title for p, _ in priorities_repo.ranked(db, plan_id=plan.id) if p.id is not None
    }
    taken = {
        belief.priority_id: belief.title
        for belief, _ in repository.beliefs(db, plan_id=plan.id)
        if belief.priority_id is not None and belief.id != editing
    }
    return priorities, taken


account_page(
    router,
    "/accounts/{account_id}/perception",
    Verb.PERCEPTION_VIEW,
    perception_page,
    name="show_perception",
)


@router.post("/accounts/{account_id}/perception/beliefs")
def add_belief(
    request: Request,
    actor: CurrentActor,
    access: PerceptionWriter,
    db: DbSession,
    form: Annotated[BeliefForm, FormOf(BeliefForm)],
) -> Response:
    plan = current_plan(db, access)
    page = perception_page(request, db, actor, access)
    values = form.check(*_link_choices(db, plan))
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, belief_form=form, belief_errors=values)
    belief = service.add_belief(db, actor=actor.user, plan=plan, values=values)
    return page.done(f"Added “{belief.title}” as belief {belief.rank}.", BLOCK, anchor="beliefs")


def _edit_page(request: Request, db: DbSession, checked: ItemAccess[PerceivedPriority]) -> Page:
    """The page that edits one belief; after saving, back to the perception page."""
    access, belief = checked.access, checked.item

    def context() -> dict[str, Any]:
        plan = current_plan(db, access)
        assert plan.id is not None
        return {
            "access": access,
            "account": access.account,
            "belief": belief,
            "errors": {},
            "stale": None,
            "active_priorities": [p for p, _ in priorities_repo.ranked(db, plan_id=plan.id)],
        }

    return Page(
        request, "perception/edit.html", context, url=f"/accounts/{access.account_id}/perception"
    )


@router.get("/accounts/{account_id}/perception/beliefs/{belief_id}/edit")
def edit_belief(request: Request, db: DbSession, checked: WrittenBelief) -> Response:
    belief = checked.item
    return _edit_page(request, db, checked).render(
        form=BeliefForm.of(belief), version=belief.version
    )


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}")
def update_belief(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenBelief,
    form: Annotated[BeliefForm, FormOf(BeliefForm)],
    version: Annotated[int, Form()] = 0,
) -> Response:
    belief, page = checked.item, _edit_page(request, db, checked)
    plan = current_plan(db, checked.access)
    values = form.check(*_link_choices(db, plan, editing=belief.id))
    if isinstance(values, FormErrors):
        return page.refused(422, form=form, version=version, errors=values)
    try:
        service.update_belief(
            db, actor=actor.user, belief=belief, values=values, expected_version=version
        )
    except StaleEdit as stale:
        return page.refused(409, form=form, version=belief.version, stale=stale)
    return page.leave(f"Saved “{belief.title}”.", f"belief-{belief.id}")


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}/move")
def move_belief(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenBelief,
    direction: Text = "",
) -> Response:
    belief = checked.item
    if direction not in ("up", "down"):
        raise AppError("Move a belief up or down.")
    service.move_belief(db, actor=actor.user, belief=belief, up=direction == "up")
    return perception_page(request, db, actor, checked.access).done(
        f"“{belief.title}” is now belief {belief.rank}.",
        BLOCK,
        anchor="beliefs",
        focus=f"belief-{direction}-{belief.id}",
    )


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}/remove")
def remove_belief(
    request: Request, actor: CurrentActor, db: DbSession, checked: WrittenBelief
) -> Response:
    belief = checked.item
    service.remove_belief(db, actor=actor.user, belief=belief)
    page = perception_page(request, db, actor, checked.access)
    return page.done(f"Removed “{belief.title}”.", BLOCK, anchor="beliefs")


@router.post("/accounts/{account_id}/perception/rating")
def record_rating(
    request: Request,
    actor: CurrentActor,
    access: PerceptionWriter,
    db: DbSession,
    form: Annotated[RatingForm, FormOf(RatingForm)],
) -> Response:
    plan = current_plan(db, access)
    page = perception_page(request, db, actor, access)
    values = form.check(_dimensions(access))
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, rating_form=form, rating_errors=values)
    service.record_rating(
        db,
        actor=actor.user,
        plan=plan,
        overall=values.overall,
        scores=values.scores,
        note=values.note,
    )
    return page.done(
        f"Recorded your believed rating: {values.overall} out of 10.",
        BLOCK,
        anchor="believed-rating",
    )
