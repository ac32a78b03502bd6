"""The perception page (vendor only): believed priorities and rating, and the gap to what the
client stated. Client roles are refused by the guards (403) before anything is loaded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import EditPage, Page, account_page_of, edit_page
from app.models import PerceivedPriority, Plan, PriorityStatus
from app.perception import repository, service
from app.perception.schemas import BeliefForm, RatingForm
from app.permissions.guards import (
    ItemAccess,
    PerceptionWriter,
    account_page,
    item_action,
    item_guard,
    item_move,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans.page import current_plan
from app.priorities import repository as priorities_repo
from app.value import repository as value_repo
from app.value.room import room
from app.web.forms import FormErrors, Version

router = APIRouter()
BLOCK = "perception"

# A live belief of the account (internal: never the client side's).
WrittenBelief = Annotated[
    ItemAccess[PerceivedPriority],
    item_guard(Verb.PERCEPTION_WRITE, PerceivedPriority, "belief_id"),
]


def _dimensions(access: AccountAccess) -> list[str]:
    return list(access.account.workspace.value_dimensions)


def perception_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries whatever the number of items."""
    plan = current_plan(db, access)
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
        "room": room(stated, dimensions),
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


def _url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/perception"


perception_page = account_page_of("perception/show.html", perception_context, _url)


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


def _edit_page(request: Request, db: DbSession, checked: ItemAccess[PerceivedPriority]) -> EditPage:
    """The page that edits one belief; after saving, back to the perception page."""
    access = checked.access

    def more() -> dict[str, Any]:
        plan = current_plan(db, access)
        assert plan.id is not None
        return {"active_priorities": [p for p, _ in priorities_repo.ranked(db, plan_id=plan.id)]}

    return edit_page(
        request, "perception/edit.html", access, url=_url(access), more=more, belief=checked.item
    )


@router.get("/accounts/{account_id}/perception/beliefs/{belief_id}/edit")
def edit_belief(request: Request, db: DbSession, checked: WrittenBelief) -> Response:
    return _edit_page(request, db, checked).show(BeliefForm.of(checked.item), checked.item)


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}")
def update_belief(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenBelief,
    form: Annotated[BeliefForm, FormOf(BeliefForm)],
    version: Version = 0,
) -> Response:
    belief, page = checked.item, _edit_page(request, db, checked)
    plan = current_plan(db, checked.access)
    return page.save(
        form,
        form.check(*_link_choices(db, plan, editing=belief.id)),
        version=version,
        item=belief,
        save=lambda values: service.update_belief(
            db, actor=actor.user, belief=belief, values=values, expected_version=version
        ),
        after=lambda: page.leave(f"Saved “{belief.title}”.", f"belief-{belief.id}"),
    )


def move_belief(
    page: Page, db: DbSession, actor: Actor, belief: PerceivedPriority, direction: str
) -> Response:
    service.move_belief(db, actor=actor.user, belief=belief, up=direction == "up")
    notice = f"“{belief.title}” is now belief {belief.rank}."
    return page.done(notice, BLOCK, anchor="beliefs", focus=f"belief-{direction}-{belief.id}")


def remove_belief(page: Page, db: DbSession, actor: Actor, belief: PerceivedPriority) -> Response:
    service.remove_belief(db, actor=actor.user, belief=belief)
    return page.done(f"Removed “{belief.title}”.", BLOCK, anchor="beliefs")


BELIEF = "/accounts/{account_id}/perception/beliefs/{belief_id}"
item_move(router, f"{BELIEF}/move", WrittenBelief, perception_page, move_belief, what="a belief")
item_action(
    router, f"{BELIEF}/remove", WrittenBelief, perception_page, remove_belief, asks="Remove"
)


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
