"""Opportunity targeting (vendor only): the account's opportunities scored by return on time
invested and classed A/B/C, with the client priorities each answers.

Client roles are refused by the guards (403) before anything is loaded; an opportunity of
another account is 404 (the repository filters by the checked account, then ``enforce_item``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.models import Opportunity, OpportunityStatus, Priority, User
from app.opportunities import repository, scoring, service
from app.opportunities.schemas import RATING_SCALES, STATUS_LABELS, OpportunityForm
from app.permissions.guards import InsightReader, InsightWriter, enforce_item
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Ids = Annotated[list[str] | None, Form()]
Version = Annotated[int, Form()]
BLOCK = "opportunities"


def _base(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/opportunities"


def _choices(db: DbSession, access: AccountAccess) -> tuple[list[User], list[Priority]]:
    """Who may own an opportunity, and which priorities it may answer: two queries."""
    owners = list(repository.vendor_people(db, account_id=access.account_id))
    linkable = list(repository.linkable_priorities(db, account_id=access.account_id))
    return owners, linkable


def _ids(items: list[User] | list[Priority]) -> set[int]:
    return {item.id for item in items if item.id is not None}


def page_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries whatever the number of
    opportunities and links (four, after the account guard)."""
    rows = repository.for_account(db, account_id=access.account_id)
    links = repository.links(db, account_id=access.account_id)
    owners, linkable = _choices(db, access)
    live = _ids(linkable)
    people = {opportunity.id: owner for opportunity, owner in rows}
    answers = {
        opportunity_id: [p for p in priorities if p.id in live]
        for opportunity_id, priorities in links.items()
    }
    dropped_links = {
        opportunity_id: [p for p in priorities if p.id not in live]
        for opportunity_id, priorities in links.items()
    }
    return {
        "access": access,
        "account": access.account,
        "can_write": may(actor, access, Verb.INSIGHT_WRITE),
        "targeting": scoring.target(opportunity for opportunity, _ in rows),
        "owners_of": people,
        "answers": answers,
        "dropped_links": dropped_links,
        "owner_choices": owners,
        "link_choices": linkable,
        "scales": RATING_SCALES,
        "status_labels": STATUS_LABELS,
        "form": OpportunityForm(),
        "errors": FormErrors(),
        "notice": "",
    }


def render_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    block: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = page_context(db, actor, access) | extra
    return get_templates(request).render(
        request, "opportunities/show.html", context, block=block, status_code=status_code
    )


def _back(request: Request, access: AccountAccess, notice: str, anchor: str) -> Response:
    response = RedirectResponse(f"{_base(access)}#{anchor}", status_code=303)
    get_templates(request).flash(response, notice)
    return response


def _opportunity(
    db: DbSession, actor: Actor, access: AccountAccess, opportunity_id: int
) -> Opportunity:
    opportunity = repository.get_live(
        db, account_id=access.account_id, opportunity_id=opportunity_id
    )
    if opportunity is None:
        raise NotFoundError()
    enforce_item(actor, access, Verb.INSIGHT_WRITE, opportunity)  # internal: never the client's
    return opportunity


def _form(
    title: str,
    description: str,
    size: str,
    days: str,
    ratings: tuple[str, ...],
    owner_id: str,
    status: str,
    priority_ids: list[str] | None,
) -> OpportunityForm:
    return OpportunityForm(
        title=title,
        description=description,
        size=size,
        days=days,
        ratings=dict(zip(scoring.RATINGS, ratings, strict=True)),
        owner_id=owner_id,
        status=status,
        priority_ids=priority_ids or [],
    )


@router.get("/accounts/{account_id}/opportunities")
def show_opportunities(
    request: Request, actor: CurrentActor, access: InsightReader, db: DbSession
) -> Response:
    return render_page(request, db, actor, access)


@router.post("/accounts/{account_id}/opportunities")
def add_opportunity(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    title: Text = "",
    description: Text = "",
    size: Text = "",
    days: Text = "",
    profitability: Text = "",
    need: Text = "",
    growth: Text = "",
    importance: Text = "",
    history: Text = "",
    relationship: Text = "",
    owner_id: Text = "",
    status: Text = OpportunityStatus.OPEN.value,
    priority_ids: Ids = None,
) -> Response:
    ratings = (profitability, need, growth, importance, history, relationship)
    form = _form(title, description, size, days, ratings, owner_id, status, priority_ids)
    owners, linkable = _choices(db, access)
    errors, values = form.check(_ids(owners), _ids(linkable))
    if errors or values is None:
        block = BLOCK if is_htmx(request) else None
        return render_page(
            request, db, actor, access, block=block, form=form, errors=errors, status_code=422
        )
    opportunity = service.add(db, actor=actor.user, account_id=access.account_id, values=values)
    notice = f"Added “{opportunity.title}”."
    if is_htmx(request):
        focus = f"opportunity-{opportunity.id}"
        return render_page(request, db, actor, access, block=BLOCK, notice=notice, focus=focus)
    return _back(request, access, notice, f"opportunity-{opportunity.id}")


def _render_edit(
    request: Request,
    db: DbSession,
    access: AccountAccess,
    opportunity: Opportunity,
    form: OpportunityForm,
    *,
    version: int,
    errors: FormErrors | None = None,
    stale: service.StaleEdit | None = None,
    status_code: int = 200,
) -> Response:
    assert opportunity.id is not None
    owners, linkable = _choices(db, access)
    saved = repository.linked_priorities(
        db, account_id=access.account_id, opportunity_id=opportunity.id
    )
    live = _ids(linkable)
    choices, former = _owner_choices(db, owners, opportunity)
    return get_templates(request).render(
        request,
        "opportunities/edit.html",
        {
            "access": access,
            "account": access.account,
            "opportunity": opportunity,
            "form": form,
            "version": version,
            "errors": errors or FormErrors(),
            "stale": stale,
            "stale_score": scoring.score(opportunity) if stale else None,
            "saved_links": [p for p in saved if p.id in live],
            "dropped_links": [p for p in saved if p.id not in live],
            "owner_choices": choices,
            "former_owner": former,
            "link_choices": linkable,
            "scales": RATING_SCALES,
            "status_labels": STATUS_LABELS,
        },
        status_code=status_code,
    )


def _owner_choices(
    db: DbSession, owners: list[User], opportunity: Opportunity
) -> tuple[list[User], User | None]:
    """The account's vendor members, plus the current owner if they have left the account (so
    that an edit need not change the owner), and that former member."""
    if opportunity.owner_id is None or opportunity.owner_id in _ids(owners):
        return owners, None
    former = db.get(User, opportunity.owner_id)
    return ([*owners, former], former) if former is not None else (owners, None)


@router.get("/accounts/{account_id}/opportunities/{opportunity_id}/edit")
def edit_opportunity(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    opportunity_id: int,
) -> Response:
    opportunity = _opportunity(db, actor, access, opportunity_id)
    links = repository.linked_priority_ids(
        db, account_id=access.account_id, opportunity_id=opportunity_id
    )
    form = OpportunityForm.of(opportunity, links)
    return _render_edit(request, db, access, opportunity, form, version=opportunity.version)


@router.post("/accounts/{account_id}/opportunities/{opportunity_id}")
def update_opportunity(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    opportunity_id: int,
    title: Text = "",
    description: Text = "",
    size: Text = "",
    days: Text = "",
    profitability: Text = "",
    need: Text = "",
    growth: Text = "",
    importance: Text = "",
    history: Text = "",
    relationship: Text = "",
    owner_id: Text = "",
    status: Text = "",
    priority_ids: Ids = None,
    version: Version = 0,
) -> Response:
    opportunity = _opportunity(db, actor, access, opportunity_id)
    ratings = (profitability, need, growth, importance, history, relationship)
    form = _form(title, description, size, days, ratings, owner_id, status, priority_ids)
    owners, linkable = _choices(db, access)
    allowed_owners = _ids(owners)
    if opportunity.owner_id is not None:
        allowed_owners.add(opportunity.owner_id)  # kept even if they have left the account
    errors, values = form.check(allowed_owners, _ids(linkable))
    if errors or values is None:
        return _render_edit(
            request, db, access, opportunity, form, version=version, errors=errors, status_code=422
        )
    try:
        service.update(
            db, actor=actor.user, opportunity=opportunity, values=values, expected_version=version
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's values stay in the form, next to what is saved now.
        return _render_edit(
            request,
            db,
            access,
            opportunity,
            form,
            version=opportunity.version,
            stale=stale,
            status_code=409,
        )
    return _back(request, access, f"Saved “{opportunity.title}”.", f"opportunity-{opportunity.id}")


@router.post("/accounts/{account_id}/opportunities/{opportunity_id}/remove")
def remove_opportunity(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    opportunity_id: int,
) -> Response:
    opportunity = _opportunity(db, actor, access, opportunity_id)
    service.remove(db, actor=actor.user, opportunity=opportunity)
    notice = f"Removed “{opportunity.title}”."
    if is_htmx(request):
        return render_page(request, db, actor, access, block=BLOCK, notice=notice)
    return _back(request, access, notice, "opportunities")
