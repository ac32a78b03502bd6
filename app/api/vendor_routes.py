"""The vendor's internal resources through the API (vendor tokens only): the account's
scorecard, its profile, stakeholders, opportunities and plan reviews, read through the same
repositories as their pages. Their pages refuse the client side (403); here a client's token
gets the 404 of a missing account instead, so the API does not even say that they exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api import schemas
from app.api.auth import Authenticated
from app.api.common import ACCOUNT, current_plan
from app.api.problems import RESPONSES
from app.db import DbSession
from app.models import Strength, User
from app.opportunities import repository as opportunities_repo
from app.permissions.guards import AccountReader
from app.permissions.policy import AccountAccess, Decision, Verb, decide
from app.profile import repository as profile_repo
from app.reviews import repository as reviews_repo
from app.scorecard import repository as scorecard_repo
from app.stakeholders import repository as stakeholders_repo
from app.stakeholders.view import read_map
from app.web.errors import NotFoundError

router = APIRouter(responses=RESPONSES)


def vendor_insight(access: AccountReader, use: Authenticated) -> AccountAccess:
    """The account, for those who may see the vendor's internal view of it; anyone else (the
    client side) gets the 404 of a missing account."""
    if decide(use.actor, access, Verb.INSIGHT_VIEW) is not Decision.ALLOW:
        raise NotFoundError()
    return access


InsightReader = Annotated[AccountAccess, Depends(vendor_insight)]


def _person(user: User | None) -> schemas.Person | None:
    return schemas.Person(id=user.id or 0, name=user.display_name) if user else None


@router.get(f"{ACCOUNT}/scorecard", response_model=schemas.Scorecard)
def get_scorecard(db: DbSession, access: InsightReader) -> schemas.Scorecard:
    """The account's scores on the workspace's scorecard over time, and its tier."""
    history = [
        schemas.Score(
            current=score.current,
            future=score.future,
            tier=score.tier,
            note=score.note,
            scored_by=name,
            scored_at=score.scored_at,
        )
        for score, name in scorecard_repo.scorings(db, account_id=access.account_id)
    ]
    return schemas.Scorecard(latest=history[-1] if history else None, history=history)


@router.get(f"{ACCOUNT}/profile", response_model=schemas.Profile)
def get_profile(db: DbSession, access: InsightReader) -> schemas.Profile:
    """The account profile's saved sections, with what the client answered to those sent."""
    rows = profile_repo.sections(db, account_id=access.account_id)
    return schemas.Profile(
        sections=[
            schemas.ProfileSection.model_validate(row.section, from_attributes=True) for row in rows
        ]
    )


@router.get(f"{ACCOUNT}/stakeholders", response_model=schemas.StakeholderList)
def list_stakeholders(db: DbSession, access: InsightReader) -> schemas.StakeholderList:
    """The decision-making group: every live stakeholder, with who reports to whom, their
    level and location, and the team's contacts with them (strongest first)."""
    people = stakeholders_repo.on_map(db, account_id=access.account_id)
    team = stakeholders_repo.vendor_people(db, account_id=access.account_id)
    view = read_map(people, team, stakeholders_repo.contacts(db, account_id=access.account_id))
    items = []
    for stakeholder in people:
        contacts = view.contacts.get(stakeholder.id or 0, [])
        first = contacts[0] if contacts else None
        items.append(
            schemas.Stakeholder.model_validate(
                {
                    **stakeholder.model_dump(),
                    "contacts": [
                        schemas.StakeholderContact(
                            id=c.row.id or 0,
                            person=_person(c.user),
                            strength=c.row.strength,
                            last_contact_on=c.row.last_contact_on,
                            on_team=c.on_team,
                            version=c.row.version,
                        )
                        for c in contacts
                    ],
                    "owner": _person(first.user) if first else None,
                    "strength": first.row.strength if first else Strength.NONE.value,
                    "last_contact_on": first.row.last_contact_on if first else None,
                }
            )
        )
    return schemas.StakeholderList(items=items)


@router.get(f"{ACCOUNT}/opportunities", response_model=schemas.OpportunityList)
def list_opportunities(db: DbSession, access: InsightReader) -> schemas.OpportunityList:
    """The account's live opportunities, most recently changed first."""
    rows = opportunities_repo.for_account(db, account_id=access.account_id)
    return schemas.OpportunityList(
        items=[
            schemas.Opportunity.model_validate(
                {**opportunity.model_dump(), "owner": _person(owner)}
            )
            for opportunity, owner in rows
        ]
    )


@router.get(f"{ACCOUNT}/reviews", response_model=schemas.ReviewList)
def list_reviews(db: DbSession, access: InsightReader) -> schemas.ReviewList:
    """The vendor's internal reviews of the current plan, newest first."""
    plan = current_plan(db, access)
    rows = reviews_repo.reviews_for_plan(db, plan_id=plan.id)
    return schemas.ReviewList(
        items=[schemas.Review.model_validate(row.review, from_attributes=True) for row in rows]
    )
