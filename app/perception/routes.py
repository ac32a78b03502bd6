"""The perception page (vendor only): believed priorities and rating, and the gap to what the
client stated. Client roles are refused by the guards (403) before anything is loaded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.versioned import StaleEdit
from app.models import PerceivedPriority, Plan, PriorityStatus
from app.perception import repository, service
from app.perception.schemas import BeliefForm, RatingForm
from app.permissions.guards import PerceptionReader, PerceptionWriter, enforce_item
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import repository as plans_repo
from app.priorities import repository as priorities_repo
from app.web.errors import AppError, NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
BLOCK = "perception"


def _plan(db: DbSession, access: AccountAccess) -> Plan:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


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
    stated = repository.latest_client_rating(db, plan_id=plan.id)
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


def render_perception(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    block: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = perception_context(db, actor, access, _plan(db, access)) | extra
    return get_templates(request).render(
        request, "perception/show.html", context, block=block, status_code=status_code
    )


def _back(request: Request, access: AccountAccess, notice: str, anchor: str) -> Response:
    response = RedirectResponse(
        f"/accounts/{access.account_id}/perception#{anchor}", status_code=303
    )
    get_templates(request).flash(response, notice)
    return response


def _done(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    notice: str,
    anchor: str,
    **extra: Any,
) -> Response:
    if is_htmx(request):
        return render_perception(request, db, actor, access, block=BLOCK, notice=notice, **extra)
    return _back(request, access, notice, anchor)


def _belief(
    db: DbSession, actor: Actor, access: AccountAccess, belief_id: int, verb: Verb
) -> PerceivedPriority:
    belief = repository.get_belief(db, account_id=access.account_id, belief_id=belief_id)
    if belief is None:
        raise NotFoundError()
    enforce_item(actor, access, verb, belief)  # internal: never the client side's
    return belief


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


@router.get("/accounts/{account_id}/perception")
def show_perception(
    request: Request, actor: CurrentActor, access: PerceptionReader, db: DbSession
) -> Response:
    return render_perception(request, db, actor, access)


@router.post("/accounts/{account_id}/perception/beliefs")
def add_belief(
    request: Request,
    actor: CurrentActor,
    access: PerceptionWriter,
    db: DbSession,
    title: Text = "",
    hypothesis: Text = "",
    priority_id: Text = "",
) -> Response:
    plan = _plan(db, access)
    form = BeliefForm(title, hypothesis, priority_id)
    errors, linked = form.check(*_link_choices(db, plan))
    if errors:
        block = BLOCK if is_htmx(request) else None
        return render_perception(
            request,
            db,
            actor,
            access,
            block=block,
            belief_form=form,
            belief_errors=errors,
            status_code=422,
        )
    belief = service.add_belief(db, actor=actor.user, plan=plan, form=form, priority_id=linked)
    return _done(
        request, db, actor, access, f"Added “{belief.title}” as belief {belief.rank}.", "beliefs"
    )


def _render_edit(
    request: Request,
    db: DbSession,
    access: AccountAccess,
    belief: PerceivedPriority,
    form: BeliefForm,
    *,
    version: int,
    errors: dict[str, str] | None = None,
    stale: StaleEdit | None = None,
    status_code: int = 200,
) -> Response:
    plan = _plan(db, access)
    assert plan.id is not None
    return get_templates(request).render(
        request,
        "perception/edit.html",
        {
            "access": access,
            "account": access.account,
            "belief": belief,
            "form": form,
            "version": version,
            "errors": errors or {},
            "stale": stale,
            "active_priorities": [p for p, _ in priorities_repo.ranked(db, plan_id=plan.id)],
        },
        status_code=status_code,
    )


@router.get("/accounts/{account_id}/perception/beliefs/{belief_id}/edit")
def edit_belief(
    request: Request, actor: CurrentActor, access: PerceptionWriter, db: DbSession, belief_id: int
) -> Response:
    belief = _belief(db, actor, access, belief_id, Verb.PERCEPTION_WRITE)
    return _render_edit(request, db, access, belief, BeliefForm.of(belief), version=belief.version)


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}")
def update_belief(
    request: Request,
    actor: CurrentActor,
    access: PerceptionWriter,
    db: DbSession,
    belief_id: int,
    title: Text = "",
    hypothesis: Text = "",
    priority_id: Text = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    belief = _belief(db, actor, access, belief_id, Verb.PERCEPTION_WRITE)
    form = BeliefForm(title, hypothesis, priority_id)
    errors, linked = form.check(*_link_choices(db, _plan(db, access), editing=belief.id))
    if errors:
        return _render_edit(
            request, db, access, belief, form, version=version, errors=errors, status_code=422
        )
    try:
        service.update_belief(
            db,
            actor=actor.user,
            belief=belief,
            form=form,
            priority_id=linked,
            expected_version=version,
        )
    except StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        return _render_edit(
            request, db, access, belief, form, version=belief.version, stale=stale, status_code=409
        )
    return _back(request, access, f"Saved “{belief.title}”.", f"belief-{belief.id}")


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}/move")
def move_belief(
    request: Request,
    actor: CurrentActor,
    access: PerceptionWriter,
    db: DbSession,
    belief_id: int,
    direction: Text = "",
) -> Response:
    belief = _belief(db, actor, access, belief_id, Verb.PERCEPTION_WRITE)
    if direction not in ("up", "down"):
        raise AppError("Move a belief up or down.")
    service.move_belief(db, actor=actor.user, belief=belief, up=direction == "up")
    notice = f"“{belief.title}” is now belief {belief.rank}."
    return _done(
        request, db, actor, access, notice, "beliefs", focus=f"belief-{direction}-{belief.id}"
    )


@router.post("/accounts/{account_id}/perception/beliefs/{belief_id}/remove")
def remove_belief(
    request: Request, actor: CurrentActor, access: PerceptionWriter, db: DbSession, belief_id: int
) -> Response:
    belief = _belief(db, actor, access, belief_id, Verb.PERCEPTION_WRITE)
    service.remove_belief(db, actor=actor.user, belief=belief)
    return _done(request, db, actor, access, f"Removed “{belief.title}”.", "beliefs")


@router.post("/accounts/{account_id}/perception/rating")
def record_rating(
    request: Request,
    actor: CurrentActor,
    access: PerceptionWriter,
    db: DbSession,
    overall: Text = "",
    note: Text = "",
    dimension: Annotated[list[str] | None, Form()] = None,
    score: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """``dimension`` and ``score`` come in pairs, in the order of the form."""
    plan = _plan(db, access)
    form = RatingForm(overall, dict(zip(dimension or [], score or [], strict=False)), note)
    errors, value, scores = form.check(_dimensions(access))
    if errors or value is None:
        block = BLOCK if is_htmx(request) else None
        return render_perception(
            request,
            db,
            actor,
            access,
            block=block,
            rating_form=form,
            rating_errors=errors,
            status_code=422,
        )
    service.record_rating(
        db, actor=actor.user, plan=plan, overall=value, scores=scores, note=form.note
    )
    return _done(
        request,
        db,
        actor,
        access,
        f"Recorded your believed rating: {value} out of 10.",
        "believed-rating",
    )
