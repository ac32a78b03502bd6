"""Opportunity targeting (vendor only): the account's opportunities scored by return on time
invested and classed A/B/C, with the client priorities each answers.

Client roles are refused by the guards (403) before anything is loaded; an opportunity of
another account is 404 (the item guard looks it up in the checked account only).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import EditPage, Page, account_page_of, edit_page
from app.models import Opportunity, OpportunityStatus, Priority, User
from app.opportunities import repository, scoring, service
from app.opportunities.schemas import RATING_SCALES, STATUS_LABELS, OpportunityForm
from app.permissions.guards import (
    InsightWriter,
    ItemAccess,
    account_page,
    item_action,
    item_guard,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.results.schemas import BID_REASONS
from app.web.forms import FormErrors, Version

router = APIRouter()
ITEM = "/accounts/{account_id}/opportunities/{opportunity_id}"
Form_ = Annotated[OpportunityForm, FormOf(OpportunityForm)]
BLOCK = "opportunities"
# What the list and the edit page both show of the ratings and statuses.
LABELS = {"scales": RATING_SCALES, "status_labels": STATUS_LABELS, "bid_reasons": BID_REASONS}

# A live opportunity of the account (internal: never the client side's).
WrittenOpportunity = Annotated[
    ItemAccess[Opportunity], item_guard(Verb.INSIGHT_WRITE, Opportunity, "opportunity_id")
]


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
        **LABELS,
        "form": OpportunityForm(),
        "errors": FormErrors(),
        "notice": "",
    }


_page = account_page_of("opportunities/show.html", page_context, _base)


def _edit_page(request: Request, db: DbSession, checked: ItemAccess[Opportunity]) -> EditPage:
    """The page that edits one opportunity; after saving, back to the list."""
    access, opportunity = checked.access, checked.item
    assert opportunity.id is not None

    def more() -> dict[str, Any]:
        owners, linkable = _choices(db, access)
        saved = repository.linked_priorities(
            db, account_id=access.account_id, opportunity_id=opportunity.id or 0
        )
        live = _ids(linkable)
        choices, former = _owner_choices(db, owners, opportunity)
        return {
            "saved_links": [p for p in saved if p.id in live],
            "dropped_links": [p for p in saved if p.id not in live],
            "owner_choices": choices,
            "former_owner": former,
            "link_choices": linkable,
        }

    return edit_page(
        request,
        "opportunities/edit.html",
        access,
        url=_base(access),
        more=more,
        opportunity=opportunity,
        stale_score=None,
        **LABELS,
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


account_page(
    router,
    "/accounts/{account_id}/opportunities",
    Verb.INSIGHT_VIEW,
    _page,
    name="show_opportunities",
)


@router.post("/accounts/{account_id}/opportunities")
def add_opportunity(
    request: Request, actor: CurrentActor, access: InsightWriter, db: DbSession, form: Form_
) -> Response:
    if not form.status:
        form = replace(form, status=OpportunityStatus.OPEN.value)  # a new one starts open
    owners, linkable = _choices(db, access)
    values = form.check(_ids(owners), _ids(linkable), actor.locale)
    page = _page(request, db, actor, access)
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, form=form, errors=values)
    opportunity = service.add(
        db, actor=actor.user, account_id=access.account_id, values=values, today=actor.today()
    )
    anchor = f"opportunity-{opportunity.id}"
    return page.done(f"Added “{opportunity.title}”.", BLOCK, anchor=anchor, focus=anchor)


@router.get(f"{ITEM}/edit")
def edit_opportunity(
    request: Request, actor: CurrentActor, db: DbSession, checked: WrittenOpportunity
) -> Response:
    opportunity = checked.item
    assert opportunity.id is not None
    links = repository.linked_priority_ids(
        db, account_id=checked.access.account_id, opportunity_id=opportunity.id
    )
    form = OpportunityForm.of(opportunity, links, actor.locale)
    return _edit_page(request, db, checked).show(form, opportunity)


@router.post(f"{ITEM}")
def update_opportunity(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenOpportunity,
    form: Form_,
    version: Version = 0,
) -> Response:
    opportunity, page = checked.item, _edit_page(request, db, checked)
    owners, linkable = _choices(db, checked.access)
    allowed_owners = _ids(owners)
    if opportunity.owner_id is not None:
        allowed_owners.add(opportunity.owner_id)  # kept even if they have left the account
    return page.save(
        form,
        form.check(allowed_owners, _ids(linkable), actor.locale),
        version=version,
        item=opportunity,
        save=lambda values: service.update(
            db,
            actor=actor.user,
            opportunity=opportunity,
            values=values,
            expected_version=version,
            today=actor.today(),
        ),
        after=lambda: page.leave(f"Saved “{opportunity.title}”.", f"opportunity-{opportunity.id}"),
        on_stale=lambda _: {"stale_score": scoring.score(opportunity)},
    )


def remove_opportunity(
    page: Page, db: DbSession, actor: Actor, opportunity: Opportunity
) -> Response:
    service.remove(db, actor=actor.user, opportunity=opportunity)
    return page.done(f"Removed “{opportunity.title}”.", BLOCK)


item_action(router, f"{ITEM}/remove", WrittenOpportunity, _page, remove_opportunity, asks="Remove")
