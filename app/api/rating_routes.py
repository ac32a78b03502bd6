"""The client's value ratings through the API: a client contributor rates (with an
``Idempotency-Key``), through the same service as the plan page (the same checks, audit event,
the lead's notification and the live update)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api import schemas
from app.api.auth import Authenticated
from app.api.common import ACCOUNT, IdempotencyKey, create_once, created
from app.api.problems import RESPONSES, Invalid
from app.db import DbSession
from app.permissions.guards import ValueRater
from app.plans.page import current_plan
from app.value import service as value_service
from app.value.schemas import RatingForm, RatingValues
from app.web.errors import NotFoundError
from app.web.forms import FormErrors


def _checked(new: schemas.RatingCreate, dimensions: list[str]) -> RatingValues:
    """The rating checked as the page's form checks it (a dimension not sent: unrated)."""
    unknown = {
        f"{field}.{name}": "Not a dimension of this workspace."
        for field, given in (("scores", new.scores), ("future_scores", new.future_scores))
        for name in sorted(set(given) - set(dimensions))
    }
    if unknown:
        raise Invalid(unknown)
    form = RatingForm(
        overall=str(new.overall),
        comment=new.comment,
        dimension=tuple(dimensions),
        score=tuple(str(new.scores[d]) if d in new.scores else "" for d in dimensions),
        future_overall="" if new.future_overall is None else str(new.future_overall),
        future_score=tuple(
            str(new.future_scores[d]) if d in new.future_scores else "" for d in dimensions
        ),
    )
    values = form.check(dimensions)
    if isinstance(values, FormErrors):
        raise Invalid(
            {
                key.replace("future_score:", "future_scores.").replace("score:", "scores."): text
                for key, text in values.items()
            }
        )
    return values


router = APIRouter(responses=RESPONSES)


@router.post(f"{ACCOUNT}/ratings", response_model=schemas.Rating, **created("Rated"))
def rate(
    request: Request,
    use: Authenticated,
    db: DbSession,
    access: ValueRater,
    new: schemas.RatingCreate,
    key: IdempotencyKey = None,
) -> Response:
    """Rate the value of working together (client contributors), in the current plan."""
    values = _checked(new, list(access.account.workspace.value_dimensions))

    def make() -> schemas.Rating:
        try:
            rating = value_service.rate(
                db,
                actor=use.actor.user,
                account=access.account,
                plan=current_plan(db, access),
                overall=values.overall,
                scores=values.scores,
                comment=values.comment,
                future_overall=values.future_overall,
                future_scores=values.future_scores,
            )
        except value_service.NotThisAccount:
            raise NotFoundError() from None
        return schemas.Rating.model_validate(rating, from_attributes=True)

    return create_once(request, db, token_id=use.token.id, key=key, sent=new, make=make)
